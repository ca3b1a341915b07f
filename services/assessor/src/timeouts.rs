//! Heartbeat deadline math and the connectivity reasons shown to users.
//!
//! Pure. A site is `late` after 1.5 × the interval it declared in its last
//! report, and `offline` after `missed_heartbeats` × that interval. Elapsed
//! times are always central-clock durations since the report was received;
//! the site's own clock never enters.

use healthmon_proto::Connectivity;

/// The smallest `--missed-heartbeats` accepted: with fewer, "offline" would
/// come no later than "late".
pub const MIN_MISSED_HEARTBEATS: u32 = 2;

/// The largest `--missed-heartbeats` accepted: with the one-day maximum
/// interval this keeps every deadline within 100 days.
pub const MAX_MISSED_HEARTBEATS: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub late_ms: u64,
    pub offline_ms: u64,
}

impl Thresholds {
    pub fn new(interval_ms: u64, missed_heartbeats: u32) -> Self {
        Thresholds {
            late_ms: interval_ms.saturating_mul(3) / 2,
            offline_ms: interval_ms.saturating_mul(u64::from(missed_heartbeats)),
        }
    }

    /// Connectivity after `elapsed_ms` without a report.
    pub fn judge(&self, elapsed_ms: u64) -> Connectivity {
        if elapsed_ms >= self.offline_ms {
            Connectivity::Offline
        } else if elapsed_ms >= self.late_ms {
            Connectivity::Late
        } else {
            Connectivity::Online
        }
    }

    /// Milliseconds after the last report at which a site in `connectivity`
    /// next needs judging; `None` once it is offline (only a report moves it).
    pub fn next_deadline_ms(&self, connectivity: Connectivity) -> Option<u64> {
        match connectivity {
            Connectivity::Offline => None,
            Connectivity::Late => Some(self.offline_ms),
            Connectivity::Online | Connectivity::Unknown => Some(self.late_ms),
        }
    }

    /// The first reason of a late or offline site, e.g.
    /// "no report for 92s (timeout 90s)"; `None` for other states.
    pub fn reason(&self, connectivity: Connectivity, elapsed_ms: u64) -> Option<String> {
        let elapsed = fmt_secs(elapsed_ms);
        match connectivity {
            Connectivity::Late => Some(format!(
                "no report for {elapsed} (late after {})",
                fmt_secs(self.late_ms)
            )),
            Connectivity::Offline => Some(format!(
                "no report for {elapsed} (timeout {})",
                fmt_secs(self.offline_ms)
            )),
            Connectivity::Online | Connectivity::Unknown => None,
        }
    }
}

/// Whole seconds from 10 s up ("92s"); one decimal below, so that short test
/// intervals stay readable ("0.3s"), without a useless ".0" ("2s").
pub fn fmt_secs(ms: u64) -> String {
    if ms >= 10_000 || (ms / 1000) * 1000 == ms {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests;
