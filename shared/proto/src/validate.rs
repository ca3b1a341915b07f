//! What a decoded report must satisfy before central state accepts it.
//!
//! Every rejection has a stable, low-cardinality `reason()` used as the
//! `reason` label of the services' `*_rejected_total` counters. The limits
//! bound what one site can make the centre hold in memory; together with
//! [`crate::codec::MAX_PAYLOAD_BYTES`] they cap a hostile or buggy site.
//! The site's own clock (`sent_at_ms`) is only sanity-checked: central time
//! decides timeouts, so a skewed site clock (even one reset to 1970) is
//! shown, not rejected; but a value after [`MAX_SENT_AT_MS`] (2100) is not a
//! clock at all, usually micro- or nanoseconds sent as milliseconds, and is
//! refused as `bad_timestamp` so the publisher learns why.

use thiserror::Error;

use crate::codec::DecodeError;
use crate::labels::{self, LabelError};
use crate::report::{HealthReport, WIRE_VERSION};
use crate::subjects::{SiteIdError, validate_site_id};
use crate::text::printable_within;
use crate::view::ReportView;

pub const MIN_INTERVAL_MS: u64 = 100;
pub const MAX_INTERVAL_MS: u64 = 24 * 60 * 60 * 1000;
pub const MAX_NODES: usize = 32;
pub const MAX_CONNECTIONS: usize = 512;
pub const MAX_CUSTOM: usize = 64;
pub const MAX_NAME_LEN: usize = 128;
pub const MAX_INSTANCE_LEN: usize = 64;
/// 2100-01-01T00:00:00Z in unix milliseconds: the latest `sent_at_ms` accepted.
pub const MAX_SENT_AT_MS: u64 = 4_102_444_800_000;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum Rejection {
    #[error("payload too large ({0} bytes)")]
    TooLarge(usize),
    #[error("malformed payload: {0}")]
    Malformed(String),
    #[error("unsupported report version {0} (this build speaks {WIRE_VERSION})")]
    UnsupportedVersion(u32),
    #[error("invalid site_id: {0}")]
    BadSiteId(SiteIdError),
    #[error("site_id {site_id:?} does not match the subject's site {subject_site:?}")]
    SubjectMismatch {
        site_id: String,
        subject_site: String,
    },
    #[error("instance must be 1-{MAX_INSTANCE_LEN} printable characters")]
    BadInstance,
    #[error("seq must start at 1")]
    BadSeq,
    #[error("interval_ms {0} outside {MIN_INTERVAL_MS}..={MAX_INTERVAL_MS}")]
    BadInterval(u64),
    #[error(
        "sent_at_ms {0} is after the year 2100: unix milliseconds expected (micro- or nanoseconds?)"
    )]
    BadTimestamp(u64),
    #[error("too many {what}: {count} (max {max})")]
    TooManyItems {
        what: &'static str,
        count: usize,
        max: usize,
    },
    #[error("{what} name must be 1-{MAX_NAME_LEN} characters without control characters")]
    BadName { what: &'static str },
    #[error("duplicate {what} name {name:?}")]
    DuplicateName { what: &'static str, name: String },
    #[error("{field} must be a finite number within range, got {value}")]
    BadNumber { field: String, value: f64 },
    #[error("seq {seq} is not newer than {last} from the same instance")]
    StaleSeq { seq: u64, last: u64 },
    #[error("bad label: {0}")]
    BadLabel(LabelError),
    /// Not a contract violation: the aggregator's `--auto-register=false`
    /// refuses sites the fleet registry does not list.
    #[error("site {0:?} is not in the fleet registry (auto-registration is off)")]
    Unregistered(String),
}

impl Rejection {
    /// Stable label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::TooLarge(_) => "too_large",
            Rejection::Malformed(_) => "malformed",
            Rejection::UnsupportedVersion(_) => "unsupported_version",
            Rejection::BadSiteId(_) => "bad_site_id",
            Rejection::SubjectMismatch { .. } => "subject_mismatch",
            Rejection::BadInstance => "bad_instance",
            Rejection::BadSeq => "bad_seq",
            Rejection::BadInterval(_) => "bad_interval",
            Rejection::BadTimestamp(_) => "bad_timestamp",
            Rejection::TooManyItems { .. } => "too_many_items",
            Rejection::BadName { .. } => "bad_name",
            Rejection::DuplicateName { .. } => "duplicate_name",
            Rejection::BadNumber { .. } => "bad_number",
            Rejection::StaleSeq { .. } => "stale_seq",
            Rejection::BadLabel(_) => "bad_label",
            Rejection::Unregistered(_) => "unregistered",
        }
    }

    /// Every label `reason()` can return, so counters can be pre-registered at zero.
    pub const REASONS: [&'static str; 16] = [
        "too_large",
        "malformed",
        "unsupported_version",
        "bad_site_id",
        "subject_mismatch",
        "bad_instance",
        "bad_seq",
        "bad_interval",
        "bad_timestamp",
        "too_many_items",
        "bad_name",
        "duplicate_name",
        "bad_number",
        "stale_seq",
        "bad_label",
        "unregistered",
    ];
}

impl From<DecodeError> for Rejection {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::TooLarge(n) => Rejection::TooLarge(n),
            DecodeError::Malformed(inner) => Rejection::Malformed(inner.to_string()),
        }
    }
}

