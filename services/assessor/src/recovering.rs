//! Recovering: a site back online after being offline, draining the
//! store-and-forward backlog it built while cut off.
//!
//! Until the backlog is empty the site is online but not yet whole: its
//! data is still on its way. From two consecutive reports this estimates
//! the drain rate and the time to empty; a backlog that grows instead is a
//! `degraded` finding. Pure: depths and elapsed milliseconds in, a
//! [`Drain`] and reason text out.

use serde::Deserialize;

use crate::numbers::fmt_num;

/// `[recovering]` of the rules file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecoverRule {
    /// Store-and-forward messages pending (all categories together) above
    /// which a site back from offline is recovering; it has recovered at or
    /// below it. 0 would make any backlog count.
    pub min_depth: u64,
}

impl Default for RecoverRule {
    fn default() -> Self {
        RecoverRule { min_depth: 100 }
    }
}

/// How the backlog moved between two reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drain {
    /// Falling: messages a minute, and seconds until empty at that rate.
    Falling { per_min: f64, empty_in_s: u64 },
    /// Not falling (or no time passed to tell).
    Flat,
    /// Growing since the previous report.
    Growing { from: u64 },
}

/// From the previous depth to this one over `elapsed_ms`.
pub fn drain(previous: u64, depth: u64, elapsed_ms: u64) -> Drain {
    if depth > previous {
        return Drain::Growing { from: previous };
    }
    if depth == previous || elapsed_ms == 0 {
        return Drain::Flat;
    }
    let per_min = (previous - depth) as f64 * 60_000.0 / elapsed_ms as f64;
    let empty_in_s = (depth as f64 * 60.0 / per_min).ceil() as u64;
    Drain::Falling {
        per_min,
        empty_in_s,
    }
}

/// The finding's reason. Rounded to two significant digits and whole
/// minutes so that it (and so an event) changes only when the picture does.
pub fn reason(depth: u64, drain: Option<Drain>) -> String {
    let pending = fmt_count(depth as f64);
    match drain {
        None => format!("recovering: {pending} pending since back online"),
        Some(Drain::Flat) => format!("recovering: {pending} pending, not draining"),
        Some(Drain::Falling {
            per_min,
            empty_in_s,
        }) => format!(
            "recovering: {pending} pending, draining {}/min, empty in ~{}",
            fmt_count(per_min),
            fmt_eta(empty_in_s)
        ),
        Some(Drain::Growing { from }) => format!(
            "store-and-forward growing since back online: {} → {pending} pending",
            fmt_count(from as f64)
        ),
    }
}

/// Two significant digits: 12400 → "12k", 830 → "830", 1.26 → "1.3".
fn fmt_count(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        return "0".to_owned();
    }
    let digits = v.log10().floor() as i32;
    let step = 10f64.powi(digits - 1);
    let rounded = (v / step).round() * step;
    match rounded {
        r if r >= 1e6 => format!("{}M", fmt_num(r / 1e6)),
        r if r >= 1e4 => format!("{}k", fmt_num(r / 1e3)),
        r => fmt_num((r * 10.0).round() / 10.0),
    }
}

/// "45 s" under two minutes (to 5 s), else whole minutes or hours.
fn fmt_eta(s: u64) -> String {
    match s {
        s if s < 120 => format!("{} s", s.div_ceil(5) * 5),
        s if s < 2 * 3600 => format!("{} min", s.div_ceil(60)),
        s => format!("{} h", s.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests;
