use super::*;
use proptest::prelude::*;

#[test]
fn keys_name_their_kind_and_site() {
    assert_eq!(Kind::Site.key("plant-7"), "site.plant-7");
    assert_eq!(
        Kind::of_key("maintenance.plant-7"),
        Some((Kind::Maintenance, "plant-7"))
    );
    assert_eq!(Kind::of_key("ack.a_b-1"), Some((Kind::Ack, "a_b-1")));
    for foreign in ["other.x", "site.", "site.a.b", "leader", "site.a b"] {
        assert_eq!(Kind::of_key(foreign), None, "{foreign}");
    }
}

#[test]
fn a_record_round_trips_and_omits_what_is_unset() {
    let mut r = SiteRecord::declared(1_700_000_000_000, Source::Roster);
    let json = String::from_utf8(encode(&r).to_vec()).unwrap();
    assert_eq!(
        json,
        r#"{"expected":true,"registered_ms":1700000000000,"source":"roster"}"#
    );
    r.labels.insert("region".into(), "eu-west".into());
    r.interval_ms = Some(60_000);
    r.first_report_ms = Some(1_700_000_000_500);
    assert_eq!(decode_site(&encode(&r)).unwrap(), r);
}

#[test]
fn older_and_newer_versions_read_each_other() {
    // A future key is ignored; missing optional keys default.
    let r = decode_site(br#"{"registered_ms":5,"colour":"blue"}"#).unwrap();
    assert!(r.expected);
    assert_eq!(r.source, Source::Report);
}

#[test]
fn bad_values_are_refused_on_read_too() {
    assert!(matches!(decode_site(b"not json"), Err(EntryError::Json(_))));
    assert!(matches!(
        decode_site(br#"{"registered_ms":5,"labels":{"Bad":"x"}}"#),
        Err(EntryError::Labels(_))
    ));
    assert!(matches!(
        decode_site(br#"{"registered_ms":5,"interval_ms":5}"#),
        Err(EntryError::Interval { .. })
    ));
    assert_eq!(
        decode_maintenance(br#"{"since_ms":10,"until_ms":10,"by":"a"}"#),
        Err(EntryError::Window)
    );
    let long = format!(
        r#"{{"since_ms":1,"by":"a","reason":"{}"}}"#,
        "x".repeat(201)
    );
    assert!(matches!(
        decode_maintenance(long.as_bytes()),
        Err(EntryError::Text { .. })
    ));
}

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
