//! Generated hostile input against `decode_report`, the one entry point the
//! aggregator and assessor feed every payload on `health.report.*` through.
//!
//! Each property runs an explicit number of cases (more than 100,000 in all,
//! see `CASES`), and each case must end in one of the two verdicts the
//! contract allows (`support::judge`): a report that keeps every documented
//! invariant, or a rejection whose reason is in `Rejection::REASONS`. Where
//! the contract names the verdict, the property checks that exact reason.
//! A panic anywhere fails the case.

use healthmon_proto::codec::MAX_DEPTH;
use healthmon_proto::validate::{
    MAX_CONNECTIONS, MAX_CUSTOM, MAX_INTERVAL_MS, MAX_NODES, MAX_SENT_AT_MS, MIN_INTERVAL_MS,
};
use healthmon_proto::{ConnectionStatus, Node, NodeRole, encode, reader};
use healthmon_test_support::fixtures::full;
use healthmon_test_support::wire::{Value, set_key, slot, to_bytes, to_value};
use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::support::{self, CONTAINERS, Kind, LEAVES, judge};

/// Cases per property; the sum is what CI runs on every push.
const CASES: [(&str, u32); 10] = [
    ("valid_reports_are_accepted", 5_000),
    ("arbitrary_bytes_are_rejected", 20_000),
    ("mutated_reports_are_judged", 30_000),
    ("hostile_values_anywhere", 30_000),
    ("site_ids", 10_000),
    ("names", 8_000),
    ("float_fields", 10_000),
    ("integer_fields", 8_000),
    ("memory_pair", 2_000),
    ("item_counts", 1_000),
];

fn cases(property: &str) -> Config {
    let n = CASES
        .iter()
        .find(|(p, _)| *p == property)
        .expect("listed")
        .1;
    Config::with_cases(n)
}

#[test]
fn ci_runs_at_least_100k_generated_inputs() {
    assert!(CASES.iter().map(|(_, n)| n).sum::<u32>() >= 100_000);
}

/// Values of every MessagePack type, biased to the troublesome ones.
fn hostile_value() -> impl Strategy<Value = Value> {
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        -0.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        1e300,
    ];
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        proptest::num::f64::ANY.prop_map(Value::F64),
        proptest::num::f32::ANY.prop_map(Value::F32),
        proptest::sample::select(specials.to_vec()).prop_map(Value::F64),
        "\\PC{0,24}".prop_map(Value::from),
        "[\\x00-\\x1f\\x7f\\u{85}a ]{0,8}".prop_map(Value::from),
        (0usize..400).prop_map(|n| Value::from("é".repeat(n))),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(Value::Binary),
        (any::<i8>(), proptest::collection::vec(any::<u8>(), 0..9))
            .prop_map(|(tag, data)| Value::Ext(tag, data)),
        (0usize..48).prop_map(|d| nested(d, false)),
        (0usize..48).prop_map(|d| nested(d, true)),
        proptest::collection::vec(any::<i32>().prop_map(Value::from), 0..64).prop_map(Value::Array),
        proptest::collection::vec(("\\PC{0,6}", any::<bool>()), 0..12).prop_map(|kv| {
            Value::Map(
                kv.into_iter()
                    .map(|(k, v)| (Value::from(k), Value::from(v)))
                    .collect(),
            )
        }),
    ]
}

/// `depth` arrays (or single-key maps) nested inside each other around a nil.
fn nested(depth: usize, maps: bool) -> Value {
    (0..depth).fold(Value::Nil, |inner, _| {
        if maps {
            Value::Map(vec![(Value::from("k"), inner)])
        } else {
            Value::Array(vec![inner])
        }
    })
}

/// How many map/array/ext levels the decoder descends into for `v`.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| depth(k).max(depth(v)))
                .max()
                .unwrap_or(0)
        }
        Value::Ext(..) => 1,
        _ => 0,
    }
}

fn valid_site_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn valid_name(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.chars().count()) && !s.chars().any(char::is_control)
}

/// Where a hostile value goes in a full report.
#[derive(Debug, Clone)]
enum Target {
    Leaf(usize),
    Container(usize),
    Remove(usize),
    /// An unknown key at this container path ("" is the report itself).
    Unknown(&'static str),
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (0..LEAVES.len()).prop_map(Target::Leaf),
        (0..CONTAINERS.len()).prop_map(Target::Container),
        (0..LEAVES.len()).prop_map(Target::Remove),
        proptest::sample::select(vec!["", "nodes.0", "resources", "sf_buffer"])
            .prop_map(Target::Unknown),
    ]
}

