use super::*;

#[test]
fn nearest_rank() {
    let p = Percentiles::of_ms((1..=1000).map(f64::from).collect());
    let want = Percentiles {
        samples: 1000,
        p50_ms: 500.0,
        p99_ms: 990.0,
        p999_ms: 999.0,
        max_ms: 1000.0,
    };
    assert_eq!(p, want);
}

#[test]
fn few_samples_and_none() {
    let p = Percentiles::of(&[Duration::from_millis(2), Duration::from_micros(1500)]);
    assert_eq!((p.p50_ms, p.p99_ms, p.max_ms), (1.5, 2.0, 2.0));
    assert_eq!(Percentiles::of(&[]), Percentiles::default());
}
