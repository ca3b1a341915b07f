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
//! their own jitter, as before.
//!
//! When nothing knows the fleet (a whole centre restarted without a
//! registry, so the table is empty and no assessor has counts), the fleet's
//! regular reports still say how big it is: a starting aggregator listens
//! for [`DEFAULT_LISTEN`] first, and [`Heard`] infers the fleet from what
//! arrived. Measured with the soak at 1,000,000 sites: a fresh centre that
//! asked for the 1 s minimum lost 30,865 (aggregator) and 623,681 (assessor)
//! reports to slow consumers in the storm (docs/PERFORMANCE.md).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Default pace of resend answers, reports/s. What binds is not the
/// aggregator (it ingests ~250,000/s flat out on the 2-core bench machine)
/// but a freshly restarted assessor, for which every answer is a new site
/// and a status event: with a whole centre restarted at 1,000,000 sites, a
/// 20 s window (50,000/s) lost 0 and 25,520 of its reports in two soak runs,
/// a 1 s window 623,681 (docs/PERFORMANCE.md). At 25,000/s a million sites
/// reporting every 30 s get a 40 s window, wider than their interval: every
/// site answers with its regular report and the storm adds nothing.
pub const DEFAULT_RATE: u32 = 25_000;
/// Never narrower than the collectors' own default jitter.
pub const MIN_SPREAD: Duration = Duration::from_secs(1);
/// Never wider: a site that misses the resend reports on its interval anyway.
pub const MAX_SPREAD: Duration = Duration::from_secs(300);

/// How long a starting aggregator listens before it asks for a resend.
pub const DEFAULT_LISTEN: Duration = Duration::from_secs(2);

/// The fleet the reports heard so far stand for. A site reporting every
/// `interval` sends `listened ÷ interval` reports in `listened` (on
/// average, at any phase), so each report stands for `interval ÷ listened`
/// sites and their sum estimates the fleet — with no per-site bookkeeping,
/// and right for sites heard several times as for those not heard at all.
#[derive(Debug)]
pub struct Heard {
    since: Instant,
    interval_ms: AtomicU64,
}

impl Default for Heard {
    fn default() -> Self {
        Heard {
            since: Instant::now(),
            interval_ms: AtomicU64::new(0),
        }
    }
}

impl Heard {
    /// Counts an accepted report declaring `interval_ms`.
    pub fn hear(&self, interval_ms: u64) {
        self.interval_ms.fetch_add(interval_ms, Ordering::Relaxed);
    }

    pub fn since(&self) -> Instant {
        self.since
    }

    /// The fleet inferred at `now`.
    pub fn fleet_at(&self, now: Instant) -> usize {
        let listened_ms = now.saturating_duration_since(self.since).as_millis().max(1);
        (u128::from(self.interval_ms.load(Ordering::Relaxed)) / listened_ms) as usize
    }
}

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
    fn a_million_sites_spread_over_forty_seconds_a_small_fleet_over_one() {
        assert_eq!(spread(1_000_000, DEFAULT_RATE), Duration::from_secs(40));
        assert_eq!(spread(50, DEFAULT_RATE), MIN_SPREAD);
        assert_eq!(spread(0, DEFAULT_RATE), MIN_SPREAD);
        assert_eq!(spread(100_000_000, DEFAULT_RATE), MAX_SPREAD);
    }

    /// A fleet reporting at random phases, heard for `listened`: each site
    /// sends at `phase, phase + interval, …`.
    fn heard_of(fleet: &[(u64, u64)], listened_ms: u64) -> Heard {
        let heard = Heard::default();
        for &(interval, phase) in fleet {
            let mut at = phase % interval;
            while at < listened_ms {
                heard.hear(interval);
                at += interval;
            }
        }
        heard
    }

    #[test]
    fn a_million_sites_every_30_s_are_inferred_from_two_seconds_of_reports() {
        let fleet: Vec<(u64, u64)> = (0..1_000_000u64)
            .map(|i| (30_000, i * 30_000 / 1_000_000))
            .collect();
        let heard = heard_of(&fleet, 2_000);
        let inferred = heard.fleet_at(heard.since() + Duration::from_secs(2));
        assert!((990_000..=1_010_000).contains(&inferred), "{inferred}");
        assert_eq!(spread(inferred, DEFAULT_RATE).as_secs(), 40);
    }

    #[test]
    fn nothing_heard_infers_no_fleet() {
        let heard = Heard::default();
        assert_eq!(heard.fleet_at(heard.since() + DEFAULT_LISTEN), 0);
        assert_eq!(heard.fleet_at(heard.since()), 0);
    }

    proptest! {
        /// Sites heard many times (interval under the listening time) count
        /// once each, as do those heard once: within 10 % for fleets of
        /// mixed intervals spread evenly over their phases.
        #[test]
        fn the_inferred_fleet_is_within_ten_percent(
            intervals in proptest::collection::vec(100u64..120_000, 1..6),
            per_interval in 2_000u64..6_000,
        ) {
            let mut fleet = Vec::new();
            for &interval in &intervals {
                for i in 0..per_interval {
                    fleet.push((interval, i * interval / per_interval));
                }
            }
            let heard = heard_of(&fleet, 2_000);
            let inferred = heard.fleet_at(heard.since() + Duration::from_secs(2)) as f64;
            let real = fleet.len() as f64;
            prop_assert!((inferred - real).abs() <= real * 0.1, "{} vs {}", inferred, real);
        }


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
