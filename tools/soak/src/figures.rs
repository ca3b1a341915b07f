//! The table printed while the soak runs, the closing figures, and the verdict.
//! Pure: everything here is computed from samples taken elsewhere.

use std::fmt::Write as _;
use std::time::Duration;

use healthmon_proto::query::Summary;

use crate::storm::Storm;

/// Processes sampled, in column order.
pub const PROCS: [&str; 4] = ["aggregator", "assessor", "nats", "soak"];

/// One sample of the run.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub elapsed: Duration,
    pub sent: u64,
    pub summary: Option<Summary>,
    pub rss: [u64; 4],
    /// CPU since the previous row, percent of one core.
    pub cpu: [f64; 4],
    pub max_lag: Duration,
}

pub fn header() -> String {
    format!(
        "{:>6} {:>11} {:>8} {:>5} {:>7} | {:>28} | {:>24} | {:>8}",
        "time",
        "sent",
        "online",
        "late",
        "offline",
        "RSS MiB agg/ass/nats/soak",
        "CPU % agg/ass/nats/soak",
        "pub lag"
    )
}

pub fn row(r: &Row) -> String {
    let (online, late, offline) = r
        .summary
        .as_ref()
        .map(|s| {
            (
                s.online.to_string(),
                s.late.to_string(),
                s.offline.to_string(),
            )
        })
        .unwrap_or(("?".into(), "?".into(), "?".into()));
    let rss = r.rss.map(|b| format!("{:.0}", mib(b))).join("/");
    let cpu = r.cpu.map(|c| format!("{c:.0}")).join("/");
    format!(
        "{:>6} {:>11} {:>8} {:>5} {:>7} | {:>28} | {:>24} | {:>6}ms",
        clock(r.elapsed),
        r.sent,
        online,
        late,
        offline,
        rss,
        cpu,
        r.max_lag.as_millis()
    )
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn clock(d: Duration) -> String {
    format!("{}:{:02}", d.as_secs() / 60, d.as_secs() % 60)
}

/// Resident memory of one process after warm-up, as the peaks of the first
/// and second half of those samples. Comparing peaks rather than single
/// samples keeps periodic spikes (a 200 MB `/metrics` scrape) from passing
/// for growth, while a leak still lifts the second half above the first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    pub first_half_max: u64,
    pub second_half_max: u64,
    pub at_end: u64,
}

impl Memory {
    /// `None` with fewer than two samples after `warmup`.
    pub fn of(rows: &[Row], proc: usize, warmup: Duration) -> Option<Memory> {
        let after: Vec<u64> = rows
            .iter()
            .filter(|r| r.elapsed >= warmup)
            .map(|r| r.rss[proc])
            .collect();
        if after.len() < 2 {
            return None;
        }
        let (first, second) = after.split_at(after.len() / 2);
        Some(Memory {
            first_half_max: *first.iter().max()?,
            second_half_max: *second.iter().max()?,
            at_end: *after.last()?,
        })
    }

    pub fn growth_pct(&self) -> f64 {
        let (a, b) = (self.first_half_max as f64, self.second_half_max as f64);
        100.0 * (b - a) / a.max(1.0)
    }

    /// Flat: the second half's peak at most `pct` percent plus 8 MiB above the first's.
    pub fn is_flat(&self, pct: f64) -> bool {
        let base = self.first_half_max as f64;
        self.second_half_max as f64 <= base * (1.0 + pct / 100.0) + 8.0 * 1024.0 * 1024.0
    }
}

/// Everything the verdict is made of.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub sent: u64,
    pub accepted_aggregator: u64,
    pub accepted_assessor: u64,
    pub rejected_aggregator: u64,
    pub rejected_assessor: u64,
    /// Reports each service counted lost from `seq` gaps (aggregator, assessor).
    pub seq_gaps: [u64; 2],
    pub slow_consumers: u64,
    pub false_late: u64,
    pub false_offline: u64,
    pub not_healthy: u64,
    pub centre_events: u64,
    pub very_late_sends: u64,
    pub failed_scrapes: u64,
    /// `health.agg.get` of one site every half second after the warm-up:
    /// (slowest, p99, how many were asked); `None` when not probed.
    pub get: Option<(Duration, Duration, usize)>,
    /// The same during the warm-up, while the first reports fill the
    /// table: shown, not judged (a cold start of the whole fleet).
    pub get_warmup: Option<(Duration, Duration, usize)>,
    /// (process, memory) for the central processes.
    pub memory: Vec<(&'static str, Memory)>,
    pub rss_growth_pct: f64,
    /// The restart storm, in a `--restart` run.
    pub storm: Option<Storm>,
}

/// A dashboard user's query must not wait on a scrape or a burst (issue 16).
pub const GET_WITHIN: Duration = Duration::from_millis(50);

impl Figures {
    /// Reports process `proc` should have taken: all, or those sent since
    /// the resend when it was restarted (what came before reached the old
    /// process, or nobody while it was down).
    pub fn expected(&self, proc: usize) -> u64 {
        Storm::expected_of(self.storm.as_ref(), proc, self.sent)
    }

