//! Flags every binary shares, with `env` fallbacks, and their validation into
//! [`NatsConfig`]. A bad value exits 2 with one line naming the flag.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use healthmon_proto::subjects::checked_count;
use healthmon_proto::{Partition, Subjects};

use crate::config_error::{BadValue, ConfigError};
use crate::nats::{NatsAuth, NatsConfig, TlsFiles};
pub use crate::telemetry::LogFormat;

#[derive(Debug, Clone, Args)]
pub struct NatsArgs {
    /// NATS server URL(s), comma-separated.
    #[arg(
        long = "nats-url",
        env = "NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats_url: String,
    /// Prefix of every healthmon subject.
    #[arg(long, env = "SUBJECT_PREFIX", default_value = "health")]
    pub subject_prefix: String,
    /// NATS credentials file (JWT + NKey seed, as made by `nsc`).
    #[arg(long, env = "NATS_CREDS")]
    pub nats_creds: Option<PathBuf>,
    /// File holding an NKey seed (`SU...`).
    #[arg(long, env = "NATS_NKEY")]
    pub nats_nkey: Option<PathBuf>,
    #[arg(long, env = "NATS_USER")]
    pub nats_user: Option<String>,
    #[arg(long, env = "NATS_PASSWORD", hide_env_values = true)]
    pub nats_password: Option<String>,
    /// CA certificate (PEM) to verify the NATS server; implies TLS.
    #[arg(long, env = "NATS_TLS_CA")]
    pub nats_tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS; needs --nats-tls-key.
    #[arg(long, env = "NATS_TLS_CERT")]
    pub nats_tls_cert: Option<PathBuf>,
    #[arg(long, env = "NATS_TLS_KEY")]
    pub nats_tls_key: Option<PathBuf>,
    /// How long to keep retrying the first connection before giving up (0 = forever).
    #[arg(long, env = "NATS_CONNECT_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub nats_connect_timeout: Duration,
}

impl NatsArgs {
    /// Validates the flags; the error names the offending flag.
    pub fn into_config(self) -> Result<NatsConfig, ConfigError> {
        let subjects = Subjects::new(&self.subject_prefix)
            .map_err(|e| ConfigError::invalid("--subject-prefix", e))?;
        let auth = match (
            self.nats_creds,
            self.nats_nkey,
            self.nats_user,
            self.nats_password,
        ) {
            (None, None, None, None) => NatsAuth::None,
            (Some(path), None, None, None) => NatsAuth::Creds(path),
            (None, Some(path), None, None) => NatsAuth::NKeyFile(path),
            (None, None, Some(user), Some(password)) => NatsAuth::UserPassword { user, password },
            (None, None, Some(_), None) | (None, None, None, Some(_)) => {
                return Err(ConfigError::combination(
                    "--nats-user and --nats-password go together",
                ));
            }
            _ => {
                return Err(ConfigError::combination(
                    "choose one of --nats-creds, --nats-nkey, or --nats-user/--nats-password",
                ));
            }
        };
        let tls = match (self.nats_tls_ca, self.nats_tls_cert, self.nats_tls_key) {
            (None, None, None) => None,
            (ca, Some(cert), Some(key)) => Some(TlsFiles {
                ca,
                client: Some((cert, key)),
            }),
            (Some(ca), None, None) => Some(TlsFiles {
                ca: Some(ca),
                client: None,
            }),
            _ => {
                return Err(ConfigError::combination(
                    "--nats-tls-cert and --nats-tls-key go together",
                ));
            }
        };
        if self.nats_url.split(',').any(|u| u.trim().is_empty()) {
            return Err(ConfigError::invalid("--nats-url", "empty server URL"));
        }
        Ok(NatsConfig {
            url: self.nats_url,
            subjects,
            auth,
            tls,
            connect_timeout: self.nats_connect_timeout,
            subscription_capacity: crate::nats::DEFAULT_SUBSCRIPTION_CAPACITY,
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Log filter (`info`, `debug`, `healthmon_aggregator=debug`, ...); RUST_LOG wins when set.
    #[arg(long, env = "LOG_LEVEL", default_value = "info")]
    pub log_level: String,
}

impl LogArgs {
    /// Installs logging as these flags ask ([`crate::telemetry::init_tracing`]).
    pub fn init(&self) {
        crate::telemetry::init_tracing(self.log_format, &self.log_level);
    }
}

/// `humantime` durations for flags: `30s`, `500ms`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, BadValue> {
    humantime::parse_duration(s)
        .map_err(|e| BadValue(format!("{e} (expected e.g. 30s, 500ms, 2m)")))
}

/// `--partition i/N` (aggregator, assessor): which part of a partitioned
/// fleet a service serves. As a clap `value_parser`, a bad value exits 2
/// naming the flag, whether it came from the command line or the environment.
pub fn parse_partition(s: &str) -> Result<Partition, healthmon_proto::PartitionError> {
    s.trim().parse()
}

/// `--partitions N` (dashboard API, CLI): how many partitions to ask.
pub fn parse_partitions(s: &str) -> Result<u16, BadValue> {
    let n: u32 = s
        .trim()
        .parse()
        .map_err(|_| BadValue(format!("expected a number of partitions, got {s:?}")))?;
    checked_count(n).map_err(|e| BadValue(e.to_string()))
}

/// The subjects of a service started with `--partition`: one partition of
/// one is the whole fleet, so `0/1` keeps today's unpartitioned subjects
/// (as `--partitions 1` does on the dashboard API and the CLI).
pub fn partition_subjects(subjects: &Subjects, partition: Option<Partition>) -> Subjects {
    match partition {
        Some(p) if p.count() > 1 => subjects.partitioned(p),
        _ => subjects.unpartitioned(),
    }
}

/// Reports an invalid flag or config value the way clap does: one line, exit code 2.
pub fn exit_usage(message: impl std::fmt::Display) -> ! {
    clap::Error::raw(
        clap::error::ErrorKind::ValueValidation,
        format!("{message}\n"),
    )
    .exit()
}

#[cfg(test)]
mod tests;
