//! The `[mapping]` table of the collector's config: which scraped metric
//! feeds which report field. The defaults follow the naming the site
//! subsystems use (`site_connection_up{connection}`,
//! `site_script_errors_total`, `site_alarm_errors_total`,
//! `site_sf_buffer_depth{category}`, `site_node_role{node,role}`); a site
//! whose subsystems name things differently changes this table, not code.
//! Reading a scrape through it is [`crate::mapping`].

use serde::Deserialize;

use super::ConfigError;

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
        type Check = fn(&str) -> Result<(), BadName>;
        let (metric, label): (Check, Check) = (check_metric_name, check_label_name);
        let names = [
            (
                "mapping.connections.metric",
                &self.connections.metric,
                metric,
            ),
            (
                "mapping.script_errors.metric",
                &self.script_errors.metric,
                metric,
            ),
            (
                "mapping.alarm_errors.metric",
                &self.alarm_errors.metric,
                metric,
            ),
            ("mapping.sf_buffer.metric", &self.sf_buffer.metric, metric),
            ("mapping.node_roles.metric", &self.node_roles.metric, metric),
            ("mapping.connections.label", &self.connections.label, label),
            ("mapping.sf_buffer.label", &self.sf_buffer.label, label),
            (
                "mapping.node_roles.node_label",
                &self.node_roles.node_label,
                label,
            ),
            (
                "mapping.node_roles.role_label",
                &self.node_roles.role_label,
                label,
            ),
        ];
        // The first bad name, in this order, is the one reported.
        for (key, name, check) in names {
            check(name).map_err(|e| ConfigError::new(key, e))?;
        }
        Ok(())
    }
}

/// A name Prometheus would not accept where one was configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a Prometheus {kind} name")]
pub struct BadName {
    pub name: String,
    /// `metric` or `label`.
    pub kind: &'static str,
}

pub fn check_metric_name(name: &str) -> Result<(), BadName> {
    check_name(name, true).map_err(|()| BadName {
        name: name.to_owned(),
        kind: "metric",
    })
}

pub fn check_label_name(name: &str) -> Result<(), BadName> {
    check_name(name, false).map_err(|()| BadName {
        name: name.to_owned(),
        kind: "label",
    })
}

fn check_name(name: &str, colon: bool) -> Result<(), ()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'));
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'));
    if first_ok && rest_ok { Ok(()) } else { Err(()) }
}
