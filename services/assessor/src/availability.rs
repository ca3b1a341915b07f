//! Availability since this assessor started: the share of the time the
//! centre could judge a site that the site was online.
//!
//! Time the centre could not judge (blind: its NATS link down; or
//! suspecting itself: mass silence) counts for no site, so an outage of the
//! centre is not charged to the fleet. One global [`JudgingClock`] sums that
//! unjudged time; each site keeps 12 bytes ([`Uptime`]): its online and
//! judged time up to its last change, and the clock's reading then, so a
//! period is folded in only when the site changes state. Pure: unix
//! milliseconds in.

use healthmon_proto::Connectivity;
use healthmon_proto::judgement::Availability;

/// Units of the per-site counters: 100 ms, so `u32` spans 13.6 years.
const UNIT_MS: u64 = 100;

fn units(ms: u64) -> u32 {
    u32::try_from(ms / UNIT_MS).unwrap_or(u32::MAX)
}

/// The centre's unjudged time since the tracker began.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JudgingClock {
    /// Unix ms of the first thing the tracker saw: nothing counts before.
    start_ms: u64,
    unjudged_ms: u64,
    /// Unjudged since this unix ms, while the centre cannot judge.
    unjudged_since: Option<u64>,
}

impl JudgingClock {
    /// Marks the start, once: the first time anything happens.
    pub fn begin(&mut self, now_ms: u64) {
        if self.start_ms == 0 {
            self.start_ms = now_ms;
        }
    }

    pub fn start_ms(&self) -> u64 {
        self.start_ms
    }

    pub fn judging(&self) -> bool {
        self.unjudged_since.is_none()
    }

    /// The centre can judge again, or no longer.
    pub fn set(&mut self, judging: bool, now_ms: u64) {
        self.begin(now_ms);
        match (judging, self.unjudged_since) {
            (true, Some(since)) => {
                self.unjudged_ms += now_ms.saturating_sub(since);
                self.unjudged_since = None;
            }
            (false, None) => self.unjudged_since = Some(now_ms),
            _ => {}
        }
    }

    /// Unjudged ms up to `now_ms`.
    pub fn unjudged_at(&self, now_ms: u64) -> u64 {
        self.unjudged_ms
            + self
                .unjudged_since
                .map_or(0, |since| now_ms.saturating_sub(since))
    }
}

/// A site's online and judged time up to its last change (in [`UNIT_MS`]),
/// and the clock's unjudged time then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uptime {
    online: u32,
    judged: u32,
    unjudged_at_change: u32,
}

impl Uptime {
    /// A site first seen now.
    pub fn starting(clock: &JudgingClock, now_ms: u64) -> Self {
        Uptime {
            unjudged_at_change: units(clock.unjudged_at(now_ms)),
            ..Uptime::default()
        }
    }

    /// Judged ms of the open period, from the last change at `since_ms`.
    fn open_judged(&self, since_ms: u64, now_ms: u64, clock: &JudgingClock) -> u64 {
        let from = since_ms.max(clock.start_ms());
        let unjudged = units(clock.unjudged_at(now_ms)).saturating_sub(self.unjudged_at_change);
        now_ms
            .saturating_sub(from)
            .saturating_sub(u64::from(unjudged) * UNIT_MS)
    }

    /// Online and judged ms at `now_ms`, the open period counted as
    /// `connectivity` (online counts as both, late/offline as judged only,
    /// unknown as neither).
    pub fn at(
        &self,
        connectivity: Connectivity,
        since_ms: u64,
        now_ms: u64,
        clock: &JudgingClock,
    ) -> (u64, u64) {
        let open = match connectivity {
            Connectivity::Unknown => 0,
            _ => self.open_judged(since_ms, now_ms, clock),
        };
        let online = u64::from(self.online) * UNIT_MS
            + if connectivity == Connectivity::Online {
                open
            } else {
                0
            };
        (online, u64::from(self.judged) * UNIT_MS + open)
    }

    /// Folds the open period in at a change: from now a new one opens.
    pub fn close(
        &mut self,
        connectivity: Connectivity,
        since_ms: u64,
        now_ms: u64,
        clock: &JudgingClock,
    ) {
        let (online, judged) = self.at(connectivity, since_ms, now_ms, clock);
        *self = Uptime {
            online: units(online),
            judged: units(judged),
            unjudged_at_change: units(clock.unjudged_at(now_ms)),
        };
    }

    /// As the judgement reports it.
    pub fn availability(
        &self,
        connectivity: Connectivity,
        since_ms: u64,
        now_ms: u64,
        clock: &JudgingClock,
    ) -> Availability {
        let (online_ms, judged_ms) = self.at(connectivity, since_ms, now_ms, clock);
        Availability {
            online_ms,
            judged_ms,
            since_ms: clock.start_ms(),
            as_of_ms: now_ms,
        }
    }
}

#[cfg(test)]
mod tests;
