//! Tests of the timing wheel: the pure [`Wheel`] on synthetic ticks (unit and
//! property tests), and [`Timers`] on tokio's paused clock.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

/// A wheel from tick 0 with these `(site, tick)` deadlines set in order.
fn armed(deadlines: &[(SiteIdx, u64)]) -> Wheel {
    let mut w = Wheel::default();
    for &(site, tick) in deadlines {
        w.set(site, Some(tick));
    }
    w
}

/// Advances to `now` and takes every site found due.
fn fire(w: &mut Wheel, now: u64) -> Vec<SiteIdx> {
    w.advance(now);
    std::iter::from_fn(|| w.take()).collect()
}

#[test]
fn fires_at_the_deadline_tick_not_before() {
    let mut w = armed(&[(0, 5), (1, 3)]);
    assert_eq!(w.len(), 2);
    assert_eq!(fire(&mut w, 2), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, 3), [1]);
    assert_eq!(fire(&mut w, 4), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, 5), [0]);
    assert!(w.is_empty());
    assert_eq!(w.entries(), 0);
    assert_eq!(w.next_busy_tick(), None);
}

#[test]
fn a_moved_deadline_fires_once_at_its_latest_tick() {
    let mut w = armed(&[(7, 10), (7, 20), (7, 15)]);
    assert_eq!((w.len(), w.entries()), (1, 3));
    assert_eq!(fire(&mut w, 14), [] as [SiteIdx; 0]);
    // The stale entry at 10 was dropped on the way.
    assert_eq!(w.entries(), 2);
    assert_eq!(fire(&mut w, 15), [7]);
    assert_eq!(fire(&mut w, 30), [] as [SiteIdx; 0]);
    assert_eq!(w.entries(), 0);
}

#[test]
fn the_same_deadline_again_adds_no_entry_and_cancelled_sites_never_fire() {
    let mut w = armed(&[(1, 4), (1, 4)]);
    assert_eq!(w.entries(), 1);
    w.set(2, Some(4));
    w.set(2, None);
    w.set(2, None);
    assert_eq!(w.len(), 1);
    assert_eq!(fire(&mut w, 100), [1]);
}

#[test]
fn a_deadline_already_past_fires_at_the_next_tick_processed() {
    let mut w = Wheel::default();
    w.advance(50);
    w.set(3, Some(10));
    assert_eq!(w.next_busy_tick(), Some(51));
    assert_eq!(fire(&mut w, 51), [3]);
}

#[test]
fn a_site_re_armed_or_cancelled_after_firing_is_not_delivered() {
    let mut w = armed(&[(0, 1), (1, 1), (2, 1)]);
    w.advance(1);
    // Fired but not taken yet: 0 is re-armed, 1 cancelled.
    w.set(0, Some(9));
    w.set(1, None);
    assert_eq!(std::iter::from_fn(|| w.take()).collect::<Vec<_>>(), [2]);
    assert_eq!(w.len(), 1);
    assert_eq!(fire(&mut w, 9), [0]);
}

#[test]
fn deadlines_beyond_one_turn_wait_for_their_turn() {
    let far = 3 * SLOTS as u64 + 5;
    let mut w = armed(&[(0, far), (1, 5)]);
    assert_eq!(fire(&mut w, 5), [1]);
    for now in (6..far).step_by(997) {
        assert_eq!(fire(&mut w, now), [] as [SiteIdx; 0]);
    }
    assert_eq!(fire(&mut w, far - 1), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, far), [0]);
}

#[test]
fn far_behind_one_pass_fires_everything_due_and_keeps_the_rest() {
    let mut w = armed(&[(0, 10), (1, 5 * SLOTS as u64), (2, 9 * SLOTS as u64)]);
    let mut fired = fire(&mut w, 6 * SLOTS as u64);
    fired.sort_unstable();
    assert_eq!(fired, [0, 1]);
    assert_eq!(w.len(), 1);
    assert_eq!(fire(&mut w, 9 * SLOTS as u64 - 1), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, 9 * SLOTS as u64), [2]);
}

#[test]
fn wrapping_u32_ticks_keep_their_order() {
    let start = u64::from(u32::MAX) - 100;
    let mut w = Wheel::starting_at(start);
    w.set(0, Some(start + 50));
    // Past the wrap, and deadlines whose wrapped ticks are the reserved marks.
    w.set(1, Some(start + 300));
    w.set(2, Some(u64::from(u32::MAX)));
    w.set(3, Some(u64::from(u32::MAX - 1)));
    assert_eq!(fire(&mut w, start + 49), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, start + 50), [0]);
    // Each moved two ticks later, never earlier.
    assert_eq!(fire(&mut w, start + 100), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, start + 101), [3]);
    assert_eq!(fire(&mut w, start + 102), [2]);
    assert_eq!(fire(&mut w, start + 299), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, start + 300), [1]);
}

