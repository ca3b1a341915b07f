use rmpv::Value;

use super::*;
use crate::codec::{self, MAX_DEPTH};
use crate::fixtures::full;
use crate::test_wire::minimal_report;
use crate::{HealthReport, encode};

/// What serde makes of `payload`: the reader's oracle.
fn oracle(payload: &[u8]) -> Option<ReportView<'_>> {
    codec::decode_borrowed(payload).ok()
}

/// The wire form of `r` as a tree to edit.
fn value(r: &HealthReport) -> Value {
    rmpv::decode::read_value(&mut &encode(r)[..]).expect("our own encoding")
}

/// The value under `key` in `map`.
fn entry<'v>(map: &'v mut Value, key: &str) -> &'v mut Value {
    let Value::Map(entries) = map else {
        panic!("not a map")
    };
    let at = entries.iter().position(|(k, _)| k.as_str() == Some(key));
    &mut entries[at.expect("present")].1
}

/// The first node of a report's tree.
fn first_node(v: &mut Value) -> &mut Value {
    let Value::Array(nodes) = entry(v, "nodes") else {
        panic!("nodes is an array")
    };
    &mut nodes[0]
}

fn set_key(map: &mut Value, key: &str, value: Value) {
    let Value::Map(entries) = map else {
        panic!("not a map")
    };
    entries.retain(|(k, _)| k.as_str() != Some(key));
    entries.push((Value::from(key), value));
}

fn bytes(v: &Value) -> Vec<u8> {
    let mut buf = Vec::new();
    rmpv::encode::write_value(&mut buf, v).expect("a Vec takes any value");
    buf
}

#[test]
fn reads_a_full_report_as_serde_does() {
    let r = full("site-1");
    let payload = encode(&r);
    let view = read(&payload).expect("the common form");
    assert_eq!(view, r.view());
    assert_eq!(Some(view), oracle(&payload));
}

#[test]
fn defaults_fill_what_a_minimal_report_leaves_out() {
    let payload = minimal_report(vec![]);
    let view = read(&payload).expect("the common form");
    let mut want = HealthReport::new("s", "i", 1);
    want.sent_at_ms = 5;
    assert_eq!(view.to_report(), want);
}

/// Wide markers (`map16`, `str8`, `u64`, `i8`, `f32`) for small values, as
/// other encoders write them, stay on the fast path.
#[test]
fn reads_non_minimal_encodings() {
    let mut p = vec![0xde, 0x00, 0x07]; // map16 of 7
    let key = |p: &mut Vec<u8>, k: &str| {
        p.extend([0xd9, k.len() as u8]); // str8
        p.extend(k.as_bytes());
    };
    key(&mut p, "v");
    p.extend([0xcf, 0, 0, 0, 0, 0, 0, 0, 1]); // u64 1
    key(&mut p, "site_id");
    p.extend([0xda, 0, 1, b's']); // str16
    key(&mut p, "instance");
    p.extend([0xa1, b'i']);
    key(&mut p, "seq");
    p.extend([0xd0, 7]); // i8 7
    key(&mut p, "sent_at_ms");
    p.extend([0xd3, 0, 0, 0, 0, 0, 0, 0, 5]); // i64 5
    key(&mut p, "interval_ms");
    p.extend([0xce, 0, 0, 0x75, 0x30]); // u32 30000
    key(&mut p, "script_errors");
    p.extend([0x81, 0xa7]);
    p.extend(b"per_min");
    p.extend([0xca, 0x3f, 0x00, 0x00, 0x00]); // f32 0.5
    let view = read(&p).expect("the common form");
    assert_eq!(
        (view.seq, view.sent_at_ms, view.interval_ms),
        (7, 5, 30_000)
    );
    assert_eq!(view.script_errors.per_min, 0.5);
    assert_eq!(Some(view), oracle(&p));
}

#[test]
fn unknown_keys_are_skipped_wherever_they_stand() {
    let mut v = value(&full("site-1"));
    let nested = Value::Map(vec![(
        Value::from("x"),
        Value::Array(vec![Value::Nil, 1.into()]),
    )]);
    set_key(&mut v, "added_later", nested.clone());
    set_key(first_node(&mut v), "zone", "b".into());
    set_key(entry(&mut v, "resources"), "temp_c", 41.5.into());
    let payload = bytes(&v);
    let view = read(&payload).expect("unknown keys do not leave the fast path");
    assert_eq!(view, full("site-1").view());
}

/// The forms the reader leaves to serde, which still decides them as before.
#[test]
fn leaves_uncommon_forms_to_serde() {
    let compact = full("site-1").view().to_compact();
    let integer_key = minimal_report(vec![(Value::from(99), Value::from(1))]);
    let duplicate = minimal_report(vec![(Value::from("seq"), Value::from(2))]);
    let binary_unknown = minimal_report(vec![(Value::from("x"), Value::Binary(vec![1]))]);
    let ext_unknown = minimal_report(vec![(Value::from("x"), Value::Ext(1, vec![1]))]);
    let mut trailing = minimal_report(vec![]);
    trailing.push(0xc0);
    let bin_site = {
        let mut v = value(&full("site-1"));
        set_key(&mut v, "site_id", Value::Binary(b"site-1".to_vec()));
        bytes(&v)
    };
    for payload in [
        &compact[..],
        &integer_key,
        &duplicate,
        &binary_unknown,
        &ext_unknown,
        &trailing,
        &bin_site,
    ] {
        assert_eq!(read(payload), None, "{payload:02x?}");
        assert_eq!(
            ReportView::decode(payload).ok(),
            oracle(payload),
            "decode gives serde's verdict"
        );
    }
    assert!(ReportView::decode(&compact).is_ok());
    assert!(ReportView::decode(&duplicate).is_err());
    assert!(ReportView::decode(&trailing).is_err());
}

/// `depth` arrays nested around a nil.
fn nested(depth: usize) -> Value {
    (0..depth).fold(Value::Nil, |inner, _| Value::Array(vec![inner]))
}

/// At the nesting limit and one past it, in an unknown key of the report
/// and of a node, the reader answers as the framing check does.
#[test]
fn nesting_limit_matches_the_framing_check() {
    for (under_node, levels_above) in [(false, 1), (true, 3)] {
        for depth in MAX_DEPTH - levels_above - 1..=MAX_DEPTH - levels_above + 1 {
            let mut v = value(&full("site-1"));
            let map = if under_node {
                first_node(&mut v)
            } else {
                &mut v
            };
            set_key(map, "deep", nested(depth));
            let payload = bytes(&v);
            let fits = levels_above + depth <= MAX_DEPTH;
            assert_eq!(oracle(&payload).is_some(), fits, "serde at {depth}");
            assert_eq!(read(&payload).is_some(), fits, "reader at {depth}");
        }
    }
}

#[test]
fn truncated_anywhere_is_left_to_serde() {
    let payload = encode(&full("site-1"));
    for end in 0..payload.len() {
        assert_eq!(read(&payload[..end]), None, "cut at {end}");
    }
}

#[test]
fn a_declared_length_beyond_the_payload_fails_small() {
    // map32 claiming 4 G entries, then one key.
    let payload = [0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'v', 0x01];
    assert_eq!(read(&payload), None);
    let custom = minimal_report(vec![(
        Value::from("custom"),
        Value::Map(vec![(Value::from("a"), 1.0.into())]),
    )]);
    assert_eq!(read(&custom).map(|v| v.custom), Some(vec![("a", 1.0)]));
}
