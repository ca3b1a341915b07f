//! The registry at service start, with N registered sites none of which
//! reports:
//!
//! - **load**: the bucket filled ([`roster::fill`]), then each service
//!   started in turn ([`Service::ALL`], each left running while the next
//!   starts): its own load gauge, the time from its spawn until its
//!   `/metrics` shows it, its CPU time by then, and its
//!   `healthmon_registry_sites`, which must be N. The aggregator must also
//!   hold all N in its table.
//! - **memory**: each service's RSS with those N sites loaded minus its RSS
//!   with an empty registry (separate processes with the same flags, on
//!   the same bucket before the fill), ÷ N.

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::roster::{self, Fill};
use super::start::{Loaded, On, Service};
use crate::Ctx;
use crate::services;
use crate::stats::round3;

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

/// What the load part measured.
pub struct LoadResult {
    pub sites: usize,
    pub fill: Fill,
    pub services: Vec<ServiceLoad>,
}

pub async fn run(ctx: &Ctx) -> Result<LoadResult> {
    let sites = ctx.scale.registry_sites;
    let on = On::nats(ctx, "registry-load").await?;
    let client = &on.client;
    roster::create(client).await?;

    let empty_rss = {
        let mut running = Vec::new();
        for service in Service::ALL {
            running.push(on.start(service, &service.label("registry-empty")).await?);
        }
        tokio::time::sleep(ctx.scale.settle()).await;
        running
            .iter()
            .map(|l| l.svc.proc.rss_bytes())
            .collect::<Result<Vec<_>>>()?
    };

    let fill = roster::fill(client, "reg", sites).await?;
    let mut running: Vec<(Service, Loaded)> = Vec::new();
    for service in Service::ALL {
        let loaded = on.start(service, &service.label("registry-load")).await?;
        if loaded.registry_sites != sites as u64 {
            bail!(
                "the {} loaded {} registered sites, expected {sites}",
                service.name(),
                loaded.registry_sites
            );
        }
        if service == Service::Aggregator {
            // Handed on is not applied yet: wait until its table holds them all.
            let mut held = || async { Ok(services::summary(ctx, client).await?.total as u64) };
            crate::fleet::wait_for(sites as u64, ctx.scale.patience(), &mut held)
                .await
                .context("waiting for the aggregator to show every registered site")?;
        }
        running.push((service, loaded));
    }
    tokio::time::sleep(ctx.scale.settle()).await;
    let mut services = Vec::new();
    for ((service, l), empty) in running.iter().zip(empty_rss) {
        let loaded_rss = l.svc.proc.rss_bytes()?;
        services.push(ServiceLoad {
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
    Ok(LoadResult {
        sites,
        fill,
        services,
    })
}
