//! healthmon aggregator: the central, in-memory view of every site's latest health.
//!
//! It subscribes to collector reports (`<prefix>.report.*`) and assessor status
//! events (`<prefix>.status.*`), keeps the latest of each per site in a
//! [`state::SiteTable`] (nothing on disk, no history), and serves it:
//! - to the dashboard API as the NATS micro service `healthmon-aggregator`
//!   (`<prefix>.agg.{summary,list,get}`, [`queries`]);
//! - to Prometheus as per-site gauges on `/metrics` ([`exposition`]), so a
//!   Prometheus server can keep the history healthmon deliberately does not.
//!
//! On start it asks every collector to report again, spread over a window
//! sized from the fleet ([`resend`]), and pulls current
//! statuses from the assessor ([`bootstrap`]), so a restart shows the whole
//! fleet within seconds rather than one report interval; and it reads the
//! fleet registry ([`registry`]), so a site that stays silent is shown (and
//! exported, `healthmon_site_up` 0) as one the centre expects, not
//! forgotten. It registers a site on its first report (unless
//! `--auto-register=false`) and tells the registry what sites declare.
//!
//! Started for one partition of a partitioned fleet (subjects built with
//! `Subjects::partitioned`, the `--partition i/N` flag), it hears only the
//! reports the NATS server maps to that partition, serves its endpoints
//! under `<prefix>.agg.<i>`, bootstraps from the same partition's assessor,
//! and ignores status events of sites another partition holds, so the
//! partitions stay disjoint (docs/SCALING.md).
//!
//! Pure logic ([`state`], [`views`], [`messages`], [`exposition`]) is separate
//! from the thin I/O modules ([`ingest`], [`queries`], [`bootstrap`]).
#![forbid(unsafe_code)]

pub mod bootstrap;
pub mod exposition;
pub mod ingest;
pub mod messages;
pub mod metric_names;
pub mod queries;
pub mod registry;
pub mod resend;
pub mod state;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_nats::Client;
use healthmon_common::nats::{self, LinkState, NatsConfig};
use healthmon_common::{
    CancellationToken, ConfigError, MetricsService, ServiceError, ServiceHandle, ServiceTask,
    metrics_http, telemetry,
};
use healthmon_proto::subjects::AGGREGATOR_SERVICE;
use healthmon_registry::RegistryConfig;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::exposition::SiteSeries;
use crate::ingest::{Admission, Ingest, IngestMetrics};
use crate::state::SiteTable;

pub const DEFAULT_ASSESSOR_BOOTSTRAP_TIMEOUT: Duration = Duration::from_secs(2);

/// Longest wait for the NATS connection to close after draining at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Validated settings (see `main.rs` for the flags).
#[derive(Debug, Clone)]
pub struct Config {
    pub nats: NatsConfig,
    pub metrics_addr: SocketAddr,
    /// How long to wait for each page of the assessor's `statuses` at start-up.
    pub assessor_bootstrap_timeout: Duration,
    /// Which sites get per-site series on /metrics.
    pub site_series: SiteSeries,
    /// At most this many sites' series in `unhealthy` mode (the worst kept).
    pub site_series_limit: usize,
    /// The fleet registry's bucket.
    pub registry: RegistryConfig,
    /// Register a site on its first valid report; off: refuse reports of
    /// sites the registry does not list (`unregistered`).
    pub auto_register: bool,
    /// Pace of the answers to a resend request, reports/s: sizes the
    /// window collectors spread them over ([`resend`]).
    pub resend_rate: u32,
    /// How long to listen to the fleet's reports before the start-up resend
    /// (they tell its size when nothing else does: [`resend::Heard`]).
    pub resend_listen: Duration,
}

impl Config {
    /// Settings with defaults for everything but where to connect and listen.
    pub fn new(nats: NatsConfig, metrics_addr: SocketAddr) -> Self {
        Config {
            nats,
            metrics_addr,
            assessor_bootstrap_timeout: DEFAULT_ASSESSOR_BOOTSTRAP_TIMEOUT,
            site_series: SiteSeries::Auto,
            site_series_limit: exposition::DEFAULT_UNHEALTHY_LIMIT,
            registry: RegistryConfig::default(),
            auto_register: true,
            resend_rate: resend::DEFAULT_RATE,
            resend_listen: resend::DEFAULT_LISTEN,
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::ensure(
            !self.assessor_bootstrap_timeout.is_zero(),
            "--assessor-bootstrap-timeout",
            "must be above zero",
        )?;
        ConfigError::ensure(
            self.resend_rate >= 1,
            "--resend-rate",
            "must be at least 1 report/s",
        )
    }
}

/// A running aggregator.
pub type Service = MetricsService;

/// Connects, subscribes, registers the micro service and binds `/metrics`;
/// returns once subscriptions are active at the server.
pub async fn start(config: Config, shutdown: CancellationToken) -> Result<Service, ServiceError> {
    config
        .validate()
        .map_err(|e| ServiceError::Config(e.to_string()))?;
    // Our own token, so a failed start (or a failed part) stops what already runs.
    let stop = shutdown.child_token();
    let started = start_parts(config, stop.clone()).await;
    if started.is_err() {
        stop.cancel();
    }
    started
}

/// `start`, then `wait`.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), ServiceError> {
    start(config, shutdown).await?.wait().await
}