#[test]
fn absurdly_far_deadlines_are_clamped() {
    let mut w = armed(&[(0, u64::MAX)]);
    assert_eq!(w.len(), 1);
    assert_eq!(fire(&mut w, MAX_AHEAD_TICKS - 1), [] as [SiteIdx; 0]);
    assert_eq!(fire(&mut w, MAX_AHEAD_TICKS), [0]);
}

#[derive(Debug, Clone)]
enum Op {
    Set(SiteIdx, Option<u64>),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..12u32, proptest::option::weighted(0.85, 0..3 * SLOTS as u64))
            .prop_map(|(site, ahead)| Op::Set(site, ahead)),
        1 => (0..40u64).prop_map(Op::Advance),
        1 => (0..2 * SLOTS as u64).prop_map(Op::Advance),
    ]
}

proptest! {
    /// Against a model holding each site's deadline: a site is delivered
    /// only when it is armed and its deadline has come (never early), exactly
    /// once per arming, and none that is due is missed.
    #[test]
    fn never_early_never_missed_once_per_arming(
        start in prop_oneof![Just(0u64), Just(u64::from(u32::MAX) - 2_000)],
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let mut w = Wheel::starting_at(start);
        let mut now = start;
        // The first tick the wheel has not processed yet.
        let mut next = start;
        // The model: each armed site's deadline (already past means "next tick").
        let mut model: HashMap<SiteIdx, u64> = HashMap::new();
        for op in ops {
            match op {
                Op::Set(site, Some(ahead)) => {
                    // Offsets from the last processed tick, some in the past.
                    let tick = (now + ahead).saturating_sub(20);
                    w.set(site, Some(tick));
                    let tick = tick.max(next);
                    let mut stored = tick;
                    if matches!(stored as u32, UNARMED | FIRED) {
                        stored += 2;
                    }
                    model.insert(site, stored);
                }
                Op::Set(site, None) => {
                    w.set(site, None);
                    model.remove(&site);
                }
                Op::Advance(by) => {
                    now += by;
                    next = next.max(now + 1);
                    for site in fire(&mut w, now) {
                        let deadline = model.remove(&site);
                        prop_assert!(deadline.is_some(), "site {} fired unarmed", site);
                        prop_assert!(deadline.unwrap() <= now, "site {} fired early", site);
                    }
                    let missed: Vec<_> = model.iter().filter(|&(_, &d)| d <= now).collect();
                    prop_assert!(missed.is_empty(), "due but not fired: {:?}", missed);
                }
            }
            prop_assert_eq!(w.len(), model.len());
        }
        // Everything armed fires once its time comes, and the wheel empties.
        now += MAX_AHEAD_TICKS;
        let mut rest = fire(&mut w, now);
        rest.sort_unstable();
        let mut expected: Vec<_> = model.keys().copied().collect();
        expected.sort_unstable();
        prop_assert_eq!(rest, expected);
        prop_assert!(w.is_empty());
        prop_assert_eq!(w.entries(), 0);
    }
}

#[tokio::test(start_paused = true)]
async fn timers_fire_each_site_once_at_its_latest_deadline() {
    let mut t = Timers::new();
    let now = Instant::now();
    t.set(0, Some(now + Duration::from_millis(100)));
    t.set(1, Some(now + Duration::from_millis(50)));
    t.set(0, Some(now + Duration::from_millis(300)));
    t.set(2, Some(now + Duration::from_millis(10)));
    t.set(2, None);
    assert_eq!(t.len(), 2);
    assert_eq!(t.expired().await, 1);
    assert!(Instant::now() >= now + Duration::from_millis(50));
    assert_eq!(t.expired().await, 0);
    assert!(Instant::now() >= now + Duration::from_millis(300));
    assert!(t.is_empty());
    // Re-arming a fired site works.
    t.set(0, Some(Instant::now()));
    assert_eq!(t.expired().await, 0);
    assert_eq!(t.try_expired(), None);
}

#[tokio::test(start_paused = true)]
async fn timers_never_fire_before_a_deadline_between_ticks() {
    let mut t = Timers::new();
    let start = Instant::now();
    // Deadlines off the 10 ms grid, armed in reverse order.
    for (site, ms) in [(0, 37), (1, 21), (2, 3)] {
        t.set(site, Some(start + Duration::from_millis(ms)));
    }
    let mut fired = Vec::new();
    for _ in 0..3 {
        let site = t.expired().await;
        fired.push((site, Instant::now().duration_since(start)));
    }
    for (site, at) in &fired {
        let deadline = Duration::from_millis([37, 21, 3][*site as usize]);
        assert!(
            *at >= deadline,
            "site {site} fired at {at:?}, before {deadline:?}"
        );
        assert!(*at < deadline + TICK + Duration::from_millis(2));
    }
    assert_eq!(fired.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [2, 1, 0]);
}

#[tokio::test(start_paused = true)]
async fn timers_with_absurdly_far_deadlines_do_not_panic() {
    let mut t = Timers::new();
    t.set(
        0,
        Some(Instant::now() + Duration::from_secs(10 * 365 * 24 * 3600)),
    );
    assert_eq!(t.len(), 1);
}
