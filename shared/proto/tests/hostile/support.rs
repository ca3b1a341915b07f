//! What the hostile-input suites share: every leaf and container of a full
//! report, valid reports of every shape, and the documented invariants,
//! restated here independently of `validate_report` so the tests do not
//! grade the validator with its own answers.

use std::collections::HashSet;

use healthmon_proto::report::WIRE_VERSION;
use healthmon_proto::validate::{
    MAX_CONNECTIONS, MAX_CUSTOM, MAX_INSTANCE_LEN, MAX_INTERVAL_MS, MAX_NAME_LEN, MAX_NODES,
    MAX_SENT_AT_MS, MIN_INTERVAL_MS, decode_report,
};
use healthmon_proto::{
    ConnectionStatus, HealthReport, Node, NodeRole, Rejection, ReportView, Resources, codec, reader,
};
use proptest::prelude::*;

/// Valid reports of every shape the contract allows.
pub fn arb_valid_report() -> impl Strategy<Value = HealthReport> {
    let names = |max: usize| proptest::collection::btree_set("[a-zA-Z0-9 ._-]{1,12}", 0..max);
    (
        "[A-Za-z0-9_-]{1,64}",
        "[!-~]{1,64}",
        (
            1u64..,
            0..=MAX_SENT_AT_MS,
            MIN_INTERVAL_MS..=MAX_INTERVAL_MS,
        ),
        (names(4), names(6), any::<[bool; 6]>()),
        (any::<u64>(), 0.0f64..1e6, any::<u64>(), 0.0f64..1e6),
        any::<(u64, u64, u64)>(),
        proptest::option::of((0.0f64..=100.0, 0.0f64..=100.0, 0.0f64..64.0, any::<u32>())),
        (
            proptest::collection::btree_map("[a-z_]{1,10}", -1e12f64..1e12, 0..4),
            proptest::collection::btree_map("[a-r][a-z0-9_]{0,9}", "[ -~]{1,20}", 0..4),
        ),
    )
        .prop_map(
            |(
                site,
                instance,
                (seq, sent, interval),
                (nodes, conns, up),
                errs,
                sf,
                res,
                (custom, labels),
            )| {
                let mut r = HealthReport::new(site, instance, seq);
                r.sent_at_ms = sent;
                r.interval_ms = interval;
                r.nodes = nodes
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| Node {
                        name,
                        role: [NodeRole::Active, NodeRole::Standby, NodeRole::Unknown][i % 3],
                    })
                    .collect();
                r.connections = conns
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| ConnectionStatus {
                        name,
                        connected: up[i],
                    })
                    .collect();
                (r.script_errors.total, r.script_errors.per_min) = (errs.0, errs.1);
                (r.alarm_errors.total, r.alarm_errors.per_min) = (errs.2, errs.3);
                (
                    r.sf_buffer.external,
                    r.sf_buffer.notification,
                    r.sf_buffer.db_write,
                ) = sf;
                r.resources = res.map(|(cpu, disk, load1, mem)| Resources {
                    cpu_pct: cpu,
                    mem_used_bytes: u64::from(mem / 2),
                    mem_total_bytes: u64::from(mem),
                    disk_used_pct: disk,
                    load1,
                });
                r.custom = custom;
                r.labels = labels;
                r
            },
        )
}

/// Every scalar leaf of a full report, as a path `slot` understands, with its kind.
pub const LEAVES: &[(&str, Kind)] = &[
    ("v", Kind::Uint),
    ("site_id", Kind::Str),
    ("instance", Kind::Str),
    ("seq", Kind::Uint),
    ("sent_at_ms", Kind::Uint),
    ("interval_ms", Kind::Uint),
    ("nodes.0.name", Kind::Str),
    ("nodes.0.role", Kind::Str),
    ("connections.0.name", Kind::Str),
    ("connections.0.connected", Kind::Bool),
    ("script_errors.total", Kind::Uint),
    ("script_errors.per_min", Kind::Float),
    ("alarm_errors.total", Kind::Uint),
    ("alarm_errors.per_min", Kind::Float),
    ("sf_buffer.external", Kind::Uint),
    ("sf_buffer.notification", Kind::Uint),
    ("sf_buffer.db_write", Kind::Uint),
    ("resources.cpu_pct", Kind::Float),
    ("resources.mem_used_bytes", Kind::Uint),
    ("resources.mem_total_bytes", Kind::Uint),
    ("resources.disk_used_pct", Kind::Float),
    ("resources.load1", Kind::Float),
    ("custom.api_latency_ms", Kind::Float),
    ("labels.region", Kind::Str),
];

