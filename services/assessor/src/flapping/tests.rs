use proptest::prelude::*;

use super::*;

const RULE: FlapRule = FlapRule {
    changes: 6,
    window_s: 600,
};

fn burst(n: u32, gap_ms: u64) -> FlapCount {
    (0..n).fold(FlapCount::default(), |c, _| c.bump(gap_ms, RULE))
}

#[test]
fn six_quick_changes_flap_and_five_do_not() {
    assert!(burst(6, 1_000).flapping(0, RULE, false));
    assert!(!burst(5, 1_000).flapping(0, RULE, false));
    assert_eq!(burst(6, 1_000).changes(0, RULE), 6);
}

#[test]
fn changes_spread_thinner_than_the_window_never_flap() {
    // One change every 3 min settles near 600/180 ≈ 3.3 changes, under 6.
    let steady = burst(100, 180_000);
    assert!(!steady.flapping(0, RULE, false), "{}", steady.at(0, RULE));
}

#[test]
fn a_flapping_site_calms_once_the_count_decays_below_half() {
    let c = burst(8, 1_000);
    let calm = c.calm_after_ms(RULE).unwrap();
    assert!(c.flapping(calm - 2, RULE, true));
    assert!(!c.flapping(calm, RULE, true));
    // 8 → 3 takes τ·ln(8/3) ≈ 588 s.
    assert!((580_000..600_000).contains(&calm), "{calm}");
}

#[test]
fn zero_changes_turns_detection_off() {
    let off = FlapRule { changes: 0, ..RULE };
    assert!(!burst(50, 0).flapping(0, off, false));
    assert_eq!(burst(50, 0).calm_after_ms(off), None);
}

proptest! {
    /// The count is bounded by the number of changes, never negative, and
    /// only decays between changes: constant memory, no list.
    #[test]
    fn count_is_bounded_and_decays(gaps in proptest::collection::vec(0u64..3_600_000, 1..300), later in 0u64..10_000_000) {
        let mut c = FlapCount::default();
        for &g in &gaps {
            c = c.bump(g, RULE);
        }
        let now = c.at(0, RULE);
        prop_assert!(now >= 0.99 && now <= gaps.len() as f64 + 0.01);
        prop_assert!(c.at(later, RULE) <= now + 1e-9);
    }

    /// Hysteresis: a site that is flapping is still flapping at the same
    /// count (it only calms below half), so the flag cannot bounce.
    #[test]
    fn once_flapping_stays_until_below_half(n in 1u32..40, after in 0u64..2_000_000) {
        let c = burst(n, 500);
        if c.flapping(after, RULE, false) {
            prop_assert!(c.flapping(after, RULE, true));
        }
        let calm = c.calm_after_ms(RULE).unwrap();
        prop_assert_eq!(c.flapping(after, RULE, true), after < calm);
    }
}