async fn start_parts(config: Config, stop: CancellationToken) -> Result<Service, ServiceError> {
    // The recorder must exist before counter handles are taken, or they record nowhere.
    telemetry::metrics_handle();
    if config.nats.subjects.partition().is_some() {
        register_partition_metrics();
    }
    let table = SiteTable::shared();
    // Bind first: a taken port fails at once rather than after NATS retries.
    let renderer =
        exposition::renderer(table.clone(), config.site_series, config.site_series_limit);
    let metrics_addr =
        metrics_http::serve(config.metrics_addr, Some(renderer), stop.clone()).await?;

    let nats::Connection { client, link } = nats::connect(&config.nats, AGGREGATOR_SERVICE).await?;
    let mut tasks = JoinSet::new();
    let registry = registry::start(
        client.clone(),
        config.registry.clone(),
        config.nats.subjects.partition(),
        table.clone(),
        &stop,
        &mut tasks,
    );
    let ingest = Arc::new(Ingest::new(
        table.clone(),
        config.nats.subjects.clone(),
        IngestMetrics::register(),
        Admission {
            auto_register: config.auto_register,
            registrar: registry.registrar.clone(),
        },
    ));
    let subjects = &ingest.subjects;
    let subscribe = |subject: String| {
        let client = client.clone();
        async move {
            client
                .subscribe(subject.clone())
                .await
                .map_err(|e| ServiceError::nats(format!("subscribe {subject}"), e))
        }
    };
    let reports = subscribe(subjects.reports()).await?;
    let statuses = subscribe(subjects.statuses()).await?;
    let incidents = subscribe(subjects.incidents()).await?;
    tasks.spawn(ingest::run_reports(reports, ingest.clone(), stop.clone()));
    tasks.spawn(ingest::run_statuses(statuses, ingest.clone(), stop.clone()));
    tasks.spawn(ingest::run_incidents(
        incidents,
        ingest.clone(),
        stop.clone(),
    ));
    tasks.spawn(bootstrap::resend_after_reconnect(
        client.clone(),
        link.clone(),
        ingest.clone(),
        config.resend_rate,
        stop.clone(),
    ));
    let micro = queries::start(&client, subjects, &table, &stop, &mut tasks).await?;
    // A peer may publish as soon as `start` returns: make sure the server has our SUBs.
    nats::round_trip(&client).await?;

    // The first resend is sized by the fleet the registry lists (wait,
    // briefly, until it is read) or by what the reports heard while
    // listening stand for; the assessor's statuses are pulled meanwhile.
    bootstrap::registry_read(&ingest, &registry.availability, &stop).await;
    let pull = tokio::spawn({
        let (client, ingest, stop) = (client.clone(), ingest.clone(), stop.clone());
        let (timeout, listen, rate) = (
            config.assessor_bootstrap_timeout,
            config.resend_listen,
            config.resend_rate,
        );
        async move {
            let resend = async {
                tokio::time::sleep_until((ingest.heard.since() + listen).into()).await;
                if let Err(e) = bootstrap::request_resend(&client, &ingest, rate).await {
                    tracing::warn!(error = %e, "could not ask collectors to report at start");
                }
            };
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = futures::future::join(resend, bootstrap::pull_statuses(&client, &ingest, timeout)) => {}
            }
        }
    });
    let partition = subjects.partition().map(|p| p.to_string());
    tracing::info!(%metrics_addr, partition = partition.as_deref().unwrap_or("none"), "aggregator running");
    let task = ServiceTask::spawn(
        "aggregator",
        supervise(client, link, tasks, pull, micro, stop),
    );
    Ok(Service::new(metrics_addr, task))
}

/// A partition's aggregator hears every status event (status subjects are
/// not partitioned) and ignores those of sites another partition holds;
/// the series exists at zero from the start so a dashboard sees a line.
fn register_partition_metrics() {
    metrics::counter!(metric_names::STATUS_IGNORED, "reason" => "other_partition").increment(0);
}

/// Runs until shutdown (or until a loop ends on its own, which means the
/// connection was closed under us), then drains the connection.
async fn supervise(
    client: Client,
    mut link: watch::Receiver<LinkState>,
    mut tasks: JoinSet<()>,
    pull: JoinHandle<()>,
    micro: async_nats::service::Service,
    stop: CancellationToken,
) -> Result<(), ServiceError> {
    let ended_early = tokio::select! {
        biased;
        _ = stop.cancelled() => false,
        _ = tasks.join_next() => !stop.is_cancelled(),
    };
    stop.cancel();
    while tasks.join_next().await.is_some() {}
    let _ = pull.await;
    let _ = micro.stop().await;
    nats::drain(&client).await;
    // `drain` only starts the drain; wait for the close so that, once `wait`
    // returns, nothing of this service is left at the server.
    let closed = link.wait_for(|state| !state.connected);
    if tokio::time::timeout(DRAIN_TIMEOUT, closed).await.is_err() {
        tracing::warn!("NATS connection not closed within {DRAIN_TIMEOUT:?} of draining");
    }
    if ended_early {
        return Err(ServiceError::nats(
            "receive",
            "a subscription or endpoint closed unexpectedly",
        ));
    }
    tracing::info!("aggregator stopped");
    Ok(())
}
