//! How widely collectors should spread their answers to a resend request.
//!
//! A resend asks every collector for a fresh report (at start, after a
//! reconnect). At 1,000,000 sites answering within the collectors' default
//! one-second jitter, that is a burst the subscription buffers cannot hold
//! (issue 16). So the aggregator sizes a window from the sites it expects
//! (its table, the registry's listed sites included) and a pace it can take
//! (`--resend-rate`, reports/s), and sends it in a header
//! ([`HEADER_RESEND_SPREAD_MS`](healthmon_proto::subjects::HEADER_RESEND_SPREAD_MS));
//! each site picks its delay inside. Collectors that ignore the header keep
//! their own jitter, as before. Pure.

use std::time::Duration;

/// Default pace of resend answers, reports/s: about a quarter of what the
/// aggregator ingests flat out on the 2-core bench machine (docs/PERFORMANCE.md),
/// leaving room for the fleet's regular reports and the assessor.
pub const DEFAULT_RATE: u32 = 50_000;
/// Never narrower than the collectors' own default jitter.
pub const MIN_SPREAD: Duration = Duration::from_secs(1);
/// Never wider: a site that misses the resend reports on its interval anyway.
pub const MAX_SPREAD: Duration = Duration::from_secs(300);

/// The window for `sites` answering at `rate` reports/s.
pub fn spread(sites: usize, rate: u32) -> Duration {
    let seconds = sites as f64 / f64::from(rate.max(1));
    Duration::from_secs_f64(seconds).clamp(MIN_SPREAD, MAX_SPREAD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_million_sites_spread_over_twenty_seconds_a_small_fleet_over_one() {
        assert_eq!(spread(1_000_000, DEFAULT_RATE), Duration::from_secs(20));
        assert_eq!(spread(50, DEFAULT_RATE), MIN_SPREAD);
        assert_eq!(spread(0, DEFAULT_RATE), MIN_SPREAD);
        assert_eq!(spread(100_000_000, DEFAULT_RATE), MAX_SPREAD);
    }

    proptest! {
        /// Within the window, the answers never come faster than the rate.
        #[test]
        fn the_window_holds_the_pace(sites in 0usize..50_000_000, rate in 1u32..1_000_000) {
            let window = spread(sites, rate);
            prop_assert!((MIN_SPREAD..=MAX_SPREAD).contains(&window));
            if window < MAX_SPREAD {
                prop_assert!(sites as f64 / window.as_secs_f64() <= f64::from(rate) * 1.000_001);
            }
        }
    }
}
