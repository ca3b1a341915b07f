//! What the assessor judges of a site beyond its connectivity and health:
//! findings gone stale, flapping, recovering after an outage, and a health
//! score that lists what took points off.
//!
//! Carried as one optional `judgement` key in status events, the assessor's
//! status rows and the aggregator's site rows and details, so consumers
//! written before it keep working (the key is absent when there is nothing
//! to say, and unknown keys are ignored everywhere). Every field inside is
//! optional too, for the same reason.

use serde::{Deserialize, Serialize};

/// Judgements of one site; `Judgement::default()` says nothing.
// Absent fields are left out (`skip_serializing_none`): the default is `{}`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Judgement {
    /// While the site is late or offline: the findings of its last report,
    /// no longer current (as of `last_report_ms`). `reasons` then holds
    /// only what is current, the silence itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_reasons: Vec<String>,
    /// Its connectivity or health changed more often than the rules file
    /// allows within its window; events keep flowing, marked so.
    pub flapping: Option<Flapping>,
    /// Back online after being offline, with a store-and-forward backlog
    /// above the rules file's threshold that is draining.
    pub recovering: Option<Recovering>,
    /// 0–100, 100 meaning nothing is wrong; orders sites within a health
    /// level, never replaces it. Absent while the site was never judged.
    pub score: Option<u8>,
    /// What took points off `score`, largest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub score_off: Vec<Deduction>,
    /// Its time online against the time the centre could judge it, since
    /// the assessor started. Absent while the site was never judged.
    pub availability: Option<Availability>,
}

/// A site that keeps changing state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Flapping {
    /// State changes within the window (a decaying count, so an estimate).
    pub changes: u32,
    /// The window, seconds (the rules file's `flapping.window`).
    pub window_s: u32,
}

/// A site draining the backlog it built while cut off.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Recovering {
    /// Store-and-forward messages pending, all categories, at the last report.
    pub depth: u64,
    /// Messages drained per minute between its last two reports; absent
    /// until two reports since it came back have been seen.
    pub drain_per_min: Option<f64>,
    /// Estimated seconds until the backlog is empty at that rate.
    pub empty_in_s: Option<u64>,
}

/// Online time against judged time: the time the centre could judge the
/// site (not blind, not suspecting itself) while its state was known.
/// At a later moment, add the time since `as_of_ms` to `judged_ms`, and
/// to `online_ms` too while the site is online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Availability {
    pub online_ms: u64,
    pub judged_ms: u64,
    /// Counted since (unix ms): when the assessor started.
    pub since_ms: u64,
    /// The figures are as of this moment (unix ms).
    pub as_of_ms: u64,
}

/// Points a score lost, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Deduction {
    pub points: u8,
    pub reason: String,
}

impl Judgement {
    /// Nothing to say: serialised as no key at all.
    pub fn is_empty(&self) -> bool {
        *self == Judgement::default()
    }
}

/// "7 changes in 10 min": how a flapping reason reads.
pub fn flapping_reason(flapping: &Flapping) -> String {
    format!(
        "flapping: {} changes in {}",
        flapping.changes,
        fmt_window(flapping.window_s)
    )
}

/// "10 min", "90 s", "2 h": a window in the largest whole unit.
pub fn fmt_window(seconds: u32) -> String {
    match seconds {
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests;
