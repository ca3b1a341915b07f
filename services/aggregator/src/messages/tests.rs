use super::*;
use healthmon_proto::{HealthReport, encode};
use healthmon_test_support::fixtures::offline_event;

/// `site` gone offline at 5 ms, without reasons.
fn event(site: &str) -> StatusEvent {
    StatusEvent {
        reasons: vec![],
        ..offline_event(site, 5)
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
