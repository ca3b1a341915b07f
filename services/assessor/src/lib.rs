//! healthmon assessor: decides each site's connectivity and health centrally.
//!
//! It subscribes to every site's reports, marks a site `late` after 1.5 × its
//! declared interval without one and `offline` after `missed_heartbeats` ×
//! that interval (central receive time, never the site's clock), applies the
//! health [`rules`], and publishes a `StatusEvent` on `<prefix>.status.<site>`
//! whenever connectivity, health or the set of firing rules changes. At start
//! it bootstraps from the aggregator, and it serves its current view on the
//! `statuses` micro endpoint for a restarted aggregator.
//!
//! When most sites fall silent at once it suspects the centre rather than
//! the sites ([`mass_silence`]): it holds them late and says so on
//! `<prefix>.centre.status` ([`centre`]).
//!
//! Beyond connectivity and health it judges what other monitors do not:
//! findings gone stale while a site is silent, [`flapping`], [`recovering`]
//! after an outage, a [`score`] that lists what took points off, and
//! [`availability`] that leaves out the time the centre could not judge, all
//! carried in the events' optional `judgement`.
//!
//! Pure logic lives in [`rules`], [`findings`], [`timeouts`], [`mass_silence`],
//! [`flapping`], [`recovering`], [`score`], [`availability`] and [`tracker`]; [`engine`] is the single I/O loop around them, fed
//! decoded and assessed reports in batches by its intake task, with one
//! timing wheel ([`timers`]) for all sites' deadlines.
//!
//! Several replicas may run with `leader_lease` set: all judge every site,
//! and only the holder of a JetStream KV lease publishes ([`leader`]).
//!
//! Started for one partition of a partitioned fleet (subjects built with
//! `Subjects::partitioned`, the `--partition i/N` flag), it judges only the
//! reports the NATS server maps to that partition (`<prefix>.report.<i>.*`),
//! serves `<prefix>.assessor.<i>.statuses`, bootstraps from the same
//! partition's aggregator, and with election holds the partition's own
//! lease key; status events keep their unpartitioned subject.
#![forbid(unsafe_code)]

pub mod availability;
pub mod bootstrap;
pub mod centre;
pub mod engine;
pub mod events;
pub mod findings;
pub mod flapping;
pub mod followed;
pub mod incidents;
pub mod leader;
pub mod links;
pub mod mass_silence;
mod numbers;
pub mod recovering;
pub mod rules;
pub mod score;
pub mod stats;
pub mod statuses;
pub mod timeouts;
pub mod timers;
pub mod tracker;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use healthmon_common::nats::{self, NatsAuth, NatsConfig};
use healthmon_common::{
    CancellationToken, MetricsService, ServiceError, ServiceHandle, ServiceTask, metrics_http,
    micro, telemetry,
};
use healthmon_proto::subjects::ASSESSOR_SERVICE;
use healthmon_registry::{Registry, RegistryConfig};
use tokio::sync::mpsc;
use tokio::time::Instant;

pub use mass_silence::MassSilenceRule;
pub use rules::{Rules, RulesError};
pub use timeouts::{MAX_MISSED_HEARTBEATS, MIN_MISSED_HEARTBEATS};

use engine::{Engine, Inputs};
use tracker::Tracker;

pub const DEFAULT_MISSED_HEARTBEATS: u32 = 3;
pub const DEFAULT_BOOTSTRAP_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct Config {
    pub nats: NatsConfig,
    pub metrics_addr: SocketAddr,
    /// Intervals without a report before a site is offline; 2..=100.
    pub missed_heartbeats: u32,
    pub rules: Rules,
    /// How long to wait for each page of the aggregator's site list at start.
    pub bootstrap_timeout: Duration,
    /// When most sites fall silent at once, suspect the centre instead.
    pub mass_silence: MassSilenceRule,
    /// Leader election between replicas through a JetStream KV lease of this
    /// length; `None` (the default) for a single assessor, which then needs
    /// no JetStream.
    pub leader_lease: Option<Duration>,
    /// Replicas of the lease bucket's stream when this assessor creates it
    /// (1 on a single server; 3 in a 3-server cluster survives losing one).
    pub leader_replicas: usize,
    /// The longest interval a site's own declaration may give it; the
    /// fleet registry's expected interval overrides.
    pub max_interval: Duration,
    /// The fleet registry's bucket.
    pub registry: RegistryConfig,
    /// Judge sites the registry does not list (the aggregator's flag of the
    /// same name decides whether they get listed).
    pub auto_register: bool,
    /// A system-account login on the same servers (`--advisories-user`):
    /// with it, the assessor follows the server's disconnect advisories and
    /// makes the sites behind a lost link late at once (`links`).
    pub advisories: Option<NatsAuth>,
}

impl Config {
    /// Defaults for everything but where NATS is and where to serve metrics.
    pub fn new(nats: NatsConfig, metrics_addr: SocketAddr) -> Self {
        Config {
            nats,
            metrics_addr,
            missed_heartbeats: DEFAULT_MISSED_HEARTBEATS,
            rules: Rules::default(),
            bootstrap_timeout: DEFAULT_BOOTSTRAP_TIMEOUT,
            mass_silence: MassSilenceRule::default(),
            leader_lease: None,
            max_interval: Duration::from_millis(u64::from(tracker::DEFAULT_MAX_INTERVAL_MS)),
            registry: RegistryConfig::default(),
            auto_register: true,
            advisories: None,
            leader_replicas: 1,
        }
    }

