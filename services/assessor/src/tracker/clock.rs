//! Synthetic time for the tracker's unit tests: a fixed epoch and a unix
//! clock that advance together, so deadlines and ages are exact.

use std::time::Duration;

use tokio::time::Instant;

use super::Tracker;
use crate::rules::Rules;

/// The unix time (ms) at the epoch.
pub(super) const T0_MS: u64 = 1_700_000_000_000;

/// Synthetic time: `at` ms after `epoch`.
pub(super) struct Clock {
    pub(super) epoch: Instant,
    pub(super) at: u64,
}

impl Clock {
    pub(super) fn new() -> Self {
        Clock {
            epoch: Instant::now(),
            at: 0,
        }
    }

    /// Moves on by `ms`; the new (instant, unix ms).
    pub(super) fn advance(&mut self, ms: u64) -> (Instant, u64) {
        self.at += ms;
        self.now()
    }

    pub(super) fn now(&self) -> (Instant, u64) {
        (self.epoch + Duration::from_millis(self.at), T0_MS + self.at)
    }

    /// The instant `ms` after the epoch (not after now).
    pub(super) fn after(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }
}

/// A tracker on `clock`'s epoch: offline after 3 missed reports, default rules.
pub(super) fn tracker(clock: &Clock) -> Tracker {
    Tracker::new(clock.epoch, 3, Rules::default())
}

/// A fresh clock, a tracker on it, and the clock's (instant, unix ms) now:
/// where most tests start.
pub(super) fn start() -> (Clock, Tracker, Instant, u64) {
    let clock = Clock::new();
    let t = tracker(&clock);
    let (now, now_ms) = clock.now();
    (clock, t, now, now_ms)
}
