//! healthmon-collector: runs at each site and publishes the site's
//! `HealthReport` on `<prefix>.report.<site_id>` every interval.
//!
//! A report is gathered from the site's own subsystems without code changes
//! by the site operator: host resources (sysinfo), the subsystems'
//! Prometheus text endpoints read through a configurable mapping, and TCP
//! probes of data connections. Error rates come from counter increases
//! between reports. The collector answers central's resend requests after a
//! small random delay, never sends a burst of stale reports after a NATS
//! outage, and can instead simulate many sites for demos and load tests.
//!
//! Layout: pure logic (config, [`exposition`] parsing, [`mapping`],
//! [`rates`], [`readings`], [`sanitize`], [`schedule`], [`simulate`]) is
//! separate from the I/O modules (`host`, `scrape`, `probe`, `collect`,
//! `publisher`), which stay thin.
#![forbid(unsafe_code)]

pub mod config;
pub mod config_file;
pub mod exposition;
pub mod mapping;
pub mod metrics;
pub mod rates;
pub mod readings;
pub mod sanitize;
pub mod schedule;
pub mod simulate;

mod collect;
mod host;
mod probe;
mod publisher;
mod scrape;

use healthmon_common::{
    CancellationToken, MetricsService, ServiceError, ServiceHandle, ServiceTask, metrics_http, nats,
};

pub use config::{Config, ConfigError, Simulate, Sources};

use crate::collect::SiteCollector;
use crate::publisher::{Loop, Source};
use crate::simulate::Simulator;

/// A running collector.
pub type Service = MetricsService;

/// Connects, subscribes to resend requests and serves `/metrics`; returns
/// once the collector is live. The first report follows at once.
pub async fn start(config: Config, shutdown: CancellationToken) -> Result<Service, ServiceError> {
    config
        .validate()
        .map_err(|e| ServiceError::Config(format!("invalid configuration: {e}")))?;
    // Install the recorder before the first counter is touched, or it is lost.
    healthmon_common::telemetry::metrics_handle();
    metrics::register(&config);
    let interval_ms = u64::try_from(config.interval.as_millis()).unwrap_or(u64::MAX);
    let (source, name) = match &config.simulate {
        Some(sim) => {
            let simulator = Simulator::new(
                config.sim_prefix(),
                sim.sites,
                interval_ms,
                sim.fault_rate,
                sim.seed,
            );
            let name = format!("healthmon-collector simulating {} sites", sim.sites);
            (Source::Sim(Box::new(simulator)), name)
        }
        None => {
            let collector =
                SiteCollector::new(&config.site_id, config.interval, config.sources.clone())
                    .map_err(|e| ServiceError::Config(format!("cannot set up scraping: {e}")))?;
            let name = format!("healthmon-collector {}", config.site_id);
            (Source::Site(Box::new(collector)), name)
        }
    };
    let metrics_addr = metrics_http::serve(config.metrics_addr, None, shutdown.clone()).await?;
    let conn = nats::connect(&config.nats, &name).await?;
    let subjects = config.nats.subjects.clone();
    let resend = conn
        .client
        .subscribe(subjects.resend())
        .await
        .map_err(|e| ServiceError::nats("subscribe to resend requests", e))?;
    // No round trip through the server here: a site's NATS user may only
    // publish its reports and hear commands (no `_INBOX` replies). None is
    // needed either: the server handles one connection's commands in order,
    // and the first report follows this SUB, so whoever has seen a report
    // from us knows we hear resend requests.
    tracing::info!(
        subject = %subjects.report(config.simulate.as_ref().map_or(config.site_id.as_str(), |_| "*")),
        interval = ?config.interval,
        "collector started"
    );
    let lp = Loop::new(
        conn,
        resend,
        subjects,
        source,
        config.interval,
        config.resend_jitter,
    );
    let task = ServiceTask::spawn("collector", lp.run(shutdown));
    Ok(Service::new(metrics_addr, task))
}

pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), ServiceError> {
    start(config, shutdown).await?.wait().await
}