    pub fn validate(&self) -> Result<(), ServiceError> {
        if !(MIN_MISSED_HEARTBEATS..=MAX_MISSED_HEARTBEATS).contains(&self.missed_heartbeats) {
            return Err(ServiceError::Config(format!(
                "missed_heartbeats must be within {MIN_MISSED_HEARTBEATS}..={MAX_MISSED_HEARTBEATS}, got {}",
                self.missed_heartbeats
            )));
        }
        if self.bootstrap_timeout.is_zero() {
            return Err(ServiceError::Config(
                "bootstrap_timeout must be positive".into(),
            ));
        }
        self.mass_silence
            .validate()
            .map_err(|e| ServiceError::Config(e.to_string()))?;
        if self
            .leader_lease
            .is_some_and(|lease| lease < leader::MIN_LEASE)
        {
            return Err(ServiceError::Config(format!(
                "leader_lease must be at least {:?}",
                leader::MIN_LEASE
            )));
        }
        Ok(())
    }
}

/// A running assessor.
pub type Service = MetricsService;

/// Connects, subscribes, starts the micro service and the metrics endpoint;
/// returns once reports are being received, so a caller may publish at once.
/// The aggregator bootstrap continues in the background.
pub async fn start(config: Config, shutdown: CancellationToken) -> Result<Service, ServiceError> {
    config.validate()?;
    // Install the recorder before any metric is touched.
    telemetry::metrics_handle();
    stats::register();
    let subjects = config.nats.subjects.clone();
    let conn = nats::connect(&config.nats, ASSESSOR_SERVICE).await?;
    let client = conn.client.clone();
    let client_for_registry = client.clone();

    let reports = client
        .subscribe(subjects.reports())
        .await
        .map_err(|e| ServiceError::nats("subscribe to reports", e))?;
    let micro = micro::start_service(
        &client,
        &subjects,
        ASSESSOR_SERVICE,
        env!("CARGO_PKG_VERSION"),
        "healthmon assessor: current connectivity and health of every site",
    )
    .await?;
    let statuses = micro
        .group(subjects.assessor_group())
        // Named `statuses`, not after its subject, in `nats micro info/stats`.
        .endpoint_builder()
        .name("statuses")
        .add("statuses")
        .await
        .map_err(|e| ServiceError::nats("add statuses endpoint", e))?;
    let (leader, observed, lease) = match config.leader_lease {
        Some(lease) => {
            let observed = client
                .subscribe(subjects.statuses())
                .await
                .map_err(|e| ServiceError::nats("subscribe to status events", e))?;
            let instance = leader::instance_id();
            let key = leader::key(subjects.partition());
            let (rx, task) = leader::spawn(
                client.clone(),
                lease,
                config.leader_replicas,
                instance,
                key,
                shutdown.clone(),
            );
            (rx, Some(observed), Some(task))
        }
        None => (leader::always(), None, None),
    };
    let links = match &config.advisories {
        Some(auth) => {
            let login = NatsConfig {
                auth: auth.clone(),
                ..config.nats.clone()
            };
            Some(links::follow::spawn(&login, shutdown.clone()).await?)
        }
        None => None,
    };
    // A report published right after `start` returns must not be missed.
    healthmon_common::nats::round_trip(&client).await?;
    let metrics_addr = metrics_http::serve(config.metrics_addr, None, shutdown.clone()).await?;

    let (pages_tx, pages_rx) = mpsc::channel(4);
    tokio::spawn(bootstrap::fetch(
        client,
        subjects.clone(),
        config.bootstrap_timeout,
        pages_tx,
        shutdown.clone(),
    ));
    let tracker = Tracker::new(Instant::now(), config.missed_heartbeats, config.rules)
        .with_max_interval(config.max_interval);
    let registry = Arc::new(Registry::new(client_for_registry, config.registry.clone()));
    let (registry_changes, _availability, registry_task) =
        healthmon_registry::watch::spawn(registry, subjects.partition(), shutdown.clone());
    let mass = mass_silence::MassSilence::new(config.mass_silence);
    let partition = subjects.partition().map(|p| p.to_string());
    let engine = Engine::new(conn, subjects, tracker, mass, leader, config.auto_register);
    let inputs = Inputs {
        reports,
        statuses,
        bootstrap: pages_rx,
        micro,
        observed,
        lease,
        registry: registry_changes,
        registry_task,
        links,
    };
    tracing::info!(
        missed_heartbeats = config.missed_heartbeats,
        mass_silence_fraction = config.mass_silence.fraction,
        mass_silence_min_sites = config.mass_silence.min_sites,
        leader_lease = ?config.leader_lease,
        leader_replicas = config.leader_replicas,
        partition = partition.as_deref().unwrap_or("none"),
        %metrics_addr,
        "assessor started"
    );
    let task = ServiceTask::spawn("assessor", engine.run(inputs, shutdown));
    Ok(Service::new(metrics_addr, task))
}

pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), ServiceError> {
    start(config, shutdown).await?.wait().await
}
