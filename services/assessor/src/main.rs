//! `healthmon-assessor`: flags → validated [`Config`] → run until SIGTERM/Ctrl-C.
//! A bad flag or rules file exits 2 with one line; a runtime failure exits 1.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use healthmon_assessor::mass_silence::{DEFAULT_FRACTION, DEFAULT_MIN_SITES};
use healthmon_assessor::{
    Config, MAX_MISSED_HEARTBEATS, MIN_MISSED_HEARTBEATS, MassSilenceRule, Rules,
};
use healthmon_common::ConfigError;
use healthmon_common::cli::{
    LogArgs, NatsArgs, exit_usage, parse_duration, parse_partition, partition_subjects,
};
use healthmon_common::nats::NatsAuth;
use healthmon_common::runtime::{Threads, run_to_exit};
use healthmon_proto::Partition;
use healthmon_registry::IntakeArgs;

/// mimalloc (without transparent huge pages) instead of glibc's malloc: the
/// NATS client's read buffers are large and short-lived, and glibc kept them
/// resident after use: 134-176 resident bytes per site at 1,000,000 sites in
/// the memory benchmark against 98-101 with mimalloc, which also took ~5 %
/// less CPU per report at ingest.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Marks sites late/offline when their heartbeats stop, applies health rules,
/// and publishes status events.
#[derive(Debug, Parser)]
#[command(name = "healthmon-assessor", version)]
struct Cli {
    #[command(flatten)]
    nats: NatsArgs,
    #[command(flatten)]
    log: LogArgs,
    /// Where to serve Prometheus `/metrics`.
    #[arg(long, env = "METRICS_ADDR", default_value = "0.0.0.0:9102")]
    metrics_addr: SocketAddr,
    /// Report intervals without a report before a site is offline (2-100).
    #[arg(long, env = "MISSED_HEARTBEATS", default_value_t = healthmon_assessor::DEFAULT_MISSED_HEARTBEATS)]
    missed_heartbeats: u32,
    /// TOML file of health-rule thresholds (see rules.example.toml); built-in defaults when unset.
    #[arg(long = "rules", env = "RULES_FILE", value_name = "FILE")]
    rules: Option<PathBuf>,
    /// How long to wait for each page of the aggregator's site list at start.
    #[arg(long, env = "BOOTSTRAP_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    bootstrap_timeout: Duration,
    /// Share of the online+late sites that, late at once, makes the assessor
    /// suspect the centre and hold them late instead of offline (0-1].
    #[arg(long, env = "MASS_SILENCE_FRACTION", default_value_t = DEFAULT_FRACTION)]
    mass_silence_fraction: f64,
    /// Fleets with fewer online+late sites never trigger the mass-silence rule.
    #[arg(long, env = "MASS_SILENCE_MIN_SITES", default_value_t = DEFAULT_MIN_SITES)]
    mass_silence_min_sites: usize,
    /// How long a mass silence holds sites late before they are judged anyway.
    #[arg(long, env = "MASS_SILENCE_HOLD", default_value = "10m", value_parser = parse_duration)]
    mass_silence_hold: Duration,
    /// Run as one of several replicas: only the holder of a lease in the
    /// JetStream KV bucket `healthmon_assessor_leader` publishes status
    /// events. Needs JetStream on the NATS server; off for a single assessor.
    #[arg(long, env = "LEADER_ELECTION")]
    leader_election: bool,
    /// Lease length with --leader-election: a dead leader is replaced within
    /// about this plus a third of it (a stopped one at once). At least 1s.
    #[arg(long, env = "LEADER_LEASE", default_value = "3s", value_parser = parse_duration)]
    leader_lease: Duration,
    /// With --leader-election: replicas of the lease bucket's stream when this
    /// assessor creates it, 1-5; 3 in a 3-server NATS cluster, so the lease
    /// survives the loss of a server (docs/SCALING.md).
    #[arg(long, env = "LEADER_REPLICAS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    leader_replicas: u8,
    /// Judge one partition of a partitioned fleet, as i/N (e.g. 0/4): hear
    /// only the reports the NATS server's subject mapping puts in partition
    /// i and serve `<prefix>.assessor.<i>.statuses`; with --leader-election,
    /// replicas of the same partition share one lease (key leader-i-of-N).
    /// N must match the server's mapping and every other service; 0/1 (or
    /// unset) is the whole fleet. See docs/SCALING.md.
    #[arg(long, env = "HEALTHMON_PARTITION", value_name = "I/N", value_parser = parse_partition)]
    partition: Option<Partition>,
    #[command(flatten)]
    intake: IntakeArgs,
    /// The longest report interval a site's own report may declare; a
    /// longer declaration is judged at this interval and flagged degraded
    /// (`interval:capped`). An expected interval in the registry overrides.
    #[arg(long, env = "MAX_INTERVAL", default_value = "15m", value_parser = parse_duration)]
    max_interval: Duration,
    /// A system-account user allowed to subscribe to
    /// `$SYS.ACCOUNT.*.DISCONNECT` (and nothing else): with it, sites
    /// behind a lost leaf node or collector connection are late at once.
    #[arg(long, env = "ADVISORIES_USER", requires = "advisories_password")]
    advisories_user: Option<String>,
    #[arg(
        long,
        env = "ADVISORIES_PASSWORD",
        hide_env_values = true,
        requires = "advisories_user"
    )]
    advisories_password: Option<String>,
    /// A label whose values group sites into incidents: when at least
    /// `[incidents] min_sites` and `fraction` of the sites sharing a value
    /// fall silent, that is one incident (overrides the rules file's
    /// `incidents.label`).
    #[arg(long, env = "INCIDENT_LABEL", value_name = "KEY")]
    incident_label: Option<String>,
}

