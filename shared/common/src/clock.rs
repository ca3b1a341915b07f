//! Wall-clock time as unix milliseconds (and microseconds, for latency probes).
//!
//! Timeouts use `tokio::time::Instant` (monotonic); unix ms are only for
//! values that leave the process (events, API answers).

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
