use super::*;
use proptest::prelude::*;

/// The rate a tracker with this minimum window gives after each
/// `(time ms, counter value)`, observed in order.
fn rates(window_ms: u64, observations: &[(u64, u64)]) -> Vec<f64> {
    let mut r = RateTracker::new(window_ms);
    observations
        .iter()
        .map(|&(at, value)| r.observe(at, value))
        .collect()
}

#[test]
fn first_observation_is_the_baseline() {
    assert_eq!(rates(1000, &[(0, 500)]), [0.0]);
}

#[test]
fn rate_is_increase_per_minute() {
    let observed = rates(1000, &[(0, 100), (30_000, 110), (60_000, 110)]);
    assert_eq!(observed, [0.0, 20.0, 0.0]);
}

#[test]
fn a_decrease_is_a_reset_and_counts_the_new_value() {
    let observed = rates(1000, &[(0, 1_000), (60_000, 7), (120_000, 10)]);
    assert_eq!(observed, [0.0, 7.0, 3.0]);
}

#[test]
fn short_windows_keep_the_rate_and_carry_the_increase() {
    let observed = rates(
        10_000,
        &[
            (0, 0),
            (60_000, 60),
            // A resend 5 ms later: too short a window to judge.
            (60_005, 61),
            // A reset inside the short window is still counted.
            (60_010, 2),
            // The increase (1 + 2 + 3) is spread over the whole window.
            (120_000, 5),
        ],
    );
    assert_eq!(observed, [0.0, 60.0, 60.0, 60.0, 6.0]);
}

#[test]
fn time_going_nowhere_keeps_the_rate() {
    let observed = rates(1, &[(100, 0), (1_100, 10), (1_100, 20), (50, 30)]);
    assert_eq!(observed, [0.0, 600.0, 600.0, 600.0]);
}

proptest! {
    #[test]
    fn rate_is_never_negative_and_always_finite(
        window in 0u64..5_000,
        steps in proptest::collection::vec((0u64..100_000, any::<u64>()), 1..50),
    ) {
        let mut r = RateTracker::new(window);
        let mut at = 0u64;
        for (dt, value) in steps {
            at += dt;
            let rate = r.observe(at, value);
            prop_assert!(rate.is_finite() && rate >= 0.0, "rate {rate}");
        }
    }

    #[test]
    fn monotonic_counters_give_exact_rates(
        start in 0u64..1_000_000,
        increases in proptest::collection::vec((1u64..100_000, 0u64..10_000), 1..30),
    ) {
        let mut r = RateTracker::new(1);
        let (mut at, mut value) = (0u64, start);
        r.observe(at, value);
        for (dt, inc) in increases {
            at += dt;
            value += inc;
            let rate = r.observe(at, value);
            let want = inc as f64 * 60_000.0 / dt as f64;
            prop_assert!((rate - want).abs() <= want * 1e-9, "{rate} vs {want}");
        }
    }

    #[test]
    fn a_reset_counts_exactly_the_new_value(
        before in 1u64..1_000_000_000_000_000,
        dt in 1u64..100_000,
        frac in 0.0f64..1.0,
    ) {
        let after = ((before - 1) as f64 * frac) as u64;
        let mut r = RateTracker::new(1);
        r.observe(0, before);
        let rate = r.observe(dt, after);
        let want = after as f64 * 60_000.0 / dt as f64;
        prop_assert!((rate - want).abs() <= want * 1e-9);
    }
}