    /// Reports process `proc` (aggregator 0, assessor 1) should have taken and did not.
    pub fn lost(&self, proc: usize) -> u64 {
        let accepted = [self.accepted_aggregator, self.accepted_assessor][proc];
        self.expected(proc).saturating_sub(accepted)
    }

    /// Each failed criterion, in words; empty means the soak passed.
    pub fn failures(&self) -> Vec<String> {
        let mut failed = Vec::new();
        let mut check = |ok: bool, what: String| {
            if !ok {
                failed.push(what);
            }
        };
        for (proc, who, accepted) in [
            (0, "aggregator", self.accepted_aggregator),
            (1, "assessor", self.accepted_assessor),
        ] {
            let expected = self.expected(proc);
            check(
                accepted >= expected,
                format!(
                    "{who} accepted {accepted} of {expected} reports ({} lost)",
                    self.lost(proc)
                ),
            );
        }
        check(
            self.rejected_aggregator + self.rejected_assessor == 0,
            format!(
                "reports rejected: aggregator {}, assessor {}",
                self.rejected_aggregator, self.rejected_assessor
            ),
        );
        check(
            self.seq_gaps == [0, 0],
            format!(
                "seq gaps: aggregator {}, assessor {}",
                self.seq_gaps[0], self.seq_gaps[1]
            ),
        );
        check(
            self.slow_consumers == 0,
            format!("{} slow consumer events", self.slow_consumers),
        );
        check(
            self.false_late + self.false_offline == 0,
            format!(
                "false status events: {} late, {} offline",
                self.false_late, self.false_offline
            ),
        );
        check(
            self.not_healthy == 0,
            format!("{} events with health other than healthy", self.not_healthy),
        );
        check(
            self.centre_events == 0,
            format!(
                "{} centre events (mass silence suspected)",
                self.centre_events
            ),
        );
        check(
            self.very_late_sends == 0,
            format!(
                "the publisher fell more than half an interval behind {} times (load not delivered)",
                self.very_late_sends
            ),
        );
        check(
            self.failed_scrapes == 0,
            format!("{} /metrics scrapes failed", self.failed_scrapes),
        );
        if let Some((max, _, _)) = self.get {
            check(
                max <= GET_WITHIN,
                format!(
                    "health.agg.get took {} ms at worst (allowed {} ms)",
                    max.as_millis(),
                    GET_WITHIN.as_millis()
                ),
            );
        }
        for (who, m) in &self.memory {
            check(
                m.is_flat(self.rss_growth_pct),
                format!(
                    "{who} memory grew {:.1}% after warm-up (peak {:.0} → {:.0} MiB)",
                    m.growth_pct(),
                    mib(m.first_half_max),
                    mib(m.second_half_max)
                ),
            );
        }
        failed.extend(self.storm.iter().flat_map(Storm::failures));
        failed
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |k: &str, v: &dyn std::fmt::Display| {
            let _ = writeln!(out, "  {k:<38} {v}");
        };
        // Two figures side by side, as the line's name pairs them.
        let both = |a: u64, b: u64| format!("{a} / {b}");
        let (aggregator, assessor) = (self.accepted_aggregator, self.accepted_assessor);
        let accepted = both(aggregator, assessor);
        let lost = both(self.lost(0), self.lost(1));
        line("reports sent", &self.sent);
        line("accepted by aggregator / assessor", &accepted);
        line("lost (expected - accepted)", &lost);
        let rejected = both(self.rejected_aggregator, self.rejected_assessor);
        line("rejected aggregator / assessor", &rejected);
        let gaps = both(self.seq_gaps[0], self.seq_gaps[1]);
        line("seq gaps agg / ass (their own count)", &gaps);
        line("slow consumers (server + clients)", &self.slow_consumers);
        let false_events = both(self.false_late, self.false_offline);
        line("false late / offline events", &false_events);
        line("non-healthy status events", &self.not_healthy);
        line("centre (mass-silence) events", &self.centre_events);
        line("sends > interval/2 behind", &self.very_late_sends);
        for (what, get) in [
            ("health.agg.get (every 0.5 s)", self.get),
            ("  during the warm-up (not judged)", self.get_warmup),
        ] {
            let Some((max, p99, asked)) = get else {
                continue;
            };
            line(
                what,
                &format!(
                    "{asked} asked: p99 {:.1} ms, slowest {:.1} ms",
                    p99.as_secs_f64() * 1e3,
                    max.as_secs_f64() * 1e3
                ),
            );
        }
        if self.memory.is_empty() {
            line("RSS", &"too few samples after warm-up to judge");
        }
        for (who, m) in &self.memory {
            line(
                &format!("{who} RSS peak 1st/2nd half, end"),
                &format!(
                    "{:.1} / {:.1} / {:.1} MiB ({:+.1}%)",
                    mib(m.first_half_max),
                    mib(m.second_half_max),
                    mib(m.at_end),
                    m.growth_pct()
                ),
            );
        }
        if let Some(storm) = &self.storm {
            out.push_str(&storm.render());
        }
        out
    }
}

#[cfg(test)]
mod tests;