proptest! {
    #![proptest_config(cases("valid_reports_are_accepted"))]
    #[test]
    fn valid_reports_are_accepted(r in support::arb_valid_report()) {
        let bytes = encode(&r);
        prop_assert_eq!(judge(&bytes, &r.site_id), Ok(r.clone()));
        prop_assert!(reader::read(&bytes).is_some(), "the fast path reads every valid report");
    }
}

proptest! {
    #![proptest_config(cases("arbitrary_bytes_are_rejected"))]
    #[test]
    fn arbitrary_bytes_are_rejected(bytes in proptest::collection::vec(any::<u8>(), 0..320)) {
        prop_assert!(judge(&bytes, "site-1").is_err());
    }
}

proptest! {
    #![proptest_config(cases("mutated_reports_are_judged"))]
    #[test]
    fn mutated_reports_are_judged(
        r in support::arb_valid_report(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 1..6),
    ) {
        let mut bytes = encode(&r);
        for (at, byte, op) in edits {
            let i = at % bytes.len().max(1);
            match op {
                0 if !bytes.is_empty() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                2 if !bytes.is_empty() => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        let _ = judge(&bytes, &r.site_id);
    }
}

proptest! {
    #![proptest_config(cases("hostile_values_anywhere"))]
    #[test]
    fn hostile_values_anywhere(target in target(), hostile in hostile_value()) {
        let mut v = to_value(&full("site-1"));
        match &target {
            Target::Leaf(i) => *slot(&mut v, LEAVES[*i].0) = hostile.clone(),
            Target::Container(i) => *slot(&mut v, CONTAINERS[*i]) = hostile.clone(),
            Target::Remove(i) => {
                let (path, _) = LEAVES[*i];
                let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
                let map = if parent.is_empty() { &mut v } else { slot(&mut v, parent) };
                healthmon_test_support::wire::remove_key(map, key);
            }
            Target::Unknown(path) => {
                let map = if path.is_empty() { &mut v } else { slot(&mut v, path) };
                set_key(map, "zz_added_later", hostile.clone());
            }
        }
        let verdict = judge(&to_bytes(&v), "site-1");
        if let Target::Unknown(path) = target {
            // Unknown keys are ignored, whatever they hold, up to the nesting cap.
            let levels = if path.is_empty() { 1 } else { 1 + path.split('.').count() };
            if levels + depth(&hostile) <= MAX_DEPTH {
                prop_assert!(verdict.is_ok(), "{:?}", verdict);
            } else {
                prop_assert_eq!(verdict, Err("malformed"));
            }
        }
    }
}

proptest! {
    #![proptest_config(cases("site_ids"))]
    #[test]
    fn site_ids(
        site in prop_oneof![
            "[A-Za-z0-9_-]{1,64}",
            "[A-Za-z0-9_.*> \\t-]{0,70}",
            "\\PC{0,8}",
            "[\\x00-\\x20]{1,3}",
            "[a-z]{60,70}",
        ],
        other in "[a-z0-9-]{1,8}",
        same_subject in any::<bool>(),
    ) {
        let subject = if same_subject { site.clone() } else { other };
        let want = if !valid_site_id(&site) {
            Err("bad_site_id")
        } else if site != subject {
            Err("subject_mismatch")
        } else {
            Ok(())
        };
        prop_assert_eq!(judge(&encode(&full(&site)), &subject).map(|_| ()), want);
    }
}

proptest! {
    #![proptest_config(cases("names"))]
    #[test]
    fn names(
        name in prop_oneof![
            "\\PC{1,20}",
            "[a\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]{1,5}",
            "\\PC{60,70}",
            "\\PC{120,140}",
            Just(String::new()),
        ],
        what in 0u8..4,
    ) {
        let mut r = full("site-1");
        let want = match what {
            0 => {
                r.instance.clone_from(&name);
                if valid_name(&name, 64) { Ok(()) } else { Err("bad_instance") }
            }
            1 => {
                r.nodes[0].name.clone_from(&name);
                if !valid_name(&name, 128) { Err("bad_name") }
                else if name == r.nodes[1].name { Err("duplicate_name") }
                else { Ok(()) }
            }
            2 => {
                r.connections.push(ConnectionStatus { name: name.clone(), connected: true });
                if !valid_name(&name, 128) { Err("bad_name") }
                else if r.connections[..2].iter().any(|c| c.name == name) { Err("duplicate_name") }
                else { Ok(()) }
            }
            _ => {
                r.custom.insert(name.clone(), 1.0);
                if valid_name(&name, 128) { Ok(()) } else { Err("bad_name") }
            }
        };
        prop_assert_eq!(judge(&encode(&r), "site-1").map(|_| ()), want);
    }
}

/// A number as one of the encodings a publisher might use, and its value.
fn number() -> impl Strategy<Value = (Value, f64)> {
    prop_oneof![
        proptest::num::f64::ANY.prop_map(|x| (Value::F64(x), x)),
        proptest::num::f32::ANY.prop_map(|x| (Value::F32(x), f64::from(x))),
        any::<i64>().prop_map(|x| (Value::from(x), x as f64)),
        any::<u64>().prop_map(|x| (Value::from(x), x as f64)),
        (-2.0f64..120.0).prop_map(|x| (Value::F64(x), x)),
    ]
}

fn float_leaves() -> impl Strategy<Value = &'static str> {
    let paths = LEAVES.iter().filter(|(_, kind)| *kind == Kind::Float);
    proptest::sample::select(paths.map(|(path, _)| *path).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(cases("float_fields"))]
    #[test]
    fn float_fields(path in float_leaves(), (encoded, x) in number()) {
        let mut v = to_value(&full("site-1"));
        *slot(&mut v, path) = encoded;
        let ok = match path {
            "resources.cpu_pct" | "resources.disk_used_pct" => x.is_finite() && (0.0..=100.0).contains(&x),
            "custom.api_latency_ms" => x.is_finite(),
            _ => x.is_finite() && x >= 0.0,
        };
        let want = if ok { Ok(()) } else { Err("bad_number") };
        let bytes = to_bytes(&v);
        prop_assert_eq!(judge(&bytes, "site-1").map(|_| ()), want);
        // Every encoding of a number (f32, f64, any integer width) stays on the fast path.
        prop_assert!(reader::read(&bytes).is_some());
    }
}

proptest! {
    #![proptest_config(cases("integer_fields"))]
    #[test]
    fn integer_fields(
        field in 0u8..4,
        n in prop_oneof![
            any::<u64>(),
            0u64..300,
            MAX_INTERVAL_MS - 2..MAX_INTERVAL_MS + 2,
            MAX_SENT_AT_MS - 2..MAX_SENT_AT_MS + 2,
            // What a publisher sending micro- or nanoseconds writes.
            Just(1_700_000_000_000_000),
            Just(1_700_000_000_000_000_000),
        ],
    ) {
        let mut v = to_value(&full("site-1"));
        let (path, want) = match field {
            0 => ("v", match n {
                1 => Ok(()),
                n if n > u64::from(u32::MAX) => Err("malformed"),
                _ => Err("unsupported_version"),
            }),
            1 => ("seq", if n >= 1 { Ok(()) } else { Err("bad_seq") }),
            2 => ("interval_ms", if (MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&n) {
                Ok(())
            } else {
                Err("bad_interval")
            }),
            _ => ("sent_at_ms", if n <= MAX_SENT_AT_MS { Ok(()) } else { Err("bad_timestamp") }),
        };
        *slot(&mut v, path) = Value::from(n);
        let bytes = to_bytes(&v);
        prop_assert_eq!(judge(&bytes, "site-1").map(|_| ()), want);
        prop_assert_eq!(reader::read(&bytes).is_some(), want != Err("malformed"));
    }
}

proptest! {
    #![proptest_config(cases("memory_pair"))]
    #[test]
    fn memory_pair(used in any::<u64>(), total in any::<u64>(), equal in any::<bool>()) {
        let used = if equal { total } else { used };
        let mut r = full("site-1");
        let res = r.resources.as_mut().unwrap();
        (res.mem_used_bytes, res.mem_total_bytes) = (used, total);
        let want = if used <= total { Ok(()) } else { Err("bad_number") };
        prop_assert_eq!(judge(&encode(&r), "site-1").map(|_| ()), want);
    }
}

proptest! {
    #![proptest_config(cases("item_counts"))]
    #[test]
    fn item_counts(
        nodes in prop_oneof![0..4usize, MAX_NODES - 1..MAX_NODES + 3],
        connections in prop_oneof![0..4usize, MAX_CONNECTIONS - 1..MAX_CONNECTIONS + 3],
        custom in prop_oneof![0..4usize, MAX_CUSTOM - 1..MAX_CUSTOM + 3],
    ) {
        let mut r = full("site-1");
        r.nodes = (0..nodes)
            .map(|i| Node { name: format!("n{i}"), role: NodeRole::Standby })
            .collect();
        r.connections = (0..connections)
            .map(|i| ConnectionStatus { name: format!("c{i}"), connected: true })
            .collect();
        r.custom = (0..custom).map(|i| (format!("g{i}"), 1.0)).collect();
        let too_many = nodes > MAX_NODES || connections > MAX_CONNECTIONS || custom > MAX_CUSTOM;
        let want = if too_many { Err("too_many_items") } else { Ok(()) };
        prop_assert_eq!(judge(&encode(&r), "site-1").map(|_| ()), want);
    }
}
