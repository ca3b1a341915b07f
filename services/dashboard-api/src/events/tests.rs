use super::*;
use healthmon_proto::{Connectivity, Health, encode};
use proptest::prelude::*;

fn event(site: &str) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms: 1_700_000_000_000,
        connectivity: Connectivity::Offline,
        previous_connectivity: Connectivity::Online,
        health: Health::Healthy,
        previous_health: Health::Healthy,
        reasons: vec!["no report for 92s (timeout 90s)".into()],
        last_report_ms: Some(1_699_999_908_000),
        judgement: Default::default(),
    }
}

#[test]
fn relays_json_with_wire_keys() {
    let r = relay(&encode(&event("s1")), "s1").unwrap();
    assert_eq!(r.site_id, "s1");
    let v: serde_json::Value = serde_json::from_str(&r.json).unwrap();
    assert_eq!(v["connectivity"], "offline");
    assert_eq!(v["previous_connectivity"], "online");
    assert_eq!(v["last_report_ms"], 1_699_999_908_000u64);
    assert_eq!(v["reasons"][0], "no report for 92s (timeout 90s)");
    assert!(!r.json.contains('\n'), "SSE data must be one line");
}

#[test]
fn rejects_with_a_listed_reason() {
    let cases = [
        (relay(b"\xc1", "s1"), "malformed"),
        (relay(&vec![0; 70 * 1024], "s1"), "too_large"),
        (relay(&encode(&event("s2")), "s1"), "subject_mismatch"),
        (relay(&encode(&event("a b")), "a b"), "bad_site_id"),
    ];
    for (result, want) in cases {
        let reason = result.unwrap_err().reason();
        assert_eq!(reason, want);
        assert!(EventRejection::REASONS.contains(&reason));
    }
}

#[test]
fn filter_by_site() {
    let r = relay(&encode(&event("s1")), "s1").unwrap();
    assert!(r.wanted_by(None));
    assert!(r.wanted_by(Some("s1")));
    assert!(!r.wanted_by(Some("s10")));
}

proptest! {
    #[test]
    fn arbitrary_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = relay(&bytes, "s1");
    }
}
