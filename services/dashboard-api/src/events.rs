//! Status events as the SSE relay handles them, without I/O: checking a
//! payload from `<prefix>.status.<site_id>` and turning it into the JSON that
//! every client receives.
//!
//! The JSON is rendered once per event, not once per connected client.

use healthmon_proto::{DecodeError, StatusEvent, validate_site_id};
use thiserror::Error;

/// An event as fanned out to SSE clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    pub site_id: String,
    /// The `StatusEvent` as JSON, with the wire keys.
    pub json: String,
}

impl Relayed {
    /// Whether a client following `site` (or every site) wants this event.
    pub fn wanted_by(&self, site: Option<&str>) -> bool {
        site.is_none_or(|s| s == self.site_id)
    }
}

#[derive(Debug, Error)]
pub enum EventRejection {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("invalid site_id {0:?} in status event")]
    BadSiteId(String),
    #[error("status event for site {site_id:?} arrived on the subject of {subject_site:?}")]
    SubjectMismatch {
        site_id: String,
        subject_site: String,
    },
}

impl EventRejection {
    /// Every `reason` label, so the counter can be pre-registered at zero.
    pub const REASONS: [&'static str; 4] =
        ["too_large", "malformed", "bad_site_id", "subject_mismatch"];

    pub fn reason(&self) -> &'static str {
        match self {
            EventRejection::Decode(DecodeError::TooLarge(_)) => "too_large",
            EventRejection::Decode(DecodeError::Malformed(_)) => "malformed",
            EventRejection::BadSiteId(_) => "bad_site_id",
            EventRejection::SubjectMismatch { .. } => "subject_mismatch",
        }
    }
}

/// Decodes a MessagePack `StatusEvent` that arrived for `subject_site`.
pub fn relay(payload: &[u8], subject_site: &str) -> Result<Relayed, EventRejection> {
    let event: StatusEvent = healthmon_proto::decode(payload)?;
    if validate_site_id(&event.site_id).is_err() {
        return Err(EventRejection::BadSiteId(event.site_id));
    }
    if event.site_id != subject_site {
        return Err(EventRejection::SubjectMismatch {
            site_id: event.site_id,
            subject_site: subject_site.to_owned(),
        });
    }
    // A StatusEvent holds only strings, integers and enums: it always has a JSON form.
    let json = serde_json::to_string(&event).unwrap_or_default();
    Ok(Relayed {
        site_id: event.site_id,
        json,
    })
}

#[cfg(test)]
mod tests;
