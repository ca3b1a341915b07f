use super::*;
use healthmon_proto::{encode, validate::decode_report};

#[test]
fn every_site_sends_once_per_interval_evenly_spread() {
    let s = Schedule::new(4, Duration::from_secs(2));
    assert_eq!(s.due(Duration::ZERO), 1);
    assert_eq!(s.due(Duration::from_millis(499)), 1);
    assert_eq!(s.due(Duration::from_millis(500)), 2);
    assert_eq!(s.due(Duration::from_secs(2)), 5);
    let firsts: Vec<_> = (0..4).map(|k| (s.site(k), s.at(k))).collect();
    assert_eq!(
        firsts,
        vec![
            (0, Duration::ZERO),
            (1, Duration::from_millis(500)),
            (2, Duration::from_secs(1)),
            (3, Duration::from_millis(1500)),
        ]
    );
    assert_eq!((s.site(4), s.at(4)), (0, Duration::from_secs(2)));
}

#[test]
fn a_hundred_thousand_sites_at_5s_is_20k_per_second() {
    let s = Schedule::new(100_000, Duration::from_secs(5));
    assert_eq!(s.due(Duration::from_secs(1)), 20_001);
    assert_eq!(s.due(Duration::from_secs(600)), 12_000_001);
}

#[test]
fn reports_are_valid_and_the_size_of_a_real_one() {
    let r = report(99_999, "soak-1", Duration::from_secs(5));
    let bytes = encode(&r);
    assert_eq!(decode_report(&bytes, "soak-099999"), Ok(r));
    assert!(bytes.len() < 800, "{} bytes", bytes.len());
}
