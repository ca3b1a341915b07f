//! Hand-picked hostile payloads whose verdict the contract names exactly:
//! wrong types and non-finite numbers in every field, missing keys, deep
//! nesting, truncation, trailing bytes, the size limit and duplicate keys.
//! Each table collects every mismatch before failing, so one run shows all.

use healthmon_proto::codec::{MAX_DEPTH, MAX_PAYLOAD_BYTES};
use healthmon_proto::validate::decode_report;
use healthmon_proto::{HealthReport, encode};
use healthmon_test_support::fixtures::{OPTIONAL_KEYS, REQUIRED_KEYS, full};
use healthmon_test_support::wire::{Value, remove_key, set_key, slot, to_bytes, to_value};

use crate::support::{CONTAINERS, Kind, LEAVES, judge};

fn verdict_with(path: &str, value: Value) -> Result<HealthReport, &'static str> {
    let mut v = to_value(&full("site-1"));
    *slot(&mut v, path) = value;
    judge(&to_bytes(&v), "site-1")
}

fn assert_no_mismatch(mismatches: Vec<String>) {
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn wrong_types_in_every_field_are_malformed() {
    let array = || Value::Array(vec![Value::from(1)]);
    let map = || Value::Map(vec![(Value::from("a"), Value::from(1))]);
    let mut mismatches = Vec::new();
    for (path, kind) in LEAVES {
        let wrong: Vec<Value> = match kind {
            Kind::Uint => vec![
                Value::from("1"),
                Value::from(true),
                Value::from(-1),
                Value::F64(1.0),
                Value::Nil,
                array(),
                map(),
            ],
            Kind::Float => vec![
                Value::from("1.5"),
                Value::from(true),
                Value::Nil,
                array(),
                map(),
            ],
            Kind::Str => vec![
                Value::from(1),
                Value::from(true),
                Value::F64(1.5),
                Value::Nil,
                array(),
                map(),
            ],
            Kind::Bool => vec![
                Value::from(1),
                Value::from("true"),
                Value::Nil,
                array(),
                map(),
            ],
        };
        for value in wrong {
            let got = verdict_with(path, value.clone()).map(|_| ());
            if got != Err("malformed") {
                mismatches.push(format!("{path} = {value}: {got:?}"));
            }
        }
    }
    for path in CONTAINERS {
        for value in [Value::from("x"), Value::from(7), Value::from(false)] {
            let got = verdict_with(path, value.clone()).map(|_| ());
            if got != Err("malformed") {
                mismatches.push(format!("{path} = {value}: {got:?}"));
            }
        }
    }
    assert_no_mismatch(mismatches);
}

#[test]
fn non_finite_and_negative_numbers_in_every_float_field_are_bad_number() {
    let mut mismatches = Vec::new();
    for (path, _) in LEAVES.iter().filter(|(_, kind)| *kind == Kind::Float) {
        let mut bad = vec![
            Value::F64(f64::NAN),
            Value::F32(f32::NAN),
            Value::F64(f64::INFINITY),
            Value::F32(f32::NEG_INFINITY),
            Value::F64(f64::NEG_INFINITY),
        ];
        if *path != "custom.api_latency_ms" {
            // Site-defined gauges may be negative; rates, loads and percentages may not.
            bad.extend([
                Value::F64(-1.0),
                Value::from(-3),
                Value::F64(-f64::MIN_POSITIVE),
            ]);
        }
        for value in bad {
            match verdict_with(path, value.clone()) {
                Err("bad_number") => {}
                other => mismatches.push(format!("{path} = {value}: {other:?}")),
            }
        }
        // The rejection names the field, so the log line says which one.
        let message = decode_report(
            &{
                let mut v = to_value(&full("site-1"));
                *slot(&mut v, path) = Value::F64(f64::NAN);
                to_bytes(&v)
            },
            "site-1",
        )
        .unwrap_err()
        .to_string();
        if !message.contains(path) {
            mismatches.push(format!("message for {path} does not name it: {message}"));
        }
    }
    for (path, value) in [
        ("resources.cpu_pct", 100.001),
        ("resources.disk_used_pct", 1e300),
    ] {
        if verdict_with(path, Value::F64(value)).map(|_| ()) != Err("bad_number") {
            mismatches.push(format!("{path} = {value} accepted"));
        }
    }
    assert_no_mismatch(mismatches);
}

#[test]
fn missing_required_keys_are_malformed_and_optional_ones_default() {
    for key in REQUIRED_KEYS {
        let mut v = to_value(&full("site-1"));
        remove_key(&mut v, key);
        assert_eq!(
            judge(&to_bytes(&v), "site-1").map(|_| ()),
            Err("malformed"),
            "{key}"
        );
    }
    for key in OPTIONAL_KEYS {
        let mut v = to_value(&full("site-1"));
        remove_key(&mut v, key);
        assert!(judge(&to_bytes(&v), "site-1").is_ok(), "{key}");
    }
    // The one documented as optional also takes nil.
    let mut v = to_value(&full("site-1"));
    set_key(&mut v, "resources", Value::Nil);
    assert_eq!(judge(&to_bytes(&v), "site-1").unwrap().resources, None);
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut bytes = vec![0x91; depth]; // fixarray of one element, `depth` times
    bytes.push(0xc0);
    bytes
}

fn nested_maps(depth: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..depth {
        bytes.extend([0x81, 0xa1, b'k']); // fixmap {"k": ...}
    }
    bytes.push(0xc0);
    bytes
}

/// A full report with one more key whose raw MessagePack value is `raw`.
fn with_raw_unknown_key(raw: &[u8]) -> Vec<u8> {
    let mut v = to_value(&full("site-1"));
    set_key(&mut v, "zz", Value::Nil);
    let mut bytes = to_bytes(&v);
    assert_eq!(bytes.pop(), Some(0xc0), "the nil of the last key");
    bytes.extend_from_slice(raw);
    bytes
}

#[test]
fn nesting_beyond_the_cap_is_malformed_and_needs_little_stack() {
    // A tokio worker has 2 MiB; the decoder must not need a fraction of it.
    let run = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            for nest in [nested_arrays, nested_maps] {
                // The report itself is the first level.
                let fits = with_raw_unknown_key(&nest(MAX_DEPTH - 1));
                assert!(judge(&fits, "site-1").is_ok());
                let deeper = with_raw_unknown_key(&nest(MAX_DEPTH));
                assert_eq!(judge(&deeper, "site-1").map(|_| ()), Err("malformed"));
                let abyss = with_raw_unknown_key(&nest(60_000 / 3));
                assert!(abyss.len() <= MAX_PAYLOAD_BYTES);
                assert_eq!(judge(&abyss, "site-1").map(|_| ()), Err("malformed"));
            }
            let abyss = with_raw_unknown_key(&nested_arrays(60_000));
            assert!(abyss.len() <= MAX_PAYLOAD_BYTES);
            let message = decode_report(&abyss, "site-1").unwrap_err().to_string();
            assert!(message.contains("depth"), "{message}");
            // The same inside a known field.
            let mut v = to_value(&full("site-1"));
            set_key(slot(&mut v, "nodes.0"), "zz", Value::Nil);
            let mut inside = to_bytes(&v);
            let nil = inside.iter().rposition(|b| *b == 0xc0).unwrap();
            inside.splice(nil..=nil, nested_arrays(60_000));
            assert_eq!(judge(&inside, "site-1").map(|_| ()), Err("malformed"));
        })
        .unwrap();
    run.join().expect("no stack overflow, no panic");
}