impl Cli {
    fn into_config(self) -> Result<(Config, LogArgs), ConfigError> {
        let mut nats = self.nats.into_config()?;
        nats.subjects = partition_subjects(&nats.subjects, self.partition);
        if !(MIN_MISSED_HEARTBEATS..=MAX_MISSED_HEARTBEATS).contains(&self.missed_heartbeats) {
            return Err(ConfigError::invalid(
                "--missed-heartbeats",
                format!(
                    "must be within {MIN_MISSED_HEARTBEATS}..={MAX_MISSED_HEARTBEATS}, got {}",
                    self.missed_heartbeats
                ),
            ));
        }
        ConfigError::ensure(
            !self.bootstrap_timeout.is_zero(),
            "--bootstrap-timeout",
            "must be more than 0",
        )?;
        let mut rules = match &self.rules {
            Some(path) => Rules::load(path).map_err(|e| ConfigError::invalid("--rules", e))?,
            None => Rules::default(),
        };
        if let Some(label) = self.incident_label {
            healthmon_proto::labels::check_key(&label)
                .map_err(|e| ConfigError::invalid("--incident-label", e))?;
            rules.incidents.label = Some(label);
        }
        let mass_silence = MassSilenceRule {
            fraction: self.mass_silence_fraction,
            min_sites: self.mass_silence_min_sites,
            hold: self.mass_silence_hold,
        };
        mass_silence.validate()?;
        ConfigError::ensure(
            !self.leader_election || self.leader_lease >= healthmon_assessor::leader::MIN_LEASE,
            "--leader-lease",
            "must be at least 1s",
        )?;
        if let Err(e) = healthmon_proto::fleet::check_interval(
            u64::try_from(self.max_interval.as_millis()).unwrap_or(u64::MAX),
        ) {
            return Err(ConfigError::invalid("--max-interval", e));
        }
        let config = Config {
            nats,
            metrics_addr: self.metrics_addr,
            missed_heartbeats: self.missed_heartbeats,
            rules,
            bootstrap_timeout: self.bootstrap_timeout,
            mass_silence,
            leader_lease: self.leader_election.then_some(self.leader_lease),
            leader_replicas: usize::from(self.leader_replicas),
            max_interval: self.max_interval,
            registry: self.intake.registry.config()?,
            auto_register: self.intake.auto_register,
            advisories: self
                .advisories_user
                .zip(self.advisories_password)
                .map(|(user, password)| NatsAuth::UserPassword { user, password }),
        };
        Ok((config, self.log))
    }
}

fn main() -> ExitCode {
    let (config, log) = Cli::parse().into_config().unwrap_or_else(|e| exit_usage(e));
    log.init();
    run_to_exit(Threads::PerCore, |shutdown| {
        healthmon_assessor::run(config, shutdown)
    })
}
