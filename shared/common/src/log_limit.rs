//! At most one log line per period for a repeating complaint.
//!
//! A broken or hostile publisher can send thousands of bad messages a second,
//! and a broken scrape target complains every report; the metrics count every
//! occurrence, so the log only has to say what is wrong, with how many lines
//! were suppressed since the last one.

use std::time::{Duration, Instant};

/// The period every healthmon service uses.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct LogLimiter {
    period: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl Default for LogLimiter {
    fn default() -> Self {
        LogLimiter::new(DEFAULT_PERIOD)
    }
}

impl LogLimiter {
    pub fn new(period: Duration) -> Self {
        LogLimiter {
            period,
            last: None,
            suppressed: 0,
        }
    }

    /// `Some(n)` when a line may be logged at `now`, `n` being how many were
    /// suppressed since the previous one; `None` when this one is suppressed.
    pub fn allow_at(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.saturating_duration_since(last) < self.period => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }

    /// [`allow_at`](Self::allow_at) now.
    pub fn allow(&mut self) -> Option<u64> {
        self.allow_at(Instant::now())
    }
}

/// `warn!` through a [`LogLimiter`], adding the `suppressed` count:
/// `warn_limited!(limiter, site_id = %id, "report not sent")`.
#[macro_export]
macro_rules! warn_limited {
    ($limiter:expr, $($arg:tt)+) => {
        if let Some(suppressed) = $limiter.allow() {
            $crate::__tracing::warn!(suppressed, $($arg)+);
        }
    };
}

#[cfg(test)]
mod tests;
