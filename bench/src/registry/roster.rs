//! The registry a section starts from: N roster records (three labels and
//! an expected interval each, one JSON value per `site.<id>` key, as
//! `healthmon fleet apply` writes them), put through the registry crate
//! [`FILL_IN_FLIGHT`] at a time into the bucket the services use.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use async_nats::Client;
use futures::{StreamExt, TryStreamExt};
use healthmon_common::clock::now_ms;
use healthmon_proto::fleet::{SiteRecord, Source};
use healthmon_registry::{Labels, Registry, RegistryConfig};
use serde::Serialize;

use crate::fleet::site_id;
use crate::stats::round3;

/// Registry puts in flight while filling the bucket.
pub const FILL_IN_FLIGHT: usize = 512;
/// The expected interval of every record: long, so that no registered
/// (never reporting) site goes offline while the section runs.
const EXPECTED_INTERVAL_MS: u64 = 3_600_000;

/// How the bucket was filled.
#[derive(Debug, Clone, Serialize)]
pub struct Fill {
    pub seconds: f64,
    pub records_per_s: f64,
    pub in_flight: usize,
}

/// A roster record as an operator declares it: three labels and an expected interval.
pub fn record(i: usize, now: u64) -> SiteRecord {
    const REGIONS: [&str; 8] = [
        "eu-west",
        "eu-north",
        "eu-central",
        "us-east",
        "us-west",
        "ap-south",
        "ap-east",
        "sa-east",
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

/// JSON bytes of a typical record in the bucket.
pub fn record_bytes() -> usize {
    healthmon_registry::entry::encode(&record(0, now_ms())).len()
}

/// Creates the bucket with the services' settings (through the registry
/// crate), empty: a service started now loads nothing.
pub async fn create(client: &Client) -> Result<Registry> {
    let registry = Registry::new(client.clone(), RegistryConfig::default());
    registry
        .store()
        .await
        .context("create the registry bucket")?;
    Ok(registry)
}

/// Registers sites `prefix-0000000..n`; checks the bucket holds them.
pub async fn fill(client: &Client, prefix: &str, n: usize) -> Result<Fill> {
    let registry = create(client).await?;
    let now = now_ms();
    let started = Instant::now();
    futures::stream::iter(0..n)
        .map(Ok::<usize, anyhow::Error>)
        .try_for_each_concurrent(FILL_IN_FLIGHT, |i| {
            let registry = &registry;
            async move {
                let site = site_id(prefix, i);
                registry
                    .put_site(&site, &record(i, now))
                    .await
                    .with_context(|| format!("register {site}"))
            }
        })
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut stream = registry.store().await?.stream;
    let held = stream
        .info()
        .await
        .context("registry stream info")?
        .state
        .messages;
    if held < n as u64 {
        bail!("the registry bucket holds {held} entries after {n} puts");
    }
    Ok(Fill {
        seconds: round3(seconds),
        records_per_s: (n as f64 / seconds.max(1e-9)).round(),
        in_flight: FILL_IN_FLIGHT,
    })
}
