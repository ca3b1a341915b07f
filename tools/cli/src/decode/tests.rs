use super::*;
use healthmon_proto::encode;
use healthmon_test_support::fixtures::offline_event;
use proptest::prelude::*;

fn subjects() -> Subjects {
    Subjects::default()
}

fn json(line: &Line) -> Value {
    let text = line.to_json();
    assert!(!text.contains('\n'), "one line: {text}");
    serde_json::from_str(&text).unwrap()
}

fn decode_plain(subject: &str, payload: &[u8]) -> Value {
    json(&decode(&subjects(), subject, BTreeMap::new(), payload, 7))
}

#[test]
fn kinds_follow_the_subject() {
    let s = Subjects::new("acme.health").unwrap();
    for (subject, kind) in [
        ("acme.health.report.plant-7", Kind::Report),
        ("acme.health.status.plant-7", Kind::Status),
        ("acme.health.centre.status", Kind::Centre),
        ("acme.health.cmd.resend", Kind::Resend),
        ("acme.health.audit", Kind::Audit),
        ("acme.health.agg.list", Kind::Request),
        ("acme.health.assessor.statuses", Kind::Request),
        ("acme.health.agg", Kind::Raw),
        ("acme.health.aggregate.x", Kind::Raw),
        ("health.report.plant-7", Kind::Raw),
        ("acme.health.report.a.b", Kind::Raw),
        ("$SRV.PING", Kind::Raw),
    ] {
        assert_eq!(Kind::of(&s, subject), kind, "{subject}");
    }
}

#[test]
fn a_report_is_shown_with_its_wire_keys_in_order() {
    let mut report = HealthReport::new("plant-7", "i1", 3);
    report.interval_ms = 1000;
    let line = decode(
        &subjects(),
        "health.report.plant-7",
        BTreeMap::new(),
        &encode(&report),
        1_700_000_000_000,
    );
    let text = line.to_json();
    assert!(
        text.starts_with(
            r#"{"subject":"health.report.plant-7","received_ms":1700000000000,"kind":"report","payload":{"v":1,"site_id":"plant-7","instance":"i1","seq":3,"#
        ),
        "{text}"
    );
    let v = json(&line);
    assert_eq!(v["payload"]["interval_ms"], 1000);
    assert!(
        v.get("invalid").is_none() && v.get("error").is_none(),
        "{v}"
    );
}

#[test]
fn a_report_central_would_reject_says_why() {
    let report = HealthReport::new("other-site", "i1", 1);
    let v = decode_plain("health.report.plant-7", &encode(&report));
    assert_eq!(v["kind"], "report");
    assert_eq!(v["invalid"]["reason"], "subject_mismatch");
    assert_eq!(v["payload"]["site_id"], "other-site");
}

#[test]
fn a_status_event_comes_with_its_headers() {
    let event = offline_event("plant-7", 5);
    let headers = BTreeMap::from([
        ("Healthmon-Connectivity".to_owned(), "offline".to_owned()),
        ("Content-Type".to_owned(), "application/msgpack".to_owned()),
    ]);
    let v = json(&decode(
        &subjects(),
        "health.status.plant-7",
        headers,
        &encode(&event),
        9,
    ));
    assert_eq!(v["kind"], "status");
    assert_eq!(v["headers"]["Healthmon-Connectivity"], "offline");
    assert_eq!(v["payload"]["connectivity"], "offline");
    assert_eq!(
        v["payload"]["reasons"][0],
        "no report for 92s (timeout 90s)"
    );
    assert_eq!(v["payload"]["last_report_ms"], Value::Null);
}

#[test]
fn garbage_on_a_report_subject_is_an_error_line() {
    let v = decode_plain("health.report.x", b"\xc1\xff not msgpack");
    assert_eq!(v["kind"], "report");
    assert!(v["error"].as_str().unwrap().contains("MessagePack"), "{v}");
    assert_eq!(
        BASE64
            .decode(v["payload_base64"].as_str().unwrap())
            .unwrap(),
        b"\xc1\xff not msgpack"
    );
}

