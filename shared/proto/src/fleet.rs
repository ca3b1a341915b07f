//! The fleet registry's data: what the centre expects of a site and what
//! was decided about it — the values of the registry's KV bucket
//! (`healthmon-registry` stores and watches them) and what the API shows.
//! JSON with string keys; unknown keys are ignored and missing optional
//! ones default, so older and newer versions interoperate.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::labels::{self, LabelError, Labels};
use crate::status::{Connectivity, Health};

/// Longest maintenance reason or acknowledgement note.
pub const MAX_TEXT_LEN: usize = 200;

/// How a site came into the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `healthmon fleet apply`.
    Roster,
    /// Its first report, with auto-registration on.
    #[default]
    Report,
    /// An admin through the API.
    Api,
}

/// `site.<id>`: what the centre expects of a site, and what it last heard
/// the site declare about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SiteRecord {
    /// Whether the centre expects reports: a silent expected site goes
    /// offline; an unexpected one is shown ("not expected to report") but
    /// not judged for silence until it reports, and like any other after.
    #[serde(default = "yes")]
    pub expected: bool,
    /// Declared by an operator; win over the labels the site sends.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// The interval the centre judges the site by, instead of the one it declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<u64>,
    /// When it was registered, unix ms (central clock).
    pub registered_ms: u64,
    #[serde(default)]
    pub source: Source,
    /// The interval the site last declared in a report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_interval_ms: Option<u64>,
    /// The labels the site last sent in a report.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub declared_labels: Labels,
    /// Central receive time of its first report; `None`: never reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_report_ms: Option<u64>,
}

fn yes() -> bool {
    true
}

impl SiteRecord {
    /// A site an operator declared (roster or API), not heard from yet.
    pub fn declared(registered_ms: u64, source: Source) -> Self {
        SiteRecord {
            expected: true,
            labels: Labels::new(),
            interval_ms: None,
            registered_ms,
            source,
            declared_interval_ms: None,
            declared_labels: Labels::new(),
            first_report_ms: None,
        }
    }

    /// The labels the site shows (declared win over sent).
    pub fn effective_labels(&self) -> Labels {
        labels::effective(&self.labels, &self.declared_labels)
    }
}

/// `maintenance.<id>`: a window in which the site is not counted as failing.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Maintenance {
    /// When it was set, unix ms.
    pub since_ms: u64,
    /// When it ends by itself, unix ms; open-ended when absent.
    pub until_ms: Option<u64>,
    pub reason: Option<String>,
    /// Who set it: the admin token's name, or the proxy user.
    pub by: String,
}

impl Maintenance {
    /// Whether the window is open at `now_ms` (it ends at `until_ms`).
    pub fn active_at(&self, now_ms: u64) -> bool {
        self.until_ms.is_none_or(|until| now_ms < until)
    }
}

/// `ack.<id>`: someone has seen the site's current problem. It holds for
/// the state it names only: once the site's status changes (a new
/// `since_ms`), it no longer applies, without anyone deleting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Ack {
    pub at_ms: u64,
    pub by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub connectivity: Connectivity,
    pub health: Health,
    /// `status_since_ms` of the state acknowledged.
    pub since_ms: u64,
}

impl Ack {
    /// Whether it still applies to a site in this state.
    pub fn applies_to(
        &self,
        connectivity: Connectivity,
        health: Health,
        since_ms: Option<u64>,
    ) -> bool {
        self.connectivity == connectivity
            && self.health == health
            && since_ms == Some(self.since_ms)
    }
}

/// A value that cannot be stored or that was read back broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FleetError {
    #[error("unreadable registry value: {0}")]
    Json(String),
    #[error(transparent)]
    Labels(#[from] LabelError),
    #[error("the {what} must be at most {MAX_TEXT_LEN} characters without control characters")]
    Text { what: &'static str },
    #[error("the interval must be within {min}..={max} ms, got {got}")]
    Interval { min: u64, max: u64, got: u64 },
    #[error("a maintenance window must end after it starts")]
    Window,
}

fn check_text(what: &'static str, text: &str) -> Result<(), FleetError> {
    if !crate::text::printable_within(text, MAX_TEXT_LEN) {
        return Err(FleetError::Text { what });
    }
    Ok(())
}

/// Why a registered site that has not reported since the centre started
/// is shown as it is: the first connectivity reason of its row and events.
pub mod unheard {
    /// It reported before, but not to this centre since it started.
    pub const NO_REPORT_SINCE_START: &str = "no report since the centre started";
    /// The registry lists it, and it never reported at all.
    pub const NEVER_REPORTED: &str = "never reported";
    /// The registry says not to expect reports (`expected = false`).
    pub const NOT_EXPECTED: &str = "not expected to report";
}

/// The interval bounds of the wire contract.
pub fn check_interval(ms: u64) -> Result<(), FleetError> {
    use crate::validate::{MAX_INTERVAL_MS, MIN_INTERVAL_MS};
    if !(MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&ms) {
        return Err(FleetError::Interval {
            min: MIN_INTERVAL_MS,
            max: MAX_INTERVAL_MS,
            got: ms,
        });
    }
    Ok(())
}

impl SiteRecord {
    pub fn check(&self) -> Result<(), FleetError> {
        labels::check(&self.labels)?;
        labels::check(&self.declared_labels)?;
        if let Some(ms) = self.interval_ms {
            check_interval(ms)?;
        }
        Ok(())
    }
}

impl Maintenance {
    pub fn check(&self) -> Result<(), FleetError> {
        if let Some(reason) = &self.reason {
            check_text("reason", reason)?;
        }
        check_text("name", &self.by)?;
        if self.until_ms.is_some_and(|until| until <= self.since_ms) {
            return Err(FleetError::Window);
        }
        Ok(())
    }
}

impl Ack {
    pub fn check(&self) -> Result<(), FleetError> {
        Self::check_note(&self.note)?;
        check_text("name", &self.by)
    }

    /// The note's rule alone, to refuse a bad one before anything else.
    pub fn check_note(note: &str) -> Result<(), FleetError> {
        check_text("note", note)
    }
}

#[cfg(test)]
mod tests;
