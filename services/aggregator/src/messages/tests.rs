use super::*;
use healthmon_proto::{Connectivity, Health, HealthReport, encode};

fn event(site: &str) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms: 5,
        connectivity: Connectivity::Offline,
        previous_connectivity: Connectivity::Online,
        health: Health::Healthy,
        previous_health: Health::Healthy,
        reasons: vec![],
        last_report_ms: None,
        judgement: Default::default(),
    }
}

fn reason<T: std::fmt::Debug>(r: Result<T, Rejection>) -> &'static str {
    r.unwrap_err().reason()
}

#[test]
fn accepts_a_matching_status() {
    let s = Subjects::default();
    let got = status(&s, "health.status.a", &encode(&event("a"))).unwrap();
    assert_eq!(got, event("a"));
}

#[test]
fn refuses_bad_statuses_by_reason() {
    let s = Subjects::default();
    assert_eq!(
        reason(status(&s, "health.status.b", &encode(&event("a")))),
        "subject_mismatch"
    );
    assert_eq!(
        reason(status(&s, "health.status.a.b", &encode(&event("a")))),
        "subject_mismatch"
    );
    assert_eq!(
        reason(status(&s, "health.status.a", &encode(&event("a b")))),
        "bad_site_id"
    );
    assert_eq!(
        reason(status(&s, "health.status.a", b"\xc1junk")),
        "malformed"
    );
    let big = vec![0u8; healthmon_proto::codec::MAX_PAYLOAD_BYTES + 1];
    assert_eq!(reason(status(&s, "health.status.a", &big)), "too_large");
    for r in STATUS_REASONS {
        assert!(Rejection::REASONS.contains(&r));
    }
}

#[test]
fn report_site_comes_from_the_subject() {
    let s = Subjects::default();
    let bytes = encode(&HealthReport::new("a", "i", 1));
    assert!(report(&s, "health.report.a", &bytes).is_ok());
    assert_eq!(
        reason(report(&s, "health.report.b", &bytes)),
        "subject_mismatch"
    );
    assert_eq!(
        reason(report(&s, "other.report.a", &bytes)),
        "subject_mismatch"
    );
}
