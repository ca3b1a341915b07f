//! `healthmon-dashboard-api`: the HTTP face of healthmon.
//!
//! A stateless service: every data request is answered by querying the
//! aggregator's NATS micro service (`<prefix>.agg.{summary,list,get}`; with
//! `--partitions N`, every partition's and merged, see `healthmon-client`), and
//! status events published by the assessor on `<prefix>.status.*` are relayed
//! live to browsers as Server-Sent Events. Any number of replicas can run side
//! by side. One listener serves:
//! - `GET /api/v1/summary`, `/api/v1/sites`, `/api/v1/sites/{site_id}` ([`api`]);
//! - `GET /api/v1/events`, the SSE stream ([`sse`]);
//! - `GET /healthz`, `/readyz` ([`ready`]) and `/metrics`;
//! - the web page ([`ui`]);
//! - admin actions, written to the fleet registry that every replica
//!   watches ([`admin`], [`fleet`]): maintenance windows (one site, or by
//!   label selector), forget, labels, acknowledgements;
//! - `GET /api/v1/openapi.json`, the OpenAPI document generated from the handlers ([`openapi`]).
//!
//! Query strings are parsed by [`params`] (pure, property-tested) and every
//! error is JSON ([`error`]). Requests for site data are authenticated and
//! checked for their role ([`auth`], [`guard`]) and narrowed to the
//! caller's scope ([`scope`]); admin actions and refusals are audited
//! ([`audit`]).
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod error;
pub mod events;
pub mod fleet;
pub mod guard;
pub mod http_metrics;
pub mod label_rules;
pub mod metric_names;
pub mod openapi;
pub mod params;
pub mod prometheus;
pub mod ready;
pub mod relay;
pub mod scope;
pub mod site_path;
pub mod sse;
pub mod state;
mod ui;
pub mod uptime;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use healthmon_common::nats::{self, NatsConfig};
use healthmon_common::telemetry::metrics_handle;
use healthmon_common::{CancellationToken, ConfigError, ServiceError, ServiceHandle, ServiceTask};
use tokio::net::TcpListener;

use crate::state::AppState;
use healthmon_client::{AggregatorClient, Options, Retry};
use healthmon_registry::{Registry, RegistryConfig};

/// The name this service uses on NATS (`nats server report connections`).
pub const NATS_NAME: &str = "healthmon-dashboard-api";

/// Longest accepted `aggregator_timeout`: past this a browser has given up anyway.
pub const MAX_AGGREGATOR_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Config {
    pub nats: NatsConfig,
    /// Where the API, the page and `/metrics` are served; port 0 picks a free one.
    pub http_addr: SocketAddr,
    /// How long to wait for the aggregator's answer before a 504.
    pub aggregator_timeout: Duration,
    /// Who may use the API ([`auth::AuthMode::Disabled`] only for a local demo).
    pub auth: auth::AuthMode,
    /// How many partitions the fleet is split into (`--partitions`): 1 for
    /// an unpartitioned deployment (`<prefix>.agg.*`); N asks every
    /// partition's aggregator (`<prefix>.agg.<i>.*`) and merges.
    pub partitions: u16,
    /// The fleet registry admin actions write to.
    pub registry: RegistryConfig,
    /// A Prometheus server (`http://…`) scraping healthmon: the page's 24 h
    /// sparkline per site is queried from it; `None`, no sparkline.
    pub prometheus_url: Option<String>,
}

