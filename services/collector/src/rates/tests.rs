use super::*;
use proptest::prelude::*;

#[test]
fn first_observation_is_the_baseline() {
    let mut r = RateTracker::new(1000);
    assert_eq!(r.observe(0, 500), 0.0);
}

#[test]
fn rate_is_increase_per_minute() {
    let mut r = RateTracker::new(1000);
    r.observe(0, 100);
    assert_eq!(r.observe(30_000, 110), 20.0);
    assert_eq!(r.observe(60_000, 110), 0.0);
}

#[test]
fn a_decrease_is_a_reset_and_counts_the_new_value() {
    let mut r = RateTracker::new(1000);
    r.observe(0, 1_000);
    assert_eq!(r.observe(60_000, 7), 7.0);
    assert_eq!(r.observe(120_000, 10), 3.0);
}

#[test]
fn short_windows_keep_the_rate_and_carry_the_increase() {
    let mut r = RateTracker::new(10_000);
    r.observe(0, 0);
    assert_eq!(r.observe(60_000, 60), 60.0);
    // A resend 5 ms later: too short a window to judge.
    assert_eq!(r.observe(60_005, 61), 60.0);
    // A reset inside the short window is still counted.
    assert_eq!(r.observe(60_010, 2), 60.0);
    // The increase (1 + 2 + 3) is spread over the whole window.
    assert_eq!(r.observe(120_000, 5), 6.0);
}

#[test]
fn time_going_nowhere_keeps_the_rate() {
    let mut r = RateTracker::new(1);
    r.observe(100, 0);
    assert_eq!(r.observe(1_100, 10), 600.0);
    assert_eq!(r.observe(1_100, 20), 600.0);
    assert_eq!(r.observe(50, 30), 600.0);
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
