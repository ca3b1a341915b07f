//! The collector's validated configuration: identity, timing, and the sources
//! a report is made from (host, scrape targets with their metric mapping,
//! TCP probes, custom gauges), or a simulation of many sites.
//!
//! The same types are the schema of the TOML file (see
//! `collector.example.toml` and [`crate::config_file`]), so the defaults here
//! are the documented defaults. [`Config::validate`] is run by both the binary
//! and [`crate::start`], and names the offending key in its error.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use healthmon_common::nats::NatsConfig;
use healthmon_proto::labels::{self, Labels};
use healthmon_proto::validate::{MAX_CUSTOM, MAX_INTERVAL_MS, MAX_NAME_LEN, MIN_INTERVAL_MS};
use healthmon_proto::validate_site_id;
use serde::Deserialize;

mod mapping;

pub use mapping::{
    BadName, ConnectionsMapping, CounterMapping, Mapping, NodeRolesMapping, SfBufferMapping,
    check_label_name, check_metric_name,
};

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
pub const DEFAULT_RESEND_JITTER: Duration = Duration::from_secs(1);
pub const DEFAULT_FAULT_RATE: f64 = 0.02;
pub const DEFAULT_SIM_PREFIX: &str = "sim";
pub const MAX_SIMULATED_SITES: usize = 100_000;
/// The widest resend window a collector accepts, its own or the centre's.
pub const MAX_RESEND_JITTER: Duration = Duration::from_secs(3600);
/// `-00001` appended to a simulation prefix.
const SIM_SUFFIX_LEN: usize = 6;

#[derive(Debug, Clone)]
pub struct Config {
    pub nats: NatsConfig,
    pub metrics_addr: SocketAddr,
    /// The site's id; with `simulate`, the prefix of the simulated ids (empty: `sim`).
    pub site_id: String,
    pub interval: Duration,
    /// Upper bound of the random delay before answering a resend request.
    pub resend_jitter: Duration,
    pub sources: Sources,
    pub simulate: Option<Simulate>,
}

impl Config {
    /// One real site with default sources; metrics on an ephemeral loopback port.
    pub fn new(nats: NatsConfig, site_id: impl Into<String>) -> Self {
        Config {
            nats,
            metrics_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            site_id: site_id.into(),
            interval: DEFAULT_INTERVAL,
            resend_jitter: DEFAULT_RESEND_JITTER,
            sources: Sources::default(),
            simulate: None,
        }
    }

    /// Checks every value; the error names the key (file key or flag) at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let interval_ms = self.interval.as_millis();
        if !(u128::from(MIN_INTERVAL_MS)..=u128::from(MAX_INTERVAL_MS)).contains(&interval_ms) {
            return Err(ConfigError::new(
                "interval",
                format!("must be between {MIN_INTERVAL_MS}ms and 24h"),
            ));
        }
        if self.resend_jitter > MAX_RESEND_JITTER {
            return Err(ConfigError::new("resend_jitter", "must be at most 1h"));
        }
        match &self.simulate {
            None => validate_site_id(&self.site_id)
                .map_err(|e| ConfigError::new("site_id", e.to_string()))?,
            Some(sim) => {
                sim.validate()?;
                if !self.site_id.is_empty() {
                    validate_site_id(&self.site_id)
                        .map_err(|e| ConfigError::new("site_id", e.to_string()))?;
                    if self.site_id.len() + SIM_SUFFIX_LEN
                        > healthmon_proto::subjects::MAX_SITE_ID_LEN
                    {
                        return Err(ConfigError::new(
                            "site_id",
                            "as a simulation prefix it must be at most 58 characters",
                        ));
                    }
                }
            }
        }
        self.sources.validate()
    }

    /// The id prefix of simulated sites.
    pub fn sim_prefix(&self) -> &str {
        if self.site_id.is_empty() {
            DEFAULT_SIM_PREFIX
        } else {
            &self.site_id
        }
    }
}

/// `--simulate N`: one process publishing for N made-up sites.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulate {
    pub sites: usize,
    /// Scales how often faults start (0 = never: every site stays healthy).
    pub fault_rate: f64,
    /// Fixed seed for reproducible runs; random otherwise.
    pub seed: Option<u64>,
}

impl Simulate {
    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_SIMULATED_SITES).contains(&self.sites) {
            return Err(ConfigError::new(
                "simulate",
                format!("must be between 1 and {MAX_SIMULATED_SITES}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(ConfigError::new(
                "fault_rate",
                "must be between 0.0 and 1.0",
            ));
        }
        Ok(())
    }
}