/// Decodes and validates a report that arrived on the subject of `subject_site`.
pub fn decode_report(payload: &[u8], subject_site: &str) -> Result<HealthReport, Rejection> {
    decode_view(payload, subject_site).map(|view| view.to_report())
}

/// [`decode_report`] without copying: the services' hot path.
pub fn decode_view<'a>(payload: &'a [u8], subject_site: &str) -> Result<ReportView<'a>, Rejection> {
    let view = ReportView::decode(payload)?;
    validate_view(&view, subject_site)?;
    Ok(view)
}

pub fn validate_report(r: &HealthReport, subject_site: &str) -> Result<(), Rejection> {
    validate_view(&r.view(), subject_site)
}

pub fn validate_view(r: &ReportView<'_>, subject_site: &str) -> Result<(), Rejection> {
    if r.v != WIRE_VERSION {
        return Err(Rejection::UnsupportedVersion(r.v));
    }
    validate_site_id(r.site_id).map_err(Rejection::BadSiteId)?;
    if r.site_id != subject_site {
        return Err(Rejection::SubjectMismatch {
            site_id: r.site_id.to_owned(),
            subject_site: subject_site.to_owned(),
        });
    }
    if r.instance.is_empty() || !printable_within(r.instance, MAX_INSTANCE_LEN) {
        return Err(Rejection::BadInstance);
    }
    if r.seq == 0 {
        return Err(Rejection::BadSeq);
    }
    if !(MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&r.interval_ms) {
        return Err(Rejection::BadInterval(r.interval_ms));
    }
    if r.sent_at_ms > MAX_SENT_AT_MS {
        return Err(Rejection::BadTimestamp(r.sent_at_ms));
    }
    check_count("nodes", r.nodes.len(), MAX_NODES)?;
    check_count("connections", r.connections.len(), MAX_CONNECTIONS)?;
    check_count("custom", r.custom.len(), MAX_CUSTOM)?;
    check_names("node", r.nodes.iter().map(|n| n.name))?;
    check_names("connection", r.connections.iter().map(|c| c.name))?;
    check_names("custom", r.custom.iter().map(|(k, _)| *k))?;
    check_count("labels", r.labels.len(), labels::MAX_LABELS)?;
    check_names("label", r.labels.iter().map(|(k, _)| *k))?;
    for (key, value) in &r.labels {
        labels::check_key(key).map_err(Rejection::BadLabel)?;
        labels::check_value(key, value).map_err(Rejection::BadLabel)?;
    }

    check_number("script_errors.per_min", r.script_errors.per_min, f64::MAX)?;
    check_number("alarm_errors.per_min", r.alarm_errors.per_min, f64::MAX)?;
    if let Some(res) = &r.resources {
        check_number("resources.cpu_pct", res.cpu_pct, 100.0)?;
        check_number("resources.disk_used_pct", res.disk_used_pct, 100.0)?;
        check_number("resources.load1", res.load1, f64::MAX)?;
        if res.mem_used_bytes > res.mem_total_bytes {
            return Err(Rejection::BadNumber {
                field: "resources.mem_used_bytes".into(),
                value: res.mem_used_bytes as f64,
            });
        }
    }
    for (name, value) in &r.custom {
        if !value.is_finite() {
            return Err(Rejection::BadNumber {
                field: format!("custom.{name}"),
                value: *value,
            });
        }
    }
    Ok(())
}

fn check_count(what: &'static str, count: usize, max: usize) -> Result<(), Rejection> {
    if count > max {
        return Err(Rejection::TooManyItems { what, count, max });
    }
    Ok(())
}

/// Below this many names, duplicates are looked for pairwise (no allocation);
/// above it, in a sorted copy of the references.
const PAIRWISE_MAX: usize = 16;

/// Names must be well-formed and unique within their list. Lists are short
/// (counts are checked first), so this never hashes a name: hashing every
/// name of every report was a visible share of ingest CPU.
fn check_names<'a, I>(what: &'static str, names: I) -> Result<(), Rejection>
where
    I: Iterator<Item = &'a str> + Clone,
{
    let mut count = 0;
    for name in names.clone() {
        if name.is_empty() || !printable_within(name, MAX_NAME_LEN) {
            return Err(Rejection::BadName { what });
        }
        count += 1;
    }
    let duplicate = if count <= PAIRWISE_MAX {
        names
            .clone()
            .enumerate()
            .find(|(i, name)| names.clone().skip(i + 1).any(|other| other == *name))
            .map(|(_, name)| name)
    } else {
        let mut sorted: Vec<&str> = names.collect();
        sorted.sort_unstable();
        sorted
            .windows(2)
            .find(|pair| pair[0] == pair[1])
            .map(|pair| pair[0])
    };
    match duplicate {
        Some(name) => Err(Rejection::DuplicateName {
            what,
            name: name.to_owned(),
        }),
        None => Ok(()),
    }
}

/// A non-negative finite number no greater than `max`.
fn check_number(field: &str, value: f64, max: f64) -> Result<(), Rejection> {
    if value.is_finite() && (0.0..=max).contains(&value) {
        Ok(())
    } else {
        Err(Rejection::BadNumber {
            field: field.to_owned(),
            value,
        })
    }
}

#[cfg(test)]
mod tests;
