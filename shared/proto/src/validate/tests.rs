use super::*;
use crate::fixtures::{connection, node};
use crate::report::{ConnectionStatus, Node, NodeRole, Resources};
use proptest::prelude::*;

fn ok_report() -> HealthReport {
    let mut r = HealthReport::new("site-1", "inst", 1);
    r.nodes = vec![node("a", NodeRole::Active), node("b", NodeRole::Standby)];
    r.connections = vec![connection("plc-1", true)];
    r
}

type Mutation = Box<dyn Fn(&mut HealthReport)>;

fn reason(r: &HealthReport) -> &'static str {
    validate_report(r, "site-1").unwrap_err().reason()
}

#[test]
fn accepts_a_sane_report() {
    assert_eq!(validate_report(&ok_report(), "site-1"), Ok(()));
}

#[test]
fn rejects_each_contract_violation_with_its_reason() {
    let cases: Vec<(&str, Mutation)> = vec![
        ("unsupported_version", Box::new(|r| r.v = 2)),
        ("bad_site_id", Box::new(|r| r.site_id = "a.b".into())),
        (
            "subject_mismatch",
            Box::new(|r| r.site_id = "site-2".into()),
        ),
        ("bad_instance", Box::new(|r| r.instance = String::new())),
        ("bad_instance", Box::new(|r| r.instance = "a\u{0}".into())),
        ("bad_seq", Box::new(|r| r.seq = 0)),
        ("bad_interval", Box::new(|r| r.interval_ms = 5)),
        (
            "bad_interval",
            Box::new(|r| r.interval_ms = MAX_INTERVAL_MS + 1),
        ),
        (
            "bad_timestamp",
            // Microseconds sent as milliseconds.
            Box::new(|r| r.sent_at_ms = 1_700_000_000_000_000),
        ),
        (
            "bad_name",
            Box::new(|r| r.connections[0].name = "x\ny".into()),
        ),
        (
            "bad_name",
            Box::new(|r| r.nodes[0].name = "n".repeat(MAX_NAME_LEN + 1)),
        ),
        ("duplicate_name", Box::new(|r| r.nodes[1].name = "a".into())),
        (
            "duplicate_name",
            // Past the pairwise threshold: the sorted path.
            Box::new(|r| {
                r.connections = (0..40)
                    .map(|i| ConnectionStatus {
                        name: format!("c{}", i % 39),
                        connected: true,
                    })
                    .collect()
            }),
        ),
        (
            "bad_number",
            Box::new(|r| r.script_errors.per_min = f64::NAN),
        ),
        ("bad_number", Box::new(|r| r.alarm_errors.per_min = -1.0)),
        (
            "bad_number",
            Box::new(|r| r.alarm_errors.per_min = f64::INFINITY),
        ),
        (
            "bad_number",
            Box::new(|r| {
                r.custom
                    .insert("x".into(), f64::NEG_INFINITY)
                    .map(|_| ())
                    .unwrap_or(())
            }),
        ),
        (
            "bad_number",
            Box::new(|r| {
                r.resources = Some(Resources {
                    cpu_pct: 101.0,
                    ..Default::default()
                })
            }),
        ),
        (
            "bad_number",
            Box::new(|r| {
                r.resources = Some(Resources {
                    mem_used_bytes: 2,
                    mem_total_bytes: 1,
                    ..Default::default()
                })
            }),
        ),
        (
            "too_many_items",
            Box::new(|r| r.custom = (0..=MAX_CUSTOM).map(|i| (format!("g{i}"), 1.0)).collect()),
        ),
        (
            "too_many_items",
            Box::new(|r| {
                r.nodes = (0..=MAX_NODES)
                    .map(|i| Node {
                        name: format!("n{i}"),
                        role: NodeRole::Unknown,
                    })
                    .collect()
            }),
        ),
    ];
    for (want, mutate) in cases {
        let mut r = ok_report();
        mutate(&mut r);
        assert_eq!(reason(&r), want, "{r:?}");
    }
}

#[test]
fn any_plausible_site_clock_is_accepted() {
    for sent_at_ms in [0, 1, 1_700_000_000_000, MAX_SENT_AT_MS] {
        let mut r = ok_report();
        r.sent_at_ms = sent_at_ms;
        assert_eq!(validate_report(&r, "site-1"), Ok(()), "{sent_at_ms}");
    }
}

#[test]
fn every_reason_is_listed() {
    let r = Rejection::StaleSeq { seq: 1, last: 2 };
    assert!(Rejection::REASONS.contains(&r.reason()));
    assert!(Rejection::REASONS.contains(&Rejection::TooLarge(0).reason()));
}

#[test]
fn decode_report_checks_subject() {
    let bytes = crate::encode(&ok_report());
    assert!(decode_report(&bytes, "site-1").is_ok());
    assert_eq!(
        decode_report(&bytes, "other").unwrap_err().reason(),
        "subject_mismatch"
    );
    assert_eq!(
        decode_report(&bytes[..3], "site-1").unwrap_err().reason(),
        "malformed"
    );
}

proptest! {
    #[test]
    fn any_accepted_report_has_finite_numbers(
        per_min in proptest::num::f64::ANY,
        cpu in proptest::num::f64::ANY,
        site in "\\PC{0,70}",
    ) {
        let mut r = ok_report();
        r.script_errors.per_min = per_min;
        r.resources = Some(Resources { cpu_pct: cpu, ..Default::default() });
        r.site_id = site.clone();
        if validate_report(&r, &site).is_ok() {
            prop_assert!(per_min.is_finite() && per_min >= 0.0);
            prop_assert!((0.0..=100.0).contains(&cpu));
            prop_assert!(validate_site_id(&site).is_ok());
        }
    }
}