/// Where a real site's report comes from (the file's tables of the same
/// names), and the labels it carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sources {
    pub host: HostConfig,
    pub scrape: Vec<ScrapeTarget>,
    pub mapping: Mapping,
    pub probe: Vec<Probe>,
    pub custom: BTreeMap<String, CustomGauge>,
    /// Sent in every report (`labels = { region = "eu-west" }`); labels
    /// the fleet registry declares for the site win over these. Rules:
    /// `healthmon_proto::labels`, checked at start.
    pub labels: Labels,
}

impl Sources {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.labels.len() > labels::MAX_LABELS {
            return Err(ConfigError::new(
                "labels",
                format!("at most {} labels", labels::MAX_LABELS),
            ));
        }
        for (key, value) in &self.labels {
            labels::check_key(key)
                .and_then(|()| labels::check_value(key, value))
                .map_err(|e| ConfigError::new(format!("labels.{key}"), e.to_string()))?;
        }
        unique_names("scrape", self.scrape.iter().map(|t| t.name.as_str()))?;
        for (i, t) in self.scrape.iter().enumerate() {
            let key = |field: &str| format!("scrape[{i}].{field}");
            let rest = t.url.strip_prefix("http://").ok_or_else(|| {
                ConfigError::new(
                    key("url"),
                    "must be a plain http:// URL (the endpoints are local)",
                )
            })?;
            if rest.is_empty() || rest.starts_with('/') {
                return Err(ConfigError::new(key("url"), "has no host"));
            }
            positive(&t.timeout, key("timeout"))?;
        }
        unique_names("probe", self.probe.iter().map(|p| p.name.as_str()))?;
        for (i, p) in self.probe.iter().enumerate() {
            let key = |field: &str| format!("probe[{i}].{field}");
            let port = p
                .address
                .rsplit_once(':')
                .map(|(host, port)| (host, port.parse::<u16>()));
            if !matches!(port, Some((host, Ok(port))) if !host.is_empty() && port != 0) {
                return Err(ConfigError::new(key("address"), "must be host:port"));
            }
            positive(&p.timeout, key("timeout"))?;
        }
        if self.custom.len() > MAX_CUSTOM {
            return Err(ConfigError::new(
                "custom",
                format!("at most {MAX_CUSTOM} custom gauges"),
            ));
        }
        for (name, gauge) in &self.custom {
            if !valid_name(name) {
                return Err(ConfigError::new(
                    format!("custom.{name}"),
                    format!("name must be 1-{MAX_NAME_LEN} characters without control characters"),
                ));
            }
            check_metric_name(&gauge.metric)
                .map_err(|e| ConfigError::new(format!("custom.{name}.metric"), e))?;
            for label in gauge.labels.keys() {
                check_label_name(label)
                    .map_err(|e| ConfigError::new(format!("custom.{name}.labels"), e))?;
            }
        }
        self.mapping.validate()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    /// Report CPU, memory, disk and load of this machine.
    pub enabled: bool,
    /// `fullest` (the fullest writable disk) or a mount point such as `/`.
    pub disk: String,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            enabled: true,
            disk: "fullest".into(),
        }
    }
}

/// A subsystem's Prometheus text endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeTarget {
    /// Label of `healthmon_collector_scrape_errors_total{target}` and of log lines.
    pub name: String,
    pub url: String,
    /// Never longer than the report interval.
    #[serde(default = "default_scrape_timeout", with = "humantime_serde")]
    pub timeout: Duration,
}

/// A TCP reachability check reported as a data connection named `name`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub name: String,
    /// `host:port`; the host is resolved at every probe.
    pub address: String,
    /// Never longer than the report interval.
    #[serde(default = "default_probe_timeout", with = "humantime_serde")]
    pub timeout: Duration,
}

/// A gauge exported in the report's `custom` map: the sum of the samples of
/// `metric` whose labels include every pair in `labels`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomGauge {
    pub metric: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

fn default_scrape_timeout() -> Duration {
    Duration::from_secs(2)
}

fn default_probe_timeout() -> Duration {
    Duration::from_secs(1)
}

fn positive(d: &Duration, key: String) -> Result<(), ConfigError> {
    if d.is_zero() {
        return Err(ConfigError::new(key, "must be greater than 0"));
    }
    Ok(())
}

pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= MAX_NAME_LEN && !name.chars().any(char::is_control)
}

fn unique_names<'a>(table: &str, names: impl Iterator<Item = &'a str>) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    for (i, name) in names.enumerate() {
        if !valid_name(name) {
            return Err(ConfigError::new(
                format!("{table}[{i}].name"),
                format!("must be 1-{MAX_NAME_LEN} characters without control characters"),
            ));
        }
        if !seen.insert(name) {
            return Err(ConfigError::new(
                format!("{table}[{i}].name"),
                format!("duplicate name {name:?}"),
            ));
        }
    }
    Ok(())
}

/// A configuration value that is not acceptable, with the key that holds it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(key: impl Into<String>, message: impl std::fmt::Display) -> Self {
        ConfigError {
            key: key.into(),
            message: message.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
