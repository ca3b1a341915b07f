//! Admin action → visible on every replica: two aggregators, an assessor
//! and two dashboard APIs on a fleet of `registry_fleet` registered sites.
//! Maintenance is set on half of `registry_actions` sites, one after the
//! other, then cleared in the same order, all through API replica a
//! (`PUT`/`DELETE /api/v1/sites/{id}/maintenance`, admin token). Each
//! action is timed from its request until every replica shows it, each
//! polled every [`POLL`] (the time a poll's answer arrived counts):
//!
//! - each aggregator through its `/metrics`
//!   `healthmon_fleet_sites{maintenance="true"}` total, which after the
//!   k-th of these sequential actions has a value no other moment has (k
//!   on the way up, then down);
//! - each API replica through `GET /api/v1/sites/{id}`'s `maintenance`
//!   flag (answered by either aggregator, as any read through the API is).

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::replica::Replica;
use super::roster;
use super::start::{On, Service};
use crate::Ctx;
use crate::fleet::site_id;
use crate::services::{self, Svc};
use crate::stats::Percentiles;

/// How often each replica is asked whether it shows an admin action.
pub const POLL: Duration = Duration::from_millis(2);
/// An action not shown everywhere by then counts as a timeout.
const VISIBLE_TIMEOUT: Duration = Duration::from_secs(5);
const PREFIX: &str = "prop";

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

pub async fn run(ctx: &Ctx) -> Result<Propagation> {
    let sites = ctx.scale.registry_fleet;
    let half = ctx.scale.registry_actions.div_ceil(2).clamp(1, sites);
    let on = On::nats(ctx, "registry-propagation").await?;
    let (client, http) = (&on.client, &on.http);
    roster::fill(client, PREFIX, sites).await?;
    let (replicas, procs) = start_replicas(&on).await?;
    for replica in &replicas {
        let mut held = || replica.sites(http);
        crate::fleet::wait_for(sites as u64, ctx.scale.patience(), &mut held)
            .await
            .with_context(|| format!("waiting for {} to hold the fleet", replica.name()))?;
    }
    let writer = procs[3].http_base.clone().context("API a's base URL")?;
    let auth = format!("Bearer {}", services::api_admin_token(ctx));

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
        let site = site_id(PREFIX, i);
        let started = Instant::now();
        let write = async {
            set_maintenance(http, &writer, &auth, &site, on).await?;
            Ok::<_, anyhow::Error>(started.elapsed())
        };
        let seen = futures::future::join_all(replicas.iter().map(|r| {
            let (auth, site) = (&auth, &site);
            until(started, move || {
                r.shows(http, auth, site, on, in_maintenance)
            })
        }));
        let (written, seen) = tokio::join!(write, seen);
        writes.push(written?);
        match seen.iter().copied().collect::<Option<Vec<_>>>() {
            Some(all) => everywhere.push(all.into_iter().max().unwrap_or_default()),
            None => timeouts += 1,
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

/// Aggregators a and b, the assessor, APIs a and b (in `procs` in that
/// order), each once it has loaded the registry; the four that are polled.
async fn start_replicas(on: &On<'_>) -> Result<(Vec<Replica>, Vec<Svc>)> {
    let plan = [
        (Service::Aggregator, "a"),
        (Service::Aggregator, "b"),
        (Service::Assessor, ""),
        (Service::DashboardApi, "a"),
        (Service::DashboardApi, "b"),
    ];
    let mut replicas = Vec::new();
    let mut procs = Vec::new();
    for (service, name) in plan {
        let label = format!("{}{name}", service.label("registry-propagation"));
        let svc = on.start(service, &label).await?.svc;
        let name = format!("{} {name}", service.name());
        match service {
            Service::Aggregator => replicas.push(Replica::aggregator(name, &svc)),
            Service::DashboardApi => replicas.push(Replica::api(name, &svc)?),
            Service::Assessor => {}
        }
        procs.push(svc);
    }
    Ok((replicas, procs))
}

/// `PUT` (open-ended, with a reason) or `DELETE` the site's maintenance window.
async fn set_maintenance(
    http: &reqwest::Client,
    base: &str,
    auth: &str,
    site: &str,
    on: bool,
) -> Result<()> {
    let url = format!("{base}/api/v1/sites/{site}/maintenance");
    let request = if on {
        http.put(&url)
            .header("Content-Type", "application/json")
            .body(r#"{"reason": "bench: registry propagation"}"#)
    } else {
        http.delete(&url)
    };
    let response = request.header("Authorization", auth).send().await?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        let what = if on { "set" } else { "clear" };
        bail!("maintenance {what} of {site}: {status}: {body}");
    }
    Ok(())
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
