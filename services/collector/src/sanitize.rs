//! Makes a collected report acceptable to central before it is sent.
//!
//! Names and values come from the site's own subsystems through a mapping
//! someone wrote by hand; a connection label with a newline or 600 of them
//! must not make central reject every report of the site. Each fix is
//! described so the collector can log the misconfiguration, and the report
//! still goes out with everything that was fine.

use std::collections::{BTreeMap, HashSet};

use healthmon_proto::validate::{MAX_CONNECTIONS, MAX_CUSTOM, MAX_NAME_LEN, MAX_NODES};
use healthmon_proto::{HealthReport, Resources};

/// Repairs `report` in place and returns what was repaired (empty: nothing).
pub fn sanitize(report: &mut HealthReport) -> Vec<String> {
    let mut fixes = Vec::new();

    let mut connections = std::mem::take(&mut report.connections);
    clean_list(&mut connections, "connection", &mut fixes, |c| &mut c.name);
    cap(&mut connections, MAX_CONNECTIONS, "connections", &mut fixes);
    report.connections = connections;

    let mut nodes = std::mem::take(&mut report.nodes);
    clean_list(&mut nodes, "node", &mut fixes, |n| &mut n.name);
    cap(&mut nodes, MAX_NODES, "nodes", &mut fixes);
    report.nodes = nodes;

    let custom = std::mem::take(&mut report.custom);
    let mut cleaned = BTreeMap::new();
    for (name, value) in custom {
        let clean = clean_name(&name);
        if clean != name {
            fixes.push(format!("custom gauge name {name:?} cleaned to {clean:?}"));
        }
        if !value.is_finite() {
            fixes.push(format!(
                "custom gauge {clean:?} dropped: value {value} is not finite"
            ));
            continue;
        }
        if cleaned.len() >= MAX_CUSTOM {
            fixes.push(format!(
                "more than {MAX_CUSTOM} custom gauges: {clean:?} dropped"
            ));
            continue;
        }
        if cleaned.insert(clean.clone(), value).is_some() {
            fixes.push(format!(
                "custom gauge {clean:?} defined twice after cleaning"
            ));
        }
    }
    report.custom = cleaned;

    fix_rate(
        &mut report.script_errors.per_min,
        "script_errors.per_min",
        &mut fixes,
    );
    fix_rate(
        &mut report.alarm_errors.per_min,
        "alarm_errors.per_min",
        &mut fixes,
    );
    if let Some(res) = &mut report.resources {
        fix_resources(res, &mut fixes);
    }
    fixes
}

/// Cleans each name, then drops later duplicates (the first one wins).
fn clean_list<T>(
    items: &mut Vec<T>,
    what: &str,
    fixes: &mut Vec<String>,
    name: impl Fn(&mut T) -> &mut String,
) {
    let mut seen = HashSet::new();
    items.retain_mut(|item| {
        let n = name(item);
        let clean = clean_name(n);
        if clean != *n {
            fixes.push(format!("{what} name {n:?} cleaned to {clean:?}"));
            *n = clean;
        }
        if seen.insert(n.clone()) {
            true
        } else {
            fixes.push(format!("duplicate {what} {n:?} dropped"));
            false
        }
    });
}

/// Control characters become spaces, surrounding space goes, the length is
/// capped, and an empty name becomes `unnamed`.
pub fn clean_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed: String = replaced.trim().chars().take(MAX_NAME_LEN).collect();
    let trimmed = trimmed.trim_end();
    if trimmed.is_empty() {
        "unnamed".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn cap<T>(items: &mut Vec<T>, max: usize, what: &str, fixes: &mut Vec<String>) {
    if items.len() > max {
        fixes.push(format!(
            "{} {what} reported; only the first {max} are sent",
            items.len()
        ));
        items.truncate(max);
    }
}

fn fix_rate(value: &mut f64, field: &str, fixes: &mut Vec<String>) {
    if !value.is_finite() || *value < 0.0 {
        fixes.push(format!("{field} {value} replaced by 0"));
        *value = 0.0;
    }
}

fn fix_resources(res: &mut Resources, fixes: &mut Vec<String>) {
    for (field, value, max) in [
        ("cpu_pct", &mut res.cpu_pct, 100.0),
        ("disk_used_pct", &mut res.disk_used_pct, 100.0),
        ("load1", &mut res.load1, f64::MAX),
    ] {
        let fixed = if value.is_finite() {
            value.clamp(0.0, max)
        } else {
            0.0
        };
        if fixed != *value {
            fixes.push(format!("resources.{field} {value} replaced by {fixed}"));
            *value = fixed;
        }
    }
    if res.mem_used_bytes > res.mem_total_bytes {
        fixes.push("resources.mem_used_bytes capped at mem_total_bytes".into());
        res.mem_used_bytes = res.mem_total_bytes;
    }
}

#[cfg(test)]
mod tests;
