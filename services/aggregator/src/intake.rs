//! Turning raw NATS messages into values the [`crate::state::SiteTable`] accepts.
//!
//! Pure functions over `(subject, payload)`, run before the table lock is taken.
//! Every refusal is a [`Rejection`], whose `reason()` labels the rejection
//! counters; status events reuse the report vocabulary (`too_large`,
//! `malformed`, `bad_site_id`, `subject_mismatch`) so dashboards need one set.

use healthmon_proto::validate::decode_view;
use healthmon_proto::{Rejection, ReportView, StatusEvent, Subjects, decode, validate_site_id};

/// Reasons a status event can be refused for, pre-registered at zero.
pub const STATUS_REASONS: [&str; 4] = ["too_large", "malformed", "bad_site_id", "subject_mismatch"];

/// Decodes and validates a report that arrived on `subject`, borrowing from `payload`.
pub fn report<'a>(
    subjects: &Subjects,
    subject: &str,
    payload: &'a [u8],
) -> Result<ReportView<'a>, Rejection> {
    let site = subject_site(subjects, "report", subject)?;
    decode_view(payload, site)
}

/// Decodes a status event and checks it names the site of its subject.
pub fn status(
    subjects: &Subjects,
    subject: &str,
    payload: &[u8],
) -> Result<StatusEvent, Rejection> {
    let site = subject_site(subjects, "status", subject)?;
    let event: StatusEvent = decode(payload)?;
    validate_site_id(&event.site_id).map_err(Rejection::BadSiteId)?;
    if event.site_id != site {
        return Err(Rejection::SubjectMismatch {
            site_id: event.site_id,
            subject_site: site.to_owned(),
        });
    }
    Ok(event)
}

/// The site token of `<prefix>.<kind>.<site>`. The wildcard subscription only
/// delivers such subjects, but the token itself is whatever the publisher chose.
fn subject_site<'a>(
    subjects: &Subjects,
    kind: &str,
    subject: &'a str,
) -> Result<&'a str, Rejection> {
    subjects
        .site_of(kind, subject)
        .ok_or_else(|| Rejection::SubjectMismatch {
            site_id: String::new(),
            subject_site: subject.to_owned(),
        })
}

#[cfg(test)]
mod tests {
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
}
