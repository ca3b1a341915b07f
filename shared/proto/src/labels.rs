//! Labels: the key/value pairs operators group sites by (`region=eu-west`),
//! declared in the fleet registry or sent by the site in its reports.
//!
//! Bounded so that every label can become a Prometheus label of
//! `healthmon_site_info` and a page filter: keys `[a-z_][a-z0-9_]{0,31}`
//! (never `site`, which every per-site series already carries, nor a
//! leading `__`, which Prometheus reserves), values 1–64 printable
//! characters, at most [`MAX_LABELS`] per site. A site may send labels in
//! its reports; labels declared in the registry win over those.

use std::collections::BTreeMap;

use thiserror::Error;

/// Most labels one site may carry (declared and sent together).
pub const MAX_LABELS: usize = 16;
pub const MAX_KEY_LEN: usize = 32;
pub const MAX_VALUE_LEN: usize = 64;

/// A site's labels, sorted by key.
pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LabelError {
    #[error("label key {0:?} must match [a-z_][a-z0-9_]{{0,31}}")]
    BadKey(String),
    #[error("label key {0:?} is reserved")]
    ReservedKey(String),
    #[error("label {key:?}: the value must be 1-{MAX_VALUE_LEN} printable characters")]
    BadValue { key: String },
    #[error("at most {MAX_LABELS} labels, got {0}")]
    TooMany(usize),
}

/// Checks one key.
pub fn check_key(key: &str) -> Result<(), LabelError> {
    let mut bytes = key.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    let rest_ok = bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !first_ok || !rest_ok || key.len() > MAX_KEY_LEN {
        return Err(LabelError::BadKey(key.to_owned()));
    }
    if key == "site" || key.starts_with("__") {
        return Err(LabelError::ReservedKey(key.to_owned()));
    }
    Ok(())
}

/// Checks one value: 1–64 printable characters (no control characters).
pub fn check_value(key: &str, value: &str) -> Result<(), LabelError> {
    if value.is_empty() || !crate::text::printable_within(value, MAX_VALUE_LEN) {
        return Err(LabelError::BadValue {
            key: key.to_owned(),
        });
    }
    Ok(())
}

/// Checks a whole set of labels.
pub fn check(labels: &Labels) -> Result<(), LabelError> {
    if labels.len() > MAX_LABELS {
        return Err(LabelError::TooMany(labels.len()));
    }
    for (key, value) in labels {
        check_key(key)?;
        check_value(key, value)?;
    }
    Ok(())
}

/// The labels a site shows: what it sends, overridden key by key by what
/// the registry declares.
pub fn effective(declared: &Labels, sent: &Labels) -> Labels {
    let mut all = sent.clone();
    all.extend(declared.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

#[cfg(test)]
mod tests;
