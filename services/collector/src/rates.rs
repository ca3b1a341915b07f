//! Per-minute rates from monotonically increasing counters.
//!
//! Subsystems expose error *totals*; the report carries both the total and a
//! rate derived from the increase between observations. Counters reset to 0
//! when a subsystem restarts, so a decrease is read as "restarted and counted
//! `value` since": the increase is the new value, never negative.
//!
//! Observations closer together than `min_window` (a resend right after a
//! periodic report) keep the previous rate instead of dividing a few errors
//! by a few milliseconds; their increase is kept and counted in the next
//! window, so nothing is lost.

/// Time on a monotonic clock, in milliseconds since any fixed origin.
pub type Millis = u64;

#[derive(Debug, Clone)]
pub struct RateTracker {
    min_window_ms: Millis,
    /// Start of the current window.
    window_start: Option<Millis>,
    /// Last value seen, to detect resets between any two observations.
    last_value: u64,
    /// Increase accumulated since `window_start`.
    increase: u64,
    rate: f64,
}

impl RateTracker {
    pub fn new(min_window_ms: Millis) -> Self {
        RateTracker {
            min_window_ms: min_window_ms.max(1),
            window_start: None,
            last_value: 0,
            increase: 0,
            rate: 0.0,
        }
    }

    /// Records `value` observed at `at_ms` and returns the current per-minute rate.
    ///
    /// The first observation only sets the baseline (rate 0): without a
    /// previous value there is no increase to speak of.
    pub fn observe(&mut self, at_ms: Millis, value: u64) -> f64 {
        let Some(start) = self.window_start else {
            self.window_start = Some(at_ms);
            self.last_value = value;
            return self.rate;
        };
        let step = if value >= self.last_value {
            value - self.last_value
        } else {
            value
        };
        self.increase = self.increase.saturating_add(step);
        self.last_value = value;
        let elapsed = at_ms.saturating_sub(start);
        if elapsed >= self.min_window_ms {
            self.rate = self.increase as f64 * 60_000.0 / elapsed as f64;
            self.window_start = Some(at_ms);
            self.increase = 0;
        }
        self.rate
    }

    /// The rate returned by the last [`observe`](Self::observe).
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests;
