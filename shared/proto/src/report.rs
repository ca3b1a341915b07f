//! `HealthReport`: one site's health at one moment, collector → central.
//!
//! Field names are the wire keys. Required keys are the identity and timing
//! ones (`v`, `site_id`, `instance`, `seq`, `sent_at_ms`, `interval_ms`);
//! every other key defaults when missing so that older and newer collectors
//! interoperate, and unknown keys are ignored by the decoder.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The only report version this build understands; additive changes keep it.
pub const WIRE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct HealthReport {
    pub v: u32,
    pub site_id: String,
    /// Random per collector start: a new value means the collector restarted.
    pub instance: String,
    /// Starts at 1 for each `instance`; gaps mean lost reports.
    pub seq: u64,
    /// Unix milliseconds on the site's clock (informational: central never trusts it for timeouts).
    pub sent_at_ms: u64,
    /// The collector's own report interval; timeouts are derived from it.
    pub interval_ms: u64,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub connections: Vec<ConnectionStatus>,
    #[serde(default)]
    pub script_errors: ErrorCounter,
    #[serde(default)]
    pub alarm_errors: ErrorCounter,
    #[serde(default)]
    pub sf_buffer: SfBuffer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, f64>,
    /// Labels the site gives itself (`region = "eu-west"`); labels declared
    /// in the fleet registry win over these. Rules: [`crate::labels`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Node {
    pub name: String,
    #[serde(default)]
    pub role: NodeRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    Active,
    Standby,
    /// Also what any role string this build does not know decodes to.
    #[default]
    Unknown,
}

// Only strings are roles: a derived enum would also take an integer as a
// variant index, turning a foreign `role: 0` into `active`.
impl<'de> Deserialize<'de> for NodeRole {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::names::string_only(d, NodeRole::parse)
    }
}

impl NodeRole {
    /// Any role string this build does not know is `Unknown`.
    pub fn parse(role: &str) -> Self {
        match role {
            "active" => NodeRole::Active,
            "standby" => NodeRole::Standby,
            _ => NodeRole::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::Active => "active",
            NodeRole::Standby => "standby",
            NodeRole::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ConnectionStatus {
    pub name: String,
    pub connected: bool,
}

/// A monotonically increasing error counter and the rate the collector derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ErrorCounter {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub per_min: f64,
}

/// Store-and-forward messages pending, by category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SfBuffer {
    #[serde(default)]
    pub external: u64,
    #[serde(default)]
    pub notification: u64,
    #[serde(default)]
    pub db_write: u64,
}

impl SfBuffer {
    pub fn total(&self) -> u64 {
        self.external
            .saturating_add(self.notification)
            .saturating_add(self.db_write)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Resources {
    #[serde(default)]
    pub cpu_pct: f64,
    #[serde(default)]
    pub mem_used_bytes: u64,
    #[serde(default)]
    pub mem_total_bytes: u64,
    #[serde(default)]
    pub disk_used_pct: f64,
    #[serde(default)]
    pub load1: f64,
}

impl HealthReport {
    /// The first node reporting itself active, if any.
    pub fn active_node(&self) -> Option<&str> {
        self.nodes
            .iter()
            .find(|n| n.role == NodeRole::Active)
            .map(|n| n.name.as_str())
    }

    pub fn connections_up(&self) -> usize {
        self.connections.iter().filter(|c| c.connected).count()
    }

    /// A minimal valid report, the starting point for collectors and tests.
    pub fn new(site_id: impl Into<String>, instance: impl Into<String>, seq: u64) -> Self {
        HealthReport {
            v: WIRE_VERSION,
            site_id: site_id.into(),
            instance: instance.into(),
            seq,
            sent_at_ms: 0,
            interval_ms: 30_000,
            nodes: Vec::new(),
            connections: Vec::new(),
            script_errors: ErrorCounter::default(),
            alarm_errors: ErrorCounter::default(),
            sf_buffer: SfBuffer::default(),
            resources: None,
            custom: BTreeMap::new(),
            labels: BTreeMap::new(),
        }
    }
}
