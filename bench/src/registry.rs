//! Section 8, the fleet registry (issue 12's figures), on a nats-server
//! with JetStream, as in production:
//!
//! - **load**: the bucket filled with N roster records (three labels and an
//!   expected interval each: one JSON value per `site.<id>` key, as
//!   `healthmon fleet apply` writes them, [`FILL_IN_FLIGHT`] puts in
//!   flight), then each service started in turn — aggregator, assessor,
//!   dashboard API, each left running while the next starts, as the API
//!   needs an aggregator to be ready. Per service: its own
//!   `healthmon_registry_load_seconds` (watch start → every entry handed
//!   on), the time from its spawn until its `/metrics` shows that gauge
//!   (polled every [`LOAD_POLL`]; includes the process start and the NATS
//!   connection), its CPU time by then, and `healthmon_registry_sites`,
//!   which must be N. The aggregator must also hold all N in its table.
//! - **memory**: each service's RSS with those N sites loaded (none
//!   reporting) minus its RSS with an empty registry (separate processes
//!   with the same flags, on the same bucket before the fill), ÷ N.
//! - **propagation**: two aggregators, an assessor and two dashboard APIs
//!   on a fleet of `registry_fleet` registered sites. Maintenance is set on
//!   half of `registry_actions` sites, one after the other, then cleared in
//!   the same order, all through API replica a (`PUT`/`DELETE
//!   /api/v1/sites/{id}/maintenance`, admin token). Each action is timed
//!   from its request until every replica shows it, each polled every
//!   [`POLL`] (the time a poll's answer arrived counts): each aggregator's
//!   `/metrics` through its `healthmon_fleet_sites{maintenance="true"}`
//!   total, which after the k-th of these sequential actions has a value
//!   no other moment has (k on the way up, then down), and each API
//!   replica's `GET /api/v1/sites/{id}` `maintenance` flag (answered by
//!   either aggregator, as any read through the API is).
//!
//! The aggregators run with `--site-series none` here: every poll of their
//! `/metrics` would otherwise render every site's series (costly at 100,000
//! sites, and it would load the very process being timed); exposition does
//! not touch the registry, the table or what the process holds at rest.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use async_nats::Client;
use futures::{StreamExt, TryStreamExt};
use healthmon_common::clock::now_ms;
use healthmon_proto::fleet::{SiteRecord, Source};
use healthmon_registry::{Kind, Labels, Registry, RegistryConfig};
use serde::Serialize;

use crate::Ctx;
use crate::fleet::site_id;
use crate::services::{self, Svc};
use crate::stats::{Percentiles, round3};
use healthmon_test_support::{NatsServer, promtext};

/// Registry puts in flight while filling the bucket.
pub const FILL_IN_FLIGHT: usize = 512;
/// How often a starting service's `/metrics` is read for its load gauge.
pub const LOAD_POLL: Duration = Duration::from_millis(20);
/// How often each replica is asked whether it shows an admin action.
pub const POLL: Duration = Duration::from_millis(2);
/// An action not shown everywhere by then counts as a timeout.
const VISIBLE_TIMEOUT: Duration = Duration::from_secs(5);
/// The expected interval of every record: long, so that no registered
/// (never reporting) site goes offline while the section runs.
const EXPECTED_INTERVAL_MS: u64 = 3_600_000;
const SITE_SERIES_NONE: [&str; 2] = ["--site-series", "none"];

const LOAD_SECONDS: &str = "healthmon_registry_load_seconds";
const REGISTRY_SITES: &str = "healthmon_registry_sites";

