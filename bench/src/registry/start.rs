//! Starting a service on a registry and waiting until it has loaded it:
//! its `/metrics` shows `healthmon_registry_load_seconds` (watch start →
//! every entry handed on), polled every [`LOAD_POLL`].
//!
//! The aggregators run with `--site-series none` in this section: every
//! poll of their `/metrics` would otherwise render every site's series
//! (costly at 100,000 sites, and it would load the very process being
//! timed); exposition does not touch the registry, the table or what the
//! process holds at rest.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use async_nats::Client;
use healthmon_registry::metric_names::{LOADED_SECONDS, SITES};
use healthmon_test_support::{NatsServer, promtext};

use crate::Ctx;
use crate::services::{self, Svc};

/// How often a starting service's `/metrics` is read for its load gauge.
pub const LOAD_POLL: Duration = Duration::from_millis(20);
const SITE_SERIES_NONE: [&str; 2] = ["--site-series", "none"];

/// The services that watch the registry, in the order they can start (the
/// API needs a ready aggregator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Aggregator,
    Assessor,
    DashboardApi,
}

impl Service {
    pub const ALL: [Service; 3] = [
        Service::Aggregator,
        Service::Assessor,
        Service::DashboardApi,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Aggregator => "aggregator",
            Service::Assessor => "assessor",
            Service::DashboardApi => "dashboard API",
        }
    }

    /// A log label: `<prefix>-<name>`, without spaces.
    pub fn label(self, prefix: &str) -> String {
        format!("{prefix}-{}", self.name().replace(' ', "-"))
    }
}

/// A started service and what it said about its load.
pub struct Loaded {
    pub svc: Svc,
    /// Its own `healthmon_registry_load_seconds`.
    pub load_seconds: f64,
    /// Spawn → its `/metrics` showed that gauge (process start and NATS
    /// connection included).
    pub after_start: Duration,
    /// CPU time of the process by then.
    pub cpu_seconds: f64,
    /// Its `healthmon_registry_sites` then.
    pub registry_sites: u64,
}

/// Everything a service start needs: a part's own nats-server with
/// JetStream (the registry's bucket), a client of it and an HTTP client.
pub struct On<'a> {
    pub ctx: &'a Ctx,
    pub nats: NatsServer,
    pub client: Client,
    pub http: reqwest::Client,
}

impl<'a> On<'a> {
    /// Starts the part's nats-server, logging as `label`, and connects to it.
    pub async fn nats(ctx: &'a Ctx, label: &str) -> Result<Self> {
        let nats = crate::nats::start_jetstream(&ctx.log_dir, label)?;
        let client = async_nats::connect(nats.url()).await?;
        Ok(On {
            ctx,
            nats,
            client,
            http: reqwest::Client::new(),
        })
    }

    /// Starts `service` and waits until it has loaded the registry.
    pub async fn start(&self, service: Service, label: &str) -> Result<Loaded> {
        let On {
            ctx,
            nats,
            client,
            http,
        } = self;
        let spawned = Instant::now();
        let mut svc = match service {
            Service::Aggregator => {
                services::aggregator_with(ctx, nats, client, label, &SITE_SERIES_NONE).await?
            }
            Service::Assessor => services::assessor(ctx, nats, client, label).await?,
            Service::DashboardApi => services::dashboard(ctx, nats, http, label).await?,
        };
        let patience = ctx.scale.patience();
        loop {
            svc.proc.alive()?;
            if let Ok(text) = svc.scrape(http).await
                && let Some(load_seconds) = promtext::value(&text, LOADED_SECONDS)
            {
                let after_start = spawned.elapsed();
                let cpu_seconds = svc.proc.cpu_seconds()?;
                let registry_sites = promtext::value(&text, SITES).unwrap_or(0.0) as u64;
                return Ok(Loaded {
                    svc,
                    load_seconds,
                    after_start,
                    cpu_seconds,
                    registry_sites,
                });
            }
            if spawned.elapsed() > patience {
                bail!(
                    "the {} did not load the registry within {patience:?}",
                    service.name()
                );
            }
            tokio::time::sleep(LOAD_POLL).await;
        }
    }
}
