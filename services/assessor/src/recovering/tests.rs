use proptest::prelude::*;

use super::*;

#[test]
fn a_falling_backlog_gives_rate_and_time_to_empty() {
    // 12,000 → 10,000 in 30 s: 4,000/min, 10,000 left: 150 s.
    let d = drain(12_000, 10_000, 30_000);
    assert_eq!(
        d,
        Drain::Falling {
            per_min: 4_000.0,
            empty_in_s: 150
        }
    );
    assert_eq!(
        reason(10_000, Some(d)),
        "recovering: 10k pending, draining 4000/min, empty in ~3 min"
    );
}

#[test]
fn a_growing_backlog_says_from_what_to_what() {
    assert_eq!(drain(5_000, 6_200, 30_000), Drain::Growing { from: 5_000 });
    assert_eq!(
        reason(6_200, Some(Drain::Growing { from: 5_000 })),
        "store-and-forward growing since back online: 5000 → 6200 pending"
    );
}

#[test]
fn no_change_or_no_time_is_flat() {
    assert_eq!(drain(500, 500, 30_000), Drain::Flat);
    assert_eq!(drain(500, 400, 0), Drain::Flat);
    assert_eq!(
        reason(500, None),
        "recovering: 500 pending since back online"
    );
}

#[test]
fn counts_and_times_round_so_reasons_change_only_when_the_picture_does() {
    for (count, shown) in [
        (12_400.0, "12k"),
        (1_260_000.0, "1.3M"),
        (833.0, "830"),
        (1.26, "1.3"),
    ] {
        assert_eq!(fmt_count(count), shown, "{count}");
    }
    for (secs, shown) in [(41, "45 s"), (3_000, "50 min"), (30_000, "9 h")] {
        assert_eq!(fmt_eta(secs), shown, "{secs} s");
    }
}

proptest! {
    /// The estimate is consistent: draining at the estimated rate empties
    /// the backlog within the estimated time (rounded up by under a second).
    #[test]
    fn estimate_empties_in_the_time_it_says(previous in 1u64..10_000_000, fall in 1u64..10_000_000, elapsed in 1u64..3_600_000) {
        let depth = previous.saturating_sub(fall);
        match drain(previous, depth, elapsed) {
            Drain::Falling { per_min, empty_in_s } => {
                prop_assert!(per_min > 0.0);
                let drained = per_min / 60.0 * empty_in_s as f64;
                prop_assert!(drained >= depth as f64 * (1.0 - 1e-9));
                prop_assert!(drained - depth as f64 <= per_min / 60.0 + 1e-6);
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn growth_is_never_called_draining(previous in 0u64..1_000_000, grow in 1u64..1_000_000, elapsed in 0u64..3_600_000) {
        prop_assert_eq!(drain(previous, previous + grow, elapsed), Drain::Growing { from: previous });
    }
}
