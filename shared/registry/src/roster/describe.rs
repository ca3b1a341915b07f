//! A [`Plan`] as a person reads it before it is applied (`healthmon fleet
//! apply` prints it, with `--dry-run` alone): a line per site that changes,
//! with only what changes, then the counts.

use std::fmt::Write as _;

use super::{Declared, Plan};

/// The plan as a person reads it: a line per site that changes — `+` added
/// with what it declares, `~` changed with only what changes, `-` removed —
/// then the counts. `left_out`: registered sites the file does not name,
/// kept because `--prune` was not given.
pub fn describe(plan: &Plan, left_out: usize) -> String {
    let mut out = String::new();
    for (id, d) in &plan.add {
        let _ = writeln!(out, "+ {id}{}", declared(d));
    }
    for (id, before, after) in &plan.change {
        let _ = writeln!(out, "~ {id}: {}", changes(before, after).join("; "));
    }
    for id in &plan.remove {
        let _ = writeln!(out, "- {id}");
    }
    if plan.is_empty() {
        let _ = writeln!(
            out,
            "0 changes: the registry matches the file ({} unchanged)",
            plan.unchanged
        );
    } else {
        let _ = writeln!(out, "{}", plan.counts());
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "{left_out} registered {} not in the file (kept; --prune removes them)",
            if left_out == 1 {
                "site is"
            } else {
                "sites are"
            }
        );
    }
    out
}

/// `  region=eu-west tier=gold interval=5m expected=false`.
fn declared(d: &Declared) -> String {
    let mut parts: Vec<String> = d.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if let Some(ms) = d.interval_ms {
        parts.push(format!("interval={}", interval(ms)));
    }
    if !d.expected {
        parts.push("expected=false".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("  {}", parts.join(" "))
    }
}

/// What changes between two declarations, one part per field or label.
fn changes(before: &Declared, after: &Declared) -> Vec<String> {
    let mut parts = Vec::new();
    let keys: std::collections::BTreeSet<&String> =
        before.labels.keys().chain(after.labels.keys()).collect();
    for key in keys {
        match (before.labels.get(key), after.labels.get(key)) {
            (None, Some(v)) => parts.push(format!("+{key}={v}")),
            (Some(v), None) => parts.push(format!("-{key}={v}")),
            (Some(a), Some(b)) if a != b => parts.push(format!("{key}: {a} -> {b}")),
            _ => {}
        }
    }
    if before.interval_ms != after.interval_ms {
        let show = |ms: Option<u64>| ms.map_or_else(|| "none".to_owned(), interval);
        parts.push(format!(
            "interval: {} -> {}",
            show(before.interval_ms),
            show(after.interval_ms)
        ));
    }
    if before.expected != after.expected {
        parts.push(format!(
            "expected: {} -> {}",
            before.expected, after.expected
        ));
    }
    parts
}

/// `30s`, `5m`, `1h 30m`: as a roster writes it.
pub(super) fn interval(ms: u64) -> String {
    humantime::format_duration(std::time::Duration::from_millis(ms)).to_string()
}

#[cfg(test)]
mod tests;
