//! A short payload that declares a huge string, binary, array, map or
//! extension (length 2³²−1) must be refused without allocating for it.
//!
//! The test binary's global allocator counts live bytes and refuses to go
//! more than `BUDGET` above what was live before each decode: an attempt to
//! allocate for the declared length aborts the process, failing the test.
//! One test only, since the limit is process-wide.

use std::alloc::System;

use cap::Cap;
use healthmon_proto::validate::decode_report;
use healthmon_test_support::fixtures::full;
use healthmon_test_support::wire::{remove_key, set_key, to_bytes, to_value};
use rmpv::Value;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Headroom per decode: a full report needs a few KiB, and serde caps any
/// preallocation from a declared length at 1 MiB.
const BUDGET: usize = 2 * 1024 * 1024;

/// MessagePack headers declaring 2³²−1 (or 2¹⁶−1) bytes or elements.
const HUGE: [(&str, &[u8]); 7] = [
    ("str32", &[0xdb, 0xff, 0xff, 0xff, 0xff]),
    ("bin32", &[0xc6, 0xff, 0xff, 0xff, 0xff]),
    ("array32", &[0xdd, 0xff, 0xff, 0xff, 0xff]),
    ("map32", &[0xdf, 0xff, 0xff, 0xff, 0xff]),
    ("ext32", &[0xc9, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ("array16", &[0xdc, 0xff, 0xff]),
    ("map16", &[0xde, 0xff, 0xff]),
];

/// A full report whose value at `path` (top-level key, or `nodes.0.name`) is
/// `raw`, followed by a little filler: the payload ends long before the
/// declared length does.
fn report_with(path: &str, raw: &[u8]) -> Vec<u8> {
    let mut v = to_value(&full("site-1"));
    let top = path.split('.').next().unwrap();
    remove_key(&mut v, top);
    let placeholder = if path == "nodes.0.name" {
        Value::Array(vec![Value::Map(vec![
            (Value::from("role"), Value::from("active")),
            (Value::from("name"), Value::Nil),
        ])])
    } else {
        Value::Nil
    };
    set_key(&mut v, top, placeholder);
    let mut bytes = to_bytes(&v);
    assert_eq!(
        bytes.pop(),
        Some(0xc0),
        "the placeholder nil ends the payload"
    );
    bytes.extend_from_slice(raw);
    bytes.extend_from_slice(&[0x01; 16]);
    bytes
}

#[test]
fn huge_declared_lengths_are_refused_without_allocating_for_them() {
    let paths = [
        "",
        "site_id",
        "instance",
        "nodes",
        "nodes.0.name",
        "connections",
        "custom",
        "script_errors",
        "resources",
        "zz_unknown",
    ];
    let mut decoded = 0;
    for (kind, header) in HUGE {
        for path in paths {
            let payload = if path.is_empty() {
                let mut p = header.to_vec();
                p.extend_from_slice(&[0x01; 16]);
                p
            } else {
                report_with(path, header)
            };
            let before = ALLOCATOR.allocated();
            ALLOCATOR.set_limit(before + BUDGET).unwrap();
            let verdict = decode_report(&payload, "site-1").map(|_| ());
            ALLOCATOR.set_limit(usize::MAX).unwrap();
            let rejection = verdict.expect_err(&format!("{kind} at {path:?} refused"));
            assert_eq!(rejection.reason(), "malformed", "{kind} at {path:?}");
            assert!(
                ALLOCATOR.allocated() <= before + 1024,
                "{kind} at {path:?} leaks"
            );
            decoded += 1;
        }
    }
    assert_eq!(decoded, HUGE.len() * paths.len());
}