impl Config {
    /// The checks `main` reports as a usage error; `start` repeats them.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.aggregator_timeout.is_zero() || self.aggregator_timeout > MAX_AGGREGATOR_TIMEOUT {
            return Err(ConfigError::invalid(
                "--aggregator-timeout",
                format!(
                    "expected a duration above 0 and at most {}s",
                    MAX_AGGREGATOR_TIMEOUT.as_secs()
                ),
            ));
        }
        healthmon_proto::subjects::checked_count(u32::from(self.partitions))
            .map_err(|e| ConfigError::invalid("--partitions", e))?;
        if let Some(url) = &self.prometheus_url {
            let host = url.strip_prefix("http://").unwrap_or_default();
            if host.is_empty() || host.starts_with('/') {
                return Err(ConfigError::invalid(
                    "--prometheus-url",
                    format!(
                        "expected http://host:port, got {url:?} (https: put Prometheus behind a local proxy)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

pub struct Service {
    /// The bound HTTP address.
    pub http_addr: SocketAddr,
    /// The same as `http_addr`: `/metrics` is served on the HTTP listener.
    pub metrics_addr: SocketAddr,
    task: ServiceTask,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("http_addr", &self.http_addr)
            .finish()
    }
}

/// Binds the listener, connects to NATS and subscribes to status events;
/// returns once requests are served and events are relayed.
pub async fn start(config: Config, shutdown: CancellationToken) -> Result<Service, ServiceError> {
    config
        .validate()
        .map_err(|e| ServiceError::Config(e.to_string()))?;
    // Installs the recorder before the first metric is touched.
    metrics_handle();
    metric_names::describe();
    // Bind first: a taken port should fail at once, not after NATS retries.
    let listener = TcpListener::bind(config.http_addr)
        .await
        .map_err(|source| ServiceError::Bind {
            addr: config.http_addr,
            source,
        })?;
    let http_addr = listener.local_addr().map_err(|source| ServiceError::Bind {
        addr: config.http_addr,
        source,
    })?;

    log_auth_mode(&config.auth, http_addr);
    let connection = nats::connect(&config.nats, NATS_NAME).await?;
    let client = connection.client.clone();
    let (events, relay) =
        relay::start_relay(&client, &config.nats.subjects, shutdown.clone()).await?;
    let audit = audit::Auditor::new(client.clone(), &config.nats.subjects);
    let registry = Arc::new(Registry::new(client.clone(), config.registry.clone()));
    let (fleet, fleet_task) = fleet::Fleet::start(registry, shutdown.clone());
    let guard = std::sync::Arc::new(guard::Guard {
        mode: config.auth.clone(),
        audit: audit.clone(),
    });
    let state = AppState {
        audit,
        guard,
        // Reads are retried once: with aggregator replicas in one queue group,
        // a request in flight to a replica that just died is lost, and the
        // next try reaches a live one (docs/SCALING.md).
        aggregator: AggregatorClient::new(
            client.clone(),
            &config.nats.subjects,
            Options {
                partitions: config.partitions,
                timeout: config.aggregator_timeout,
                retry: Retry::ReadsOnce,
            },
        ),
        fleet,
        link: connection.link,
        events,
        shutdown: shutdown.clone(),
        // Within the aggregator's timeout, so a slow Prometheus fails the
        // request before the whole-request timeout does.
        prometheus: config
            .prometheus_url
            .as_deref()
            .map(|url| prometheus::Prometheus::new(url, config.aggregator_timeout)),
    };
    let app = app::router(state, config.aggregator_timeout);

    let task = ServiceTask::spawn("dashboard API", async move {
        // Peer addresses, for the audit's `from`.
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(e) = relay.await {
            tracing::error!(error = %e, "status event relay failed");
        }
        let _ = fleet_task.await;
        nats::drain(&client).await;
        tracing::info!("dashboard API stopped");
        served.map_err(|source| ServiceError::Bind {
            addr: http_addr,
            source,
        })
    });
    tracing::info!(%http_addr, partitions = config.partitions, "dashboard API listening");
    Ok(Service {
        http_addr,
        metrics_addr: http_addr,
        task,
    })
}

impl ServiceHandle for Service {
    /// Waits until shutdown has completed: HTTP connections closed, NATS drained.
    async fn wait(self) -> Result<(), ServiceError> {
        self.task.wait().await
    }
}

/// One line at every start saying who may use the API; loud when nobody is checked.
fn log_auth_mode(mode: &auth::AuthMode, http_addr: SocketAddr) {
    match mode {
        auth::AuthMode::Disabled => tracing::warn!(
            %http_addr,
            "AUTHENTICATION IS OFF (--insecure-no-auth): anyone who can reach this API may read \
             every site and change the fleet registry. For a local demo only; use \
             --auth-tokens or --trust-proxy-header anywhere else (docs/SECURITY.md)"
        ),
        auth::AuthMode::Tokens(table) => {
            tracing::info!(users = table.len(), "API authentication: bearer tokens")
        }
        auth::AuthMode::Proxy(headers) => tracing::info!(
            user_header = %headers.user,
            role_header = %headers.role,
            "API authentication: user and role from a trusted reverse proxy's headers"
        ),
    }
}

pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), ServiceError> {
    start(config, shutdown).await?.wait().await
}
