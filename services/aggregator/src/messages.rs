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
mod tests;
