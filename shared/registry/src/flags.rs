//! The flags that say where the registry is, the same on every service
//! and the CLI.

use clap::Args;
use healthmon_common::ConfigError;

use crate::store::{DEFAULT_BUCKET, RegistryConfig};

#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// The fleet registry's JetStream KV bucket (the same on every service).
    #[arg(long, env = "REGISTRY_BUCKET", default_value = DEFAULT_BUCKET)]
    pub registry_bucket: String,
    /// JetStream replicas of the registry bucket when this process creates
    /// it: 1 on a single server, 3 on a 3-node cluster.
    #[arg(long, env = "REGISTRY_REPLICAS", default_value_t = 1)]
    pub registry_replicas: usize,
}

impl RegistryArgs {
    pub fn config(&self) -> Result<RegistryConfig, ConfigError> {
        let bucket = &self.registry_bucket;
        let name_ok = !bucket.is_empty()
            && bucket
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ConfigError::ensure(
            name_ok,
            "--registry-bucket",
            "a bucket name is A-Z, a-z, 0-9, '_' and '-'",
        )?;
        ConfigError::ensure(
            (1..=5).contains(&self.registry_replicas),
            "--registry-replicas",
            "JetStream keeps 1 to 5 replicas",
        )?;
        Ok(RegistryConfig {
            bucket: bucket.clone(),
            replicas: self.registry_replicas,
        })
    }
}

/// The registry flags of the services that take sites in (aggregator and
/// assessor): where the registry is, and `--auto-register`, which both must
/// share — a site the registry does not list is taken in by both or by
/// neither.
#[derive(Debug, Clone, Args)]
pub struct IntakeArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Take in sites the fleet registry does not list: the aggregator
    /// registers a site on its first valid report and the assessor judges
    /// it. With false (for fleets declared in a roster only), the
    /// aggregator refuses their reports (counted as `unregistered`) and the
    /// assessor judges only listed sites. Set it the same on both.
    #[arg(long, env = "AUTO_REGISTER", default_value_t = true, action = clap::ArgAction::Set)]
    pub auto_register: bool,
}
