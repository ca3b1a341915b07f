use super::*;
use proptest::prelude::*;

#[test]
fn a_window_ends_at_until_and_an_open_one_never() {
    let mut m = Maintenance {
        since_ms: 100,
        until_ms: Some(200),
        reason: None,
        by: "alice".into(),
    };
    assert!(m.active_at(100) && m.active_at(199));
    assert!(!m.active_at(200));
    m.until_ms = None;
    assert!(m.active_at(u64::MAX));
}

#[test]
fn an_ack_holds_for_the_state_it_names_only() {
    let ack = Ack {
        at_ms: 50,
        by: "bob".into(),
        note: "on it".into(),
        connectivity: Connectivity::Offline,
        health: Health::Healthy,
        since_ms: 40,
    };
    assert!(ack.applies_to(Connectivity::Offline, Health::Healthy, Some(40)));
    assert!(!ack.applies_to(Connectivity::Offline, Health::Healthy, Some(41)));
    assert!(!ack.applies_to(Connectivity::Online, Health::Healthy, Some(40)));
}

proptest! {
    #[test]
    fn windows_expire_exactly_at_until(since in 0u64..1_000_000, len in 1u64..1_000_000, now in 0u64..3_000_000) {
        let m = Maintenance { since_ms: since, until_ms: Some(since + len), reason: None, by: "x".into() };
        prop_assert!(m.check().is_ok());
        prop_assert_eq!(m.active_at(now), now < since + len);
    }
}