#[test]
fn every_truncation_is_malformed() {
    let mut reports = vec![full("site-1"), HealthReport::new("site-1", "i", 1)];
    let mut long = full("site-1");
    long.custom = (0..60)
        .map(|i| (format!("gauge-{i}"), f64::from(i)))
        .collect();
    reports.push(long);
    let mut inputs = 0;
    for r in reports {
        let bytes = encode(&r);
        for keep in 0..bytes.len() {
            assert_eq!(
                judge(&bytes[..keep], "site-1").map(|_| ()),
                Err("malformed"),
                "{keep} of {} bytes",
                bytes.len()
            );
            inputs += 1;
        }
    }
    assert!(inputs > 1_000);
}

#[test]
fn trailing_bytes_are_malformed() {
    let one = encode(&full("site-1"));
    for tail in [vec![0xc0], vec![0x00], one.clone()] {
        let mut bytes = one.clone();
        bytes.extend(tail);
        assert_eq!(judge(&bytes, "site-1").map(|_| ()), Err("malformed"));
    }
}

#[test]
fn the_size_limit_is_exact() {
    let padded = |total: usize| {
        let mut v = to_value(&full("site-1"));
        set_key(&mut v, "padding", Value::Binary(Vec::new()));
        let base = to_bytes(&v).len();
        // An empty bin8 is 2 bytes; the padding's bin16 header is 3.
        set_key(&mut v, "padding", Value::Binary(vec![0; total - base - 1]));
        let bytes = to_bytes(&v);
        assert_eq!(bytes.len(), total);
        bytes
    };
    assert!(judge(&padded(MAX_PAYLOAD_BYTES), "site-1").is_ok());
    assert_eq!(
        judge(&padded(MAX_PAYLOAD_BYTES + 1), "site-1").map(|_| ()),
        Err("too_large")
    );
    assert_eq!(
        judge(&vec![0xc1; 10 * MAX_PAYLOAD_BYTES], "site-1").map(|_| ()),
        Err("too_large")
    );
}

#[test]
fn duplicate_keys() {
    // A repeated report key is ambiguous: refused.
    let mut v = to_value(&full("site-1"));
    if let Value::Map(entries) = &mut v {
        entries.push((Value::from("seq"), Value::from(99)));
    }
    assert_eq!(judge(&to_bytes(&v), "site-1").map(|_| ()), Err("malformed"));

    // A repeated custom gauge is just as ambiguous (which value?): refused,
    // like repeated node or connection names.
    let mut v = to_value(&full("site-1"));
    if let Value::Map(entries) = slot(&mut v, "custom") {
        entries.push((Value::from("api_latency_ms"), Value::F64(7.0)));
    }
    assert_eq!(
        judge(&to_bytes(&v), "site-1").map(|_| ()),
        Err("duplicate_name")
    );

    for list in ["nodes", "connections"] {
        let mut v = to_value(&full("site-1"));
        let Value::Array(items) = slot(&mut v, list) else {
            unreachable!()
        };
        items.push(items[0].clone());
        assert_eq!(
            judge(&to_bytes(&v), "site-1").map(|_| ()),
            Err("duplicate_name"),
            "{list}"
        );
    }
}
