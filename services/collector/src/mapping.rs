//! The reading of one scrape through the `[mapping]` table of the config
//! ([`crate::config::Mapping`]): which scraped metric feeds which report
//! field. Everything here is pure: samples in, [`Reading`] out.

use std::collections::BTreeMap;

use crate::config::{CustomGauge, Mapping};
use crate::exposition::Sample;
use healthmon_proto::{ConnectionStatus, Node, NodeRole};

/// What one scrape target said, through the mapping. `None` and empty mean
/// "this target does not expose it", which is different from zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub connections: Vec<ConnectionStatus>,
    pub nodes: Vec<Node>,
    pub script_total: Option<u64>,
    pub alarm_total: Option<u64>,
    /// Store-and-forward depth per category: external, notification,
    /// db_write (the order of [`crate::readings::Scalars::sf`]).
    pub sf: [Option<u64>; 3],
    pub custom: BTreeMap<String, f64>,
}

/// Reads one scrape's samples. Samples with NaN or negative values where a
/// count is expected are ignored rather than turned into nonsense.
pub fn read(
    samples: &[Sample],
    mapping: &Mapping,
    custom: &BTreeMap<String, CustomGauge>,
) -> Reading {
    let mut reading = Reading::default();
    let mut connections: BTreeMap<&str, bool> = BTreeMap::new();
    let mut nodes: BTreeMap<&str, NodeRole> = BTreeMap::new();
    let roles = &mapping.node_roles;
    let sf = &mapping.sf_buffer;
    for s in samples {
        let name = s.name.as_str();
        if name == mapping.connections.metric
            && let Some(conn) = s.label(&mapping.connections.label)
        {
            // Several series for one connection: it is up only if all say so.
            let up = s.value != 0.0 && !s.value.is_nan();
            *connections.entry(conn).or_insert(true) &= up;
        }
        if name == mapping.script_errors.metric {
            add(&mut reading.script_total, s.value);
        }
        if name == mapping.alarm_errors.metric {
            add(&mut reading.alarm_total, s.value);
        }
        if name == sf.metric {
            let categories = [&sf.external, &sf.notification, &sf.db_write];
            if let Some(i) = s
                .label(&sf.label)
                .and_then(|c| categories.iter().position(|want| c == *want))
            {
                add(&mut reading.sf[i], s.value);
            }
        }
        if name == roles.metric
            && let Some(node) = s.label(&roles.node_label)
        {
            let role = match s.label(&roles.role_label) {
                _ if s.value == 0.0 || s.value.is_nan() => NodeRole::Unknown,
                Some(r) if r == roles.active => NodeRole::Active,
                Some(r) if r == roles.standby => NodeRole::Standby,
                _ => NodeRole::Unknown,
            };
            let entry = nodes.entry(node).or_insert(NodeRole::Unknown);
            // A node claiming active anywhere is active; standby beats unknown.
            if role_rank(role) > role_rank(*entry) {
                *entry = role;
            }
        }
    }
    reading.connections = by_name(connections, |name, connected| ConnectionStatus {
        name,
        connected,
    });
    reading.nodes = by_name(nodes, |name, role| Node { name, role });
    for (key, gauge) in custom {
        let matching = samples.iter().filter(|s| {
            s.name == gauge.metric
                && s.value.is_finite()
                && gauge
                    .labels
                    .iter()
                    .all(|(k, v)| s.label(k) == Some(v.as_str()))
        });
        let mut sum = None;
        for s in matching {
            *sum.get_or_insert(0.0) += s.value;
        }
        if let Some(sum) = sum.filter(|v: &f64| v.is_finite()) {
            reading.custom.insert(key.clone(), sum);
        }
    }
    reading
}

/// One report item per name, in name order.
fn by_name<V, T>(found: BTreeMap<&str, V>, item: impl Fn(String, V) -> T) -> Vec<T> {
    found
        .into_iter()
        .map(|(name, value)| item(name.to_owned(), value))
        .collect()
}

/// Which role claim wins when sources disagree: active, then standby, then unknown.
pub(crate) fn role_rank(role: NodeRole) -> u8 {
    match role {
        NodeRole::Unknown => 0,
        NodeRole::Standby => 1,
        NodeRole::Active => 2,
    }
}

/// Adds a count sample; counts are whole and non-negative.
fn add(total: &mut Option<u64>, value: f64) {
    if value.is_finite() && value >= 0.0 {
        let value = value.round().min(u64::MAX as f64) as u64;
        *total = Some(total.unwrap_or(0).saturating_add(value));
    }
}

#[cfg(test)]
mod tests;
