//! What the registry holds for a site, and how it is laid out in the KV
//! bucket: three keys per site, each written by the party that decides it,
//! so no write ever has to read-modify-write another party's data.
//!
//! | key | value (JSON) | written by |
//! |---|---|---|
//! | `site.<id>` | [`SiteRecord`]: expected, labels, interval, registration | roster (`healthmon fleet apply`), the API (labels), the aggregator (auto-registration, what the site last declared) |
//! | `maintenance.<id>` | [`Maintenance`]: `{since_ms, until_ms?, reason?, by}` | the API (admins) |
//! | `ack.<id>` | [`Ack`]: who acknowledged which state, with a note | the API |
//!
//! Values are JSON with string keys (readable with `nats kv get`); unknown
//! keys are ignored and missing optional ones default, so older and newer
//! versions interoperate. Nothing here is health history: no report value
//! is ever written.

use healthmon_proto::{Connectivity, Health, validate_site_id};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::labels::{self, LabelError, Labels};

/// Longest maintenance reason or acknowledgement note.
pub const MAX_TEXT_LEN: usize = 200;

/// Which key of a site an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Site,
    Maintenance,
    Ack,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Site, Kind::Maintenance, Kind::Ack];

    fn prefix(self) -> &'static str {
        match self {
            Kind::Site => "site",
            Kind::Maintenance => "maintenance",
            Kind::Ack => "ack",
        }
    }

    /// The KV key of `site_id`'s entry of this kind.
    pub fn key(self, site_id: &str) -> String {
        format!("{}.{site_id}", self.prefix())
    }

    /// The kind and site of a KV key, if it is one of ours.
    pub fn of_key(key: &str) -> Option<(Kind, &str)> {
        let (prefix, site) = key.split_once('.')?;
        let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
        validate_site_id(site).ok()?;
        Some((kind, site))
    }
}

/// How a site came into the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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
pub struct SiteRecord {
    /// Whether the centre expects reports: a silent expected site goes
    /// offline; an unexpected one is shown but never judged for silence.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    /// When it was set, unix ms.
    pub since_ms: u64,
    /// When it ends by itself, unix ms; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
pub enum EntryError {
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

fn check_text(what: &'static str, text: &str) -> Result<(), EntryError> {
    if text.chars().count() > MAX_TEXT_LEN || text.chars().any(char::is_control) {
        return Err(EntryError::Text { what });
    }
    Ok(())
}

/// The interval bounds of the wire contract.
pub fn check_interval(ms: u64) -> Result<(), EntryError> {
    use healthmon_proto::validate::{MAX_INTERVAL_MS, MIN_INTERVAL_MS};
    if !(MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&ms) {
        return Err(EntryError::Interval {
            min: MIN_INTERVAL_MS,
            max: MAX_INTERVAL_MS,
            got: ms,
        });
    }
    Ok(())
}

impl SiteRecord {
    pub fn check(&self) -> Result<(), EntryError> {
        labels::check(&self.labels)?;
        labels::check(&self.declared_labels)?;
        if let Some(ms) = self.interval_ms {
            check_interval(ms)?;
        }
        Ok(())
    }
}

impl Maintenance {
    pub fn check(&self) -> Result<(), EntryError> {
        if let Some(reason) = &self.reason {
            check_text("reason", reason)?;
        }
        check_text("name", &self.by)?;
        if self.until_ms.is_some_and(|until| until <= self.since_ms) {
            return Err(EntryError::Window);
        }
        Ok(())
    }
}

impl Ack {
    pub fn check(&self) -> Result<(), EntryError> {
        check_text("note", &self.note)?;
        check_text("name", &self.by)
    }
}

/// JSON of a value, for the bucket.
pub fn encode<T: Serialize>(value: &T) -> bytes::Bytes {
    // Serialising these plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default().into()
}

/// A value read back from the bucket, checked as when it was written (a
/// value put there by hand with `nats kv put` gets the same scrutiny).
pub fn decode_site(bytes: &[u8]) -> Result<SiteRecord, EntryError> {
    let record: SiteRecord =
        serde_json::from_slice(bytes).map_err(|e| EntryError::Json(e.to_string()))?;
    record.check()?;
    Ok(record)
}

pub fn decode_maintenance(bytes: &[u8]) -> Result<Maintenance, EntryError> {
    let window: Maintenance =
        serde_json::from_slice(bytes).map_err(|e| EntryError::Json(e.to_string()))?;
    window.check()?;
    Ok(window)
}

pub fn decode_ack(bytes: &[u8]) -> Result<Ack, EntryError> {
    let ack: Ack = serde_json::from_slice(bytes).map_err(|e| EntryError::Json(e.to_string()))?;
    ack.check()?;
    Ok(ack)
}

#[cfg(test)]
mod tests;