#[test]
fn a_map_missing_required_keys_is_shown_next_to_the_error() {
    let payload = rmp_serde_named(&serde_json::json!({ "v": 1, "site_id": "x" }));
    let v = decode_plain("health.report.x", &payload);
    assert!(v["error"].as_str().unwrap().contains("instance"), "{v}");
    assert_eq!(v["payload"], serde_json::json!({ "v": 1, "site_id": "x" }));
}

#[test]
fn resend_requests_and_raw_messages() {
    let v = decode_plain("health.cmd.resend", b"");
    assert_eq!(v["kind"], "resend");
    assert!(v.get("payload").is_none(), "{v}");

    let v = decode_plain("health.agg.list", br#"{"limit":5}"#);
    assert_eq!(
        (v["kind"].as_str(), &v["payload"]["limit"]),
        (Some("request"), &serde_json::json!(5))
    );
    let v = decode_plain("health.audit", br#"{"who":"ops","action":"forget_site"}"#);
    assert_eq!(
        (v["kind"].as_str(), &v["payload"]["who"]),
        (Some("audit"), &serde_json::json!("ops"))
    );
    let v = decode_plain("health.agg.summary", b"");
    assert_eq!(v["payload"], Value::Null);
    let v = decode_plain("health.agg.list", b"{oops");
    assert!(v["error"].as_str().unwrap().starts_with("not JSON"), "{v}");

    let v = decode_plain("other.thing", "héllo".as_bytes());
    assert_eq!(
        (v["kind"].as_str(), v["payload"].as_str()),
        (Some("raw"), Some("héllo"))
    );
    let v = decode_plain("other.thing", b"\xff\xfe");
    assert_eq!(v["payload_base64"], "//4=");
}

#[test]
fn msgpack_with_a_content_type_is_decoded_generically() {
    let payload = rmp_serde_named(&serde_json::json!({ "state": "suspect", "n": -3 }));
    let headers = BTreeMap::from([("Content-Type".to_owned(), "application/msgpack".to_owned())]);
    let v = json(&decode(&subjects(), "x.y", headers, &payload, 1));
    assert_eq!(
        v["payload"],
        serde_json::json!({ "state": "suspect", "n": -3 })
    );
    let v = decode_plain("health.centre.status", &payload);
    assert_eq!(
        (v["kind"].as_str(), &v["payload"]["state"]),
        (Some("centre"), &serde_json::json!("suspect"))
    );
}

#[test]
fn odd_msgpack_values_become_json() {
    use rmpv::Value as M;
    let value = M::Map(vec![
        (M::from(1), M::Binary(vec![1, 2])),
        (M::from("f"), M::F64(f64::NAN)),
        (M::from("e"), M::Ext(5, vec![9])),
    ]);
    let mut bytes = Vec::new();
    rmpv::encode::write_value(&mut bytes, &value).unwrap();
    assert_eq!(
        msgpack_to_json(&bytes).unwrap(),
        serde_json::json!({ "1": "AQI=", "f": null, "e": { "ext": 5, "data": "CQ==" } })
    );
    bytes.push(0);
    assert!(
        msgpack_to_json(&bytes)
            .unwrap_err()
            .to_string()
            .contains("after the first value")
    );
}

fn rmp_serde_named(value: &Value) -> Vec<u8> {
    encode(value)
}

proptest! {
    #[test]
    fn any_payload_on_any_kind_of_subject_gives_one_json_line(
        payload in proptest::collection::vec(any::<u8>(), 0..200),
        subject in prop_oneof![
            Just("health.report.s1"), Just("health.status.s1"), Just("health.centre.status"),
            Just("health.cmd.resend"), Just("health.agg.get"), Just("misc"),
        ],
    ) {
        let line = decode(&subjects(), subject, BTreeMap::new(), &payload, 1);
        let text = line.to_json();
        prop_assert!(!text.contains('\n'));
        let v: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(v["subject"].as_str(), Some(subject));
    }
}
