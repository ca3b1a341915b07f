use super::*;

#[test]
fn one_line_per_period_with_the_suppressed_count() {
    let mut l = LogLimiter::new(Duration::from_secs(1));
    let t0 = Instant::now();
    assert_eq!(l.allow_at(t0), Some(0));
    assert_eq!(l.allow_at(t0 + Duration::from_millis(10)), None);
    assert_eq!(l.allow_at(t0 + Duration::from_millis(999)), None);
    assert_eq!(l.allow_at(t0 + Duration::from_millis(1000)), Some(2));
    assert_eq!(l.allow_at(t0 + Duration::from_millis(1001)), None);
}
