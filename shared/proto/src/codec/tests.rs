use super::*;
use crate::fixtures::{OPTIONAL_KEYS, REQUIRED_KEYS, connection, node, offline_event};
use crate::test_arb;
use crate::{HealthReport, NodeRole, Resources, StatusEvent};
use proptest::prelude::*;
use rmpv::Value;

fn sample() -> HealthReport {
    let mut r = HealthReport::new("site-1", "abc", 7);
    r.sent_at_ms = 1_700_000_000_000;
    r.nodes = vec![node("n1", NodeRole::Active)];
    r.connections = vec![connection("plc-1", true)];
    r.script_errors.total = 12;
    r.script_errors.per_min = 0.5;
    r.sf_buffer.db_write = 4;
    r.resources = Some(Resources {
        cpu_pct: 12.5,
        mem_total_bytes: 10,
        ..Default::default()
    });
    r.custom.insert("response_ms".into(), 42.0);
    r
}

fn to_value(bytes: &[u8]) -> Value {
    rmpv::decode::read_value(&mut &bytes[..]).unwrap()
}

fn map_keys(v: &Value) -> Vec<String> {
    v.as_map()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn encodes_a_map_with_the_contract_keys() {
    let keys = map_keys(&to_value(&encode(&sample())));
    for k in REQUIRED_KEYS.into_iter().chain(OPTIONAL_KEYS) {
        assert!(keys.contains(&k.to_owned()), "missing key {k}");
    }
}

#[test]
fn ignores_unknown_keys() {
    let mut v = to_value(&encode(&sample()));
    if let Value::Map(m) = &mut v {
        m.push((
            Value::from("added_in_v1_7"),
            Value::from(vec![Value::from(1)]),
        ));
    }
    let mut buf = Vec::new();
    rmpv::encode::write_value(&mut buf, &v).unwrap();
    assert_eq!(decode::<HealthReport>(&buf).unwrap(), sample());
}

#[test]
fn missing_optional_keys_take_defaults() {
    // What a minimal third-party publisher might send, integers for floats included.
    let buf = crate::test_wire::minimal_report(vec![
        (
            Value::from("script_errors"),
            Value::Map(vec![(Value::from("per_min"), Value::from(3))]),
        ),
        (
            Value::from("nodes"),
            Value::Array(vec![Value::Map(vec![
                (Value::from("name"), Value::from("a")),
                (Value::from("role"), Value::from("leader")),
            ])]),
        ),
    ]);
    let r: HealthReport = decode(&buf).unwrap();
    assert_eq!(r.script_errors.per_min, 3.0);
    assert_eq!(r.nodes[0].role, NodeRole::Unknown);
    assert!(r.connections.is_empty());
    assert_eq!(r.resources, None);
    assert_eq!(r.sf_buffer.total(), 0);
}

#[test]
fn missing_required_key_is_malformed() {
    let v = Value::Map(vec![(Value::from("v"), Value::from(1))]);
    let mut buf = Vec::new();
    rmpv::encode::write_value(&mut buf, &v).unwrap();
    assert!(matches!(
        decode::<HealthReport>(&buf),
        Err(DecodeError::Malformed(_))
    ));
}

#[test]
fn oversized_payload_is_refused_before_parsing() {
    let buf = vec![0u8; MAX_PAYLOAD_BYTES + 1];
    assert!(matches!(
        decode::<HealthReport>(&buf),
        Err(DecodeError::TooLarge(_))
    ));
}

#[test]
fn status_event_has_nil_last_report() {
    let e = offline_event("s", 1);
    let v = to_value(&encode(&e));
    let m = v.as_map().unwrap();
    let last = m
        .iter()
        .find(|(k, _)| k.as_str() == Some("last_report_ms"))
        .unwrap();
    assert!(last.1.is_nil());
    assert_eq!(decode::<StatusEvent>(&encode(&e)).unwrap(), e);
}

proptest! {
    #[test]
    fn report_round_trips(r in test_arb::report()) {
        prop_assert_eq!(decode::<HealthReport>(&encode(&r)).unwrap(), r);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode::<HealthReport>(&bytes);
        let _ = decode::<StatusEvent>(&bytes);
    }

    #[test]
    fn truncated_reports_are_errors(r in test_arb::report(), cut in 0usize..64) {
        let bytes = encode(&r);
        let keep = bytes.len().saturating_sub(cut + 1);
        prop_assert!(decode::<HealthReport>(&bytes[..keep]).is_err());
    }
}