#[derive(Debug, Clone, Serialize)]
pub struct RegistryResult {
    /// Registered sites of the load and memory measurements.
    pub sites: usize,
    /// JSON bytes of a typical record.
    pub record_bytes: usize,
    pub fill: Fill,
    /// Aggregator, assessor, dashboard API, in start order.
    pub services: Vec<ServiceLoad>,
    pub propagation: Propagation,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fill {
    pub seconds: f64,
    pub records_per_s: f64,
    pub in_flight: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceLoad {
    pub service: &'static str,
    /// The service's own `healthmon_registry_load_seconds`.
    pub load_seconds: f64,
    /// Spawn → its `/metrics` shows the load gauge.
    pub loaded_after_start_s: f64,
    /// CPU time of the process from its start until then.
    pub cpu_seconds: f64,
    /// Its `healthmon_registry_sites` once loaded.
    pub registry_sites: u64,
    pub empty_rss_bytes: u64,
    pub loaded_rss_bytes: u64,
    /// (loaded − empty) ÷ sites.
    pub bytes_per_site: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Propagation {
    /// Registered sites of this fleet.
    pub sites: usize,
    pub actions: usize,
    pub poll_ms: f64,
    /// Request → the API's answer (the registry write acknowledged).
    pub write: Percentiles,
    /// Request → every replica shows it.
    pub visible: Percentiles,
    /// Request → each replica shows it.
    pub replicas: Vec<ReplicaLatency>,
    /// Actions not shown everywhere within 5 s (not in `visible`).
    pub timeouts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicaLatency {
    pub replica: String,
    pub visible: Percentiles,
}

pub async fn run(ctx: &Ctx) -> Result<RegistryResult> {
    let (sites, record_bytes, fill, services) = load(ctx).await?;
    let propagation = propagation(ctx).await?;
    Ok(RegistryResult {
        sites,
        record_bytes,
        fill,
        services,
        propagation,
    })
}

/// A roster record as an operator declares it: three labels and an expected interval.
fn record(i: usize, now: u64) -> SiteRecord {
    const REGIONS: [&str; 8] = [
        "eu-west", "eu-north", "eu-central", "us-east", "us-west", "ap-south", "ap-east", "sa-east",
    ];
    const TIERS: [&str; 3] = ["gold", "silver", "bronze"];
    let labels: Labels = [
        ("region", REGIONS[i % REGIONS.len()].to_owned()),
        ("customer", format!("customer-{:03}", i % 250)),
        ("tier", TIERS[i % TIERS.len()].to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    SiteRecord {
        labels,
        interval_ms: Some(EXPECTED_INTERVAL_MS),
        ..SiteRecord::declared(now, Source::Roster)
    }
}

/// The bucket as the services create it (their settings, through the
/// registry crate), empty.
async fn bucket(client: &Client) -> Result<async_nats::jetstream::kv::Store> {
    let registry = Registry::new(client.clone(), RegistryConfig::default());
    registry.store().await.context("create the registry bucket")
}

/// Puts `n` records, [`FILL_IN_FLIGHT`] at a time; checks the bucket holds them.
async fn fill(client: &Client, prefix: &str, n: usize) -> Result<Fill> {
    let store = bucket(client).await?;
    let now = now_ms();
    let started = Instant::now();
    futures::stream::iter(0..n)
        .map(Ok::<usize, anyhow::Error>)
        .try_for_each_concurrent(FILL_IN_FLIGHT, |i| {
            let store = store.clone();
            async move {
                let key = Kind::Site.key(&site_id(prefix, i));
                let value = healthmon_registry::entry::encode(&record(i, now));
                store
                    .put(&key, value)
                    .await
                    .with_context(|| format!("put {key}"))?;
                Ok(())
            }
        })
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut stream = store.stream.clone();
    let held = stream.info().await.context("registry stream info")?.state.messages;
    if held < n as u64 {
        bail!("the registry bucket holds {held} entries after {n} puts");
    }
    Ok(Fill {
        seconds: round3(seconds),
        records_per_s: (n as f64 / seconds.max(1e-9)).round(),
        in_flight: FILL_IN_FLIGHT,
    })
}

#[derive(Debug, Clone, Copy)]
enum Service {
    Aggregator,
    Assessor,
    DashboardApi,
}

impl Service {
    const ALL: [Service; 3] = [Service::Aggregator, Service::Assessor, Service::DashboardApi];

    fn name(self) -> &'static str {
        match self {
            Service::Aggregator => "aggregator",
            Service::Assessor => "assessor",
            Service::DashboardApi => "dashboard API",
        }
    }

    async fn start(
        self,
        ctx: &Ctx,
        nats: &NatsServer,
        client: &Client,
        http: &reqwest::Client,
        label: &str,
    ) -> Result<Svc> {
        match self {
            Service::Aggregator => {
                services::aggregator_with(ctx, nats, client, label, &SITE_SERIES_NONE).await
            }
            Service::Assessor => services::assessor(ctx, nats, client, label).await,
            Service::DashboardApi => services::dashboard(ctx, nats, http, label).await,
        }
    }
}

/// What a started service said about its load.
struct Loaded {
    svc: Svc,
    load_seconds: f64,
    after_start: Duration,
    cpu_seconds: f64,
    registry_sites: u64,
}

/// Starts `service` and waits until its `/metrics` shows the load gauge.
async fn start_loaded(
    ctx: &Ctx,
    service: Service,
    nats: &NatsServer,
    client: &Client,
    http: &reqwest::Client,
    label: &str,
) -> Result<Loaded> {
    let spawned = Instant::now();
    let mut svc = service.start(ctx, nats, client, http, label).await?;
    let patience = ctx.scale.patience();
    loop {
        svc.proc.alive()?;
        if let Ok(text) = svc.scrape(http).await
            && let Some(load_seconds) = promtext::value(&text, LOAD_SECONDS)
        {
            let after_start = spawned.elapsed();
            let cpu_seconds = svc.proc.cpu_seconds()?;
            let registry_sites = promtext::value(&text, REGISTRY_SITES).unwrap_or(0.0) as u64;
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

/// Load times and RSS per registered site of each service.
async fn load(ctx: &Ctx) -> Result<(usize, usize, Fill, Vec<ServiceLoad>)> {
    let sites = ctx.scale.registry_sites;
    let nats = crate::nats::start_jetstream(&ctx.log_dir, "registry-load")?;
    let client = async_nats::connect(nats.url()).await?;
    let http = reqwest::Client::new();
    bucket(&client).await?;

    // With an empty registry: the baseline of each service's RSS.
    let mut empty_rss = Vec::new();
    {
        let mut running = Vec::new();
        for service in Service::ALL {
            let label = format!("registry-empty-{}", service.name().replace(' ', "-"));
            running.push(start_loaded(ctx, service, &nats, &client, &http, &label).await?);
        }
        tokio::time::sleep(ctx.scale.settle()).await;
        for l in &running {
            empty_rss.push(l.svc.proc.rss_bytes()?);
        }
    }

    let fill = fill(&client, "reg", sites).await?;
    let record_bytes = healthmon_registry::entry::encode(&record(0, now_ms())).len();

    let mut running = Vec::new();
    for service in Service::ALL {
        let label = format!("registry-load-{}", service.name().replace(' ', "-"));
        let loaded = start_loaded(ctx, service, &nats, &client, &http, &label).await?;
        if loaded.registry_sites != sites as u64 {
            bail!(
                "the {} loaded {} registered sites, expected {sites}",
                service.name(),
                loaded.registry_sites
            );
        }
        if let Service::Aggregator = service {
            // Handed on is not applied yet: wait until its table holds them all.
            let mut held = || async { Ok(services::summary(ctx, &client).await?.total as u64) };
            crate::fleet::wait_for(sites as u64, ctx.scale.patience(), &mut held)
                .await
                .context("waiting for the aggregator to show every registered site")?;
        }
        running.push((service, loaded));
    }
    tokio::time::sleep(ctx.scale.settle()).await;
    let mut out = Vec::new();
    for ((service, l), empty) in running.iter().zip(empty_rss) {
        let loaded_rss = l.svc.proc.rss_bytes()?;
        out.push(ServiceLoad {
            service: service.name(),
            load_seconds: round3(l.load_seconds),
            loaded_after_start_s: round3(l.after_start.as_secs_f64()),
            cpu_seconds: round3(l.cpu_seconds),
            registry_sites: l.registry_sites,
            empty_rss_bytes: empty,
            loaded_rss_bytes: loaded_rss,
            bytes_per_site: (loaded_rss.saturating_sub(empty) as f64 / sites as f64).round(),
        });
    }
    Ok((sites, record_bytes, fill, out))
}

/// One replica an admin action must reach, and how it is asked.
enum Replica {
    /// `/metrics`: `healthmon_fleet_sites{maintenance="true"}` summed.
    Aggregator { name: String, metrics_url: String },
    /// `GET /api/v1/sites/{id}` → `maintenance`.
    Api { name: String, base: String },
}

impl Replica {
    fn name(&self) -> &str {
        match self {
            Replica::Aggregator { name, .. } | Replica::Api { name, .. } => name,
        }
    }

    /// Whether it shows the state after the action: `site` in maintenance
    /// or not, and `in_maintenance` sites in maintenance in all.
    async fn shows(
        &self,
        http: &reqwest::Client,
        auth: &str,
        site: &str,
        on: bool,
        in_maintenance: u64,
    ) -> Result<bool> {
        match self {
            Replica::Aggregator { metrics_url, .. } => {
                let text = http
                    .get(metrics_url)
                    .send()
                    .await?
                    .error_for_status()?
                    .text()
                    .await?;
                let n = promtext::sum(&text, "healthmon_fleet_sites", &[("maintenance", "true")])
                    .context("no healthmon_fleet_sites on the aggregator's /metrics")?;
                Ok(n as u64 == in_maintenance)
            }
            Replica::Api { base, .. } => {
                let body = http
                    .get(format!("{base}/api/v1/sites/{site}"))
                    .header("Authorization", auth)
                    .send()
                    .await?
                    .error_for_status()?
                    .text()
                    .await?;
                let detail: serde_json::Value = serde_json::from_str(&body)?;
                Ok(detail["maintenance"].as_bool() == Some(on))
            }
        }
    }
}

/// Asks `check` every [`POLL`] until it says yes; the time since `from`
/// when it did, `None` after [`VISIBLE_TIMEOUT`].
async fn until<F, Fut>(from: Instant, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    loop {
        if check().await.unwrap_or(false) {
            return Some(from.elapsed());
        }
        if from.elapsed() > VISIBLE_TIMEOUT {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Admin action → visible on every replica.
async fn propagation(ctx: &Ctx) -> Result<Propagation> {
    let sites = ctx.scale.registry_fleet;
    let half = ctx.scale.registry_actions.div_ceil(2).clamp(1, sites);
    let nats = crate::nats::start_jetstream(&ctx.log_dir, "registry-propagation")?;
    let client = async_nats::connect(nats.url()).await?;
    let http = reqwest::Client::new();
    fill(&client, "prop", sites).await?;

    let mut procs = Vec::new();
    let mut replicas = Vec::new();
    for name in ["a", "b"] {
        let label = format!("registry-propagation-aggregator-{name}");
        let l = start_loaded(ctx, Service::Aggregator, &nats, &client, &http, &label).await?;
        replicas.push(Replica::Aggregator {
            name: format!("aggregator {name}"),
            metrics_url: l.svc.metrics_url.clone(),
        });
        procs.push(l.svc);
    }
    let label = "registry-propagation-assessor";
    procs.push(
        start_loaded(ctx, Service::Assessor, &nats, &client, &http, label)
            .await?
            .svc,
    );
    for name in ["a", "b"] {
        let label = format!("registry-propagation-dashboard-api-{name}");
        let l = start_loaded(ctx, Service::DashboardApi, &nats, &client, &http, &label).await?;
        replicas.push(Replica::Api {
            name: format!("dashboard API {name}"),
            base: l.svc.http_base.clone().context("dashboard base URL")?,
        });
        procs.push(l.svc);
    }
    let writer = match &replicas[2] {
        Replica::Api { base, .. } => base.clone(),
        Replica::Aggregator { .. } => unreachable!("replicas 2 and 3 are the APIs"),
    };
    let auth = format!("Bearer {}", services::api_admin_token(ctx));
    // Every aggregator holds the whole fleet before the first action.
    for r in &replicas {
        if let Replica::Aggregator { metrics_url, .. } = r {
            let mut held = || async {
                let text = http.get(metrics_url).send().await?.text().await?;
                Ok(promtext::sum(&text, "healthmon_fleet_sites", &[]).unwrap_or(0.0) as u64)
            };
            crate::fleet::wait_for(sites as u64, ctx.scale.patience(), &mut held)
                .await
                .with_context(|| format!("waiting for {} to hold the fleet", r.name()))?;
        }
    }

    let mut writes = Vec::new();
    let mut everywhere = Vec::new();
    let mut per_replica: Vec<Vec<Duration>> = vec![Vec::new(); replicas.len()];
    let mut timeouts = 0;
    // Sets on sites 0..half, then clears in the same order: after each, the
    // number of sites in maintenance is one no earlier moment had.
    let actions = (0..half)
        .map(|i| (i, true, i as u64 + 1))
        .chain((0..half).map(|i| (i, false, (half - i - 1) as u64)));
    for (i, on, in_maintenance) in actions {
        let site = site_id("prop", i);
        let url = format!("{writer}/api/v1/sites/{site}/maintenance");
        let started = Instant::now();
        let write = async {
            let request = if on {
                http.put(&url)
                    .header("Content-Type", "application/json")
                    .body(r#"{"reason": "bench: registry propagation"}"#)
            } else {
                http.delete(&url)
            };
            let response = request.header("Authorization", &auth).send().await?;
            let status = response.status();
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                bail!("maintenance {} of {site}: {status}: {body}", if on { "set" } else { "clear" });
            }
            Ok(started.elapsed())
        };
        let seen = futures::future::join_all(replicas.iter().map(|r| {
            let (http, auth, site) = (&http, &auth, &site);
            until(started, move || r.shows(http, auth, site, on, in_maintenance))
        }));
        let (written, seen) = tokio::join!(write, seen);
        writes.push(written?);
        if seen.iter().all(Option::is_some) {
            everywhere.push(seen.iter().flatten().max().copied().unwrap_or_default());
        } else {
            timeouts += 1;
        }
        for (samples, s) in per_replica.iter_mut().zip(&seen) {
            samples.extend(s);
        }
    }
    drop(procs);
    Ok(Propagation {
        sites,
        actions: half * 2,
        poll_ms: POLL.as_secs_f64() * 1e3,
        write: Percentiles::of(&writes),
        visible: Percentiles::of(&everywhere),
        replicas: replicas
            .iter()
            .zip(&per_replica)
            .map(|(r, samples)| ReplicaLatency {
                replica: r.name().to_owned(),
                visible: Percentiles::of(samples),
            })
            .collect(),
        timeouts,
    })
}