/// Every container of a full report.
pub const CONTAINERS: &[&str] = &[
    "nodes",
    "nodes.0",
    "connections",
    "connections.0",
    "script_errors",
    "alarm_errors",
    "sf_buffer",
    "resources",
    "custom",
    "labels",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Uint,
    Float,
    Str,
    Bool,
}

/// Decodes `payload` as if it arrived on `health.report.<subject_site>` and
/// checks the verdict is one the contract allows: a report that keeps every
/// documented invariant, or a rejection with a listed reason and a message.
///
/// Every input also holds the single-pass reader to the serde decoder, its
/// oracle: whatever the reader takes, serde takes as the same view.
pub fn judge(payload: &[u8], subject_site: &str) -> Result<HealthReport, &'static str> {
    if let Some(fast) = reader::read(payload) {
        // Compared as bytes: a NaN is never equal to itself.
        let oracle = codec::decode_borrowed::<ReportView>(payload).map(|v| v.to_compact());
        assert_eq!(
            oracle.ok(),
            Some(fast.to_compact()),
            "the reader disagrees with serde: {fast:?}"
        );
    }
    match decode_report(payload, subject_site) {
        Ok(report) => {
            if let Err(broken) = invariants(&report, subject_site) {
                panic!("accepted a report that breaks the contract ({broken}): {report:?}");
            }
            Ok(report)
        }
        Err(rejection) => Err(checked_reason(&rejection)),
    }
}

pub fn checked_reason(rejection: &Rejection) -> &'static str {
    let reason = rejection.reason();
    assert!(
        Rejection::REASONS.contains(&reason),
        "reason {reason} is not in Rejection::REASONS"
    );
    assert!(!rejection.to_string().is_empty(), "a rejection says why");
    reason
}

/// The README's rules for an accepted report, or which one is broken.
pub fn invariants(r: &HealthReport, subject_site: &str) -> Result<(), String> {
    let ok_name = |n: &str| {
        let chars = n.chars().count();
        (1..=MAX_NAME_LEN).contains(&chars) && !n.chars().any(char::is_control)
    };
    let unique = |names: Vec<&str>| names.iter().collect::<HashSet<_>>().len() == names.len();
    let fraction = |x: f64, max: f64| x.is_finite() && (0.0..=max).contains(&x);
    let rules: [(&str, bool); 16] = [
        ("v", r.v == WIRE_VERSION),
        (
            "site_id shape",
            (1..=64).contains(&r.site_id.len())
                && r.site_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        ),
        ("site_id = subject", r.site_id == subject_site),
        (
            "instance",
            (1..=MAX_INSTANCE_LEN).contains(&r.instance.chars().count())
                && !r.instance.chars().any(char::is_control),
        ),
        ("seq", r.seq >= 1),
        (
            "interval_ms",
            (MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&r.interval_ms),
        ),
        ("sent_at_ms", r.sent_at_ms <= MAX_SENT_AT_MS),
        (
            "counts",
            r.nodes.len() <= MAX_NODES
                && r.connections.len() <= MAX_CONNECTIONS
                && r.custom.len() <= MAX_CUSTOM,
        ),
        (
            "names",
            r.nodes.iter().all(|n| ok_name(&n.name))
                && r.connections.iter().all(|c| ok_name(&c.name))
                && r.custom.keys().all(|k| ok_name(k)),
        ),
        (
            "unique node names",
            unique(r.nodes.iter().map(|n| n.name.as_str()).collect()),
        ),
        (
            "unique connection names",
            unique(r.connections.iter().map(|c| c.name.as_str()).collect()),
        ),
        (
            "script per_min",
            fraction(r.script_errors.per_min, f64::MAX),
        ),
        ("alarm per_min", fraction(r.alarm_errors.per_min, f64::MAX)),
        (
            "resources",
            r.resources.is_none_or(|res| {
                fraction(res.cpu_pct, 100.0)
                    && fraction(res.disk_used_pct, 100.0)
                    && fraction(res.load1, f64::MAX)
                    && res.mem_used_bytes <= res.mem_total_bytes
            }),
        ),
        ("custom values", r.custom.values().all(|v| v.is_finite())),
        ("labels", healthmon_proto::labels::check(&r.labels).is_ok()),
    ];
    match rules.iter().find(|(_, ok)| !ok) {
        Some((rule, _)) => Err((*rule).to_owned()),
        None => Ok(()),
    }
}
