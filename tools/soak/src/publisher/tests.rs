use super::*;

#[test]
fn sites_due_inside_the_window_are_left_to_their_regular_report() {
    // 4 sites every 4 s: site i's slots at i s, 4 + i s, …; a 2 s window
    // asked at 0.5 s covers sites 1 and 2 (due at 1 s and 2 s).
    let regular = Schedule::new(4, Duration::from_secs(4));
    let since = Instant::now();
    let ms = Duration::from_millis;
    let plan = Answering::plan(&regular, 4, since, ms(500), ms(2_000));
    assert_eq!(plan.covered, [false, true, true, false]);
    assert_eq!(plan.last_answering, Some(3));
    assert_eq!(plan.covered_until, ms(2_000));
    assert!(!plan.done(ms(2_500)), "site 3 has not answered yet");
    let answered = Answering { next: 4, ..plan };
    assert!(!answered.done(ms(1_999)));
    assert!(answered.done(ms(2_000)));
}

#[test]
fn a_window_as_wide_as_the_interval_needs_no_extra_report() {
    let regular = Schedule::new(1_000, Duration::from_secs(30));
    let since = Instant::now();
    let at = Duration::from_secs(75);
    let plan = Answering::plan(&regular, 1_000, since, at, Duration::from_secs(40));
    assert!(plan.covered.iter().all(|c| *c));
    assert_eq!(plan.last_answering, None);
    // The last regular report of the pass, within one interval.
    assert!(plan.covered_until <= at + Duration::from_secs(30));
    assert!(plan.done(plan.covered_until));
}
