//! Which scraped metric feeds which report field, and the reading of one
//! scrape through that mapping.
//!
//! The defaults follow the naming the site subsystems use
//! (`site_connection_up{connection}`, `site_script_errors_total`,
//! `site_alarm_errors_total`, `site_sf_buffer_depth{category}`,
//! `site_node_role{node,role}`); a site whose subsystems name things
//! differently changes the `[mapping]` table of the config file, not code.
//! Everything here is pure: samples in, [`Reading`] out.

use std::collections::BTreeMap;

use healthmon_proto::{ConnectionStatus, Node, NodeRole};
use serde::Deserialize;

use crate::config::{ConfigError, CustomGauge};
use crate::exposition::Sample;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mapping {
    pub connections: ConnectionsMapping,
    #[serde(default = "default_script_errors")]
    pub script_errors: CounterMapping,
    #[serde(default = "default_alarm_errors")]
    pub alarm_errors: CounterMapping,
    pub sf_buffer: SfBufferMapping,
    pub node_roles: NodeRolesMapping,
}

impl Default for Mapping {
    fn default() -> Self {
        Mapping {
            connections: ConnectionsMapping::default(),
            script_errors: default_script_errors(),
            alarm_errors: default_alarm_errors(),
            sf_buffer: SfBufferMapping::default(),
            node_roles: NodeRolesMapping::default(),
        }
    }
}

fn default_script_errors() -> CounterMapping {
    CounterMapping {
        metric: "site_script_errors_total".into(),
    }
}

fn default_alarm_errors() -> CounterMapping {
    CounterMapping {
        metric: "site_alarm_errors_total".into(),
    }
}

/// `metric{label="<connection name>"}`: non-zero means connected.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionsMapping {
    pub metric: String,
    pub label: String,
}

/// A counter; every sample of `metric` (any labels) is summed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterMapping {
    pub metric: String,
}

/// `metric{label="<category>"}`: the values of `label` naming each category.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SfBufferMapping {
    pub metric: String,
    pub label: String,
    pub external: String,
    pub notification: String,
    pub db_write: String,
}

/// `metric{node_label="<node>", role_label="<role>"} 1` for each node's current role.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeRolesMapping {
    pub metric: String,
    pub node_label: String,
    pub role_label: String,
    pub active: String,
    pub standby: String,
}

impl Default for ConnectionsMapping {
    fn default() -> Self {
        ConnectionsMapping {
            metric: "site_connection_up".into(),
            label: "connection".into(),
        }
    }
}

impl Default for SfBufferMapping {
    fn default() -> Self {
        SfBufferMapping {
            metric: "site_sf_buffer_depth".into(),
            label: "category".into(),
            external: "external".into(),
            notification: "notification".into(),
            db_write: "db_write".into(),
        }
    }
}

impl Default for NodeRolesMapping {
    fn default() -> Self {
        NodeRolesMapping {
            metric: "site_node_role".into(),
            node_label: "node".into(),
            role_label: "role".into(),
            active: "active".into(),
            standby: "standby".into(),
        }
    }
}

impl Mapping {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let metrics = [
            ("mapping.connections.metric", &self.connections.metric),
            ("mapping.script_errors.metric", &self.script_errors.metric),
            ("mapping.alarm_errors.metric", &self.alarm_errors.metric),
            ("mapping.sf_buffer.metric", &self.sf_buffer.metric),
            ("mapping.node_roles.metric", &self.node_roles.metric),
        ];
        for (key, metric) in metrics {
            check_metric_name(metric).map_err(|e| ConfigError::new(key, e))?;
        }
        let labels = [
            ("mapping.connections.label", &self.connections.label),
            ("mapping.sf_buffer.label", &self.sf_buffer.label),
            ("mapping.node_roles.node_label", &self.node_roles.node_label),
            ("mapping.node_roles.role_label", &self.node_roles.role_label),
        ];
        for (key, label) in labels {
            check_label_name(label).map_err(|e| ConfigError::new(key, e))?;
        }
        Ok(())
    }
}

pub fn check_metric_name(name: &str) -> Result<(), String> {
    check_name(name, true).map_err(|()| format!("{name:?} is not a Prometheus metric name"))
}

pub fn check_label_name(name: &str) -> Result<(), String> {
    check_name(name, false).map_err(|()| format!("{name:?} is not a Prometheus label name"))
}

fn check_name(name: &str, colon: bool) -> Result<(), ()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'));
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'));
    if first_ok && rest_ok { Ok(()) } else { Err(()) }
}

/// What one scrape target said, through the mapping. `None` and empty mean
/// "this target does not expose it", which is different from zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub connections: Vec<ConnectionStatus>,
    pub nodes: Vec<Node>,
    pub script_total: Option<u64>,
    pub alarm_total: Option<u64>,
    pub sf_external: Option<u64>,
    pub sf_notification: Option<u64>,
    pub sf_db_write: Option<u64>,
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
            match s.label(&sf.label) {
                Some(c) if c == sf.external => add(&mut reading.sf_external, s.value),
                Some(c) if c == sf.notification => add(&mut reading.sf_notification, s.value),
                Some(c) if c == sf.db_write => add(&mut reading.sf_db_write, s.value),
                _ => {}
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
    reading.connections = connections
        .into_iter()
        .map(|(name, connected)| ConnectionStatus {
            name: name.to_owned(),
            connected,
        })
        .collect();
    reading.nodes = nodes
        .into_iter()
        .map(|(name, role)| Node {
            name: name.to_owned(),
            role,
        })
        .collect();
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
