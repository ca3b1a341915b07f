//! Findings: which parts of a report make a site degraded or critical.
//!
//! Pure: [`evaluate`] turns one report into [`Finding`]s, each with a stable
//! `key` (so the assessor can tell "the same problems as before" from "a new
//! problem") and a human-readable `reason` carrying the value and the
//! threshold. A site's health is the worst finding, healthy when none fire.
//!
//! It reads a [`ReportView`], borrowed from the received payload: the
//! assessor never needs an owned report. [`Assessed`] is all that the
//! tracker needs of one report, so that decoding, validation and the rules
//! run off the engine loop and only this small value crosses to it (a
//! healthy report's findings allocate nothing).

use std::hash::{DefaultHasher, Hash, Hasher};

use healthmon_proto::view::ReportView;
use healthmon_proto::{Health, NodeRole};

use crate::rules::{ResourceRules, Rules, fmt_num};

/// One rule that fires for a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable identity, e.g. `connection:plc-2`, `nodes:none`, `sf_buffer:db_write`.
    pub key: String,
    pub reason: String,
    pub severity: Health,
}

/// What the tracker needs of one validated report.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    /// Hash of the collector instance, to tell a restart from a replay.
    pub instance: u64,
    pub seq: u64,
    /// Validation caps intervals at one day, far below `u32::MAX` ms.
    pub interval_ms: u32,
    pub findings: Vec<Finding>,
    /// The worst of `findings`.
    pub health: Health,
    /// Store-and-forward messages pending, all categories (for recovering).
    pub sf_depth: u64,
    /// Its `leaf` label: the leaf node it sits behind (`crate::links`).
    pub leaf: Option<Box<str>>,
    /// Its value of the `--incident-label`, if one is set (`crate::incidents`).
    pub group: Option<Box<str>>,
}

impl Assessed {
    pub fn new(rules: &Rules, report: &ReportView<'_>) -> Self {
        let findings = evaluate(rules, report);
        Assessed {
            instance: hash_instance(report.instance),
            seq: report.seq,
            interval_ms: u32::try_from(report.interval_ms).unwrap_or(u32::MAX),
            health: health_of(findings.iter().map(|f| &f.severity)),
            findings,
            sf_depth: report.sf_buffer.total(),
            leaf: label(report, crate::links::LEAF_LABEL),
            group: rules
                .incidents
                .label
                .as_deref()
                .and_then(|key| label(report, key)),
        }
    }
}

fn label(report: &ReportView<'_>, key: &str) -> Option<Box<str>> {
    report
        .labels
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| (*v).into())
}

/// SipHash with fixed keys: the same instance hashes the same in every
/// process, and a restart colliding with the previous instance is a 2^-64 event.
fn hash_instance(instance: &str) -> u64 {
    let mut h = DefaultHasher::new();
    instance.hash(&mut h);
    h.finish()
}

/// Every finding for `report`, critical ones first, otherwise in report order.
pub fn evaluate(rules: &Rules, report: &ReportView<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in report.connections.iter().filter(|c| !c.connected) {
        out.push(Finding {
            key: format!("connection:{}", c.name),
            reason: format!("connection {} disconnected", c.name),
            severity: rules.connections.disconnected.health(),
        });
    }
    // An empty node list means the site does not report cluster roles.
    if !report.nodes.is_empty() {
        // Counted first: the usual single active node allocates nothing.
        let active = || {
            report
                .nodes
                .iter()
                .filter(|n| n.role == NodeRole::Active)
                .map(|n| n.name)
        };
        match active().count() {
            0 => out.push(critical("nodes:none", "no active node".to_owned())),
            1 => {}
            n => out.push(critical(
                "nodes:multiple",
                format!(
                    "{n} active nodes: {}",
                    active().collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    for (key, label, value, rule) in [
        (
            "script_errors",
            "script errors",
            report.script_errors.per_min,
            rules.script_errors,
        ),
        (
            "alarm_errors",
            "alarm errors",
            report.alarm_errors.per_min,
            rules.alarm_errors,
        ),
    ] {
        let fired = over(value, Some(rule.warn_per_min), Some(rule.critical_per_min));
        if let Some((severity, threshold)) = fired {
            out.push(Finding {
                key: key.to_owned(),
                reason: format!("{label} {value:.1}/min over {}/min", fmt_num(threshold)),
                severity,
            });
        }
    }
    let b = report.sf_buffer;
    for (category, depth) in [
        ("external", b.external),
        ("notification", b.notification),
        ("db_write", b.db_write),
    ] {
        let rule = rules.sf_buffer;
        if let Some((severity, threshold)) = over(
            depth as f64,
            Some(rule.warn as f64),
            Some(rule.critical as f64),
        ) {
            out.push(Finding {
                key: format!("sf_buffer:{category}"),
                reason: format!(
                    "store-and-forward {category} {depth} pending over {}",
                    fmt_num(threshold)
                ),
                severity,
            });
        }
    }
    if let Some(res) = &report.resources {
        resource_findings(&rules.resources, res, &mut out);
    }
    // Stable sort: critical first, report order otherwise.
    out.sort_by_key(|f| f.severity != Health::Critical);
    out
}

fn resource_findings(
    rules: &ResourceRules,
    res: &healthmon_proto::Resources,
    out: &mut Vec<Finding>,
) {
    let memory_pct = (res.mem_total_bytes > 0)
        .then(|| res.mem_used_bytes as f64 * 100.0 / res.mem_total_bytes as f64);
    for (what, value, unit, warn, critical) in [
        (
            "disk",
            Some(res.disk_used_pct),
            "% used",
            rules.disk_warn_pct,
            rules.disk_critical_pct,
        ),
        (
            "cpu",
            Some(res.cpu_pct),
            "%",
            rules.cpu_warn_pct,
            rules.cpu_critical_pct,
        ),
        (
            "memory",
            memory_pct,
            "% used",
            rules.memory_warn_pct,
            rules.memory_critical_pct,
        ),
    ] {
        let Some(value) = value else { continue };
        if let Some((severity, threshold)) = over(value, warn, critical) {
            out.push(Finding {
                key: format!("resources:{what}"),
                reason: format!("{what} {value:.1}{unit} over {}%", fmt_num(threshold)),
                severity,
            });
        }
    }
}

fn critical(key: &str, reason: String) -> Finding {
    Finding {
        key: key.to_owned(),
        reason,
        severity: Health::Critical,
    }
}

/// The severity and crossed threshold when `value` is strictly over one.
fn over(value: f64, warn: Option<f64>, critical: Option<f64>) -> Option<(Health, f64)> {
    match (warn, critical) {
        (_, Some(c)) if value > c => Some((Health::Critical, c)),
        (Some(w), _) if value > w => Some((Health::Degraded, w)),
        _ => None,
    }
}

/// The worst severity among `findings`; healthy when there are none.
pub fn health_of<'a>(severities: impl IntoIterator<Item = &'a Health>) -> Health {
    severities
        .into_iter()
        .fold(Health::Healthy, |worst, &h| match (worst, h) {
            (Health::Critical, _) | (_, Health::Critical) => Health::Critical,
            (Health::Degraded, _) | (_, Health::Degraded) => Health::Degraded,
            _ => worst,
        })
}
