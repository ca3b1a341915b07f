//! Section 4, memory: resident set of the real aggregator and assessor
//! holding N sites, each with a full latest report, per site:
//! (RSS(N) − RSS(no sites)) ÷ N, read from `/proc/<pid>/status` after a
//! settle pause. Sites are loaded within a window of what both services have
//! processed, so none is lost, with a 15 min interval ([`QUIET_INTERVAL`])
//! so none changes state while we measure.

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::Ctx;
use crate::fleet::{QUIET_INTERVAL, ReportMaker, publish_windowed, site_id, wait_for};
use crate::services::{self, Svc};

const WINDOW: u64 = 40_000;

#[derive(Debug, Clone, Serialize)]
pub struct MemoryResult {
    pub payload_bytes: usize,
    pub baseline: Rss,
    pub points: Vec<MemoryPoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rss {
    pub aggregator_bytes: u64,
    pub assessor_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryPoint {
    pub sites: usize,
    pub rss: Rss,
    pub aggregator_bytes_per_site: f64,
    pub assessor_bytes_per_site: f64,
}

pub async fn run(ctx: &Ctx) -> Result<MemoryResult> {
    let nats = crate::nats::start(&ctx.log_dir, "memory")?;
    let query = async_nats::connect(nats.url()).await?;
    let publisher = async_nats::connect(nats.url()).await?;
    let http = reqwest::Client::new();
    let aggregator = services::aggregator(ctx, &nats, &query, "memory").await?;
    let assessor = services::assessor(ctx, &nats, &query, "memory").await?;
    tokio::time::sleep(ctx.scale.settle()).await;
    let baseline = rss(&aggregator, &assessor)?;

    let mut maker = ReportMaker::new(&ctx.instance, QUIET_INTERVAL);
    let payload_bytes = maker.encode(&site_id("memory", 0), 1, false).len();
    let mut points = Vec::new();
    let mut loaded = 0;
    for &sites in &ctx.scale.memory_sites {
        if sites <= loaded {
            bail!("--memory-sites must grow: {sites} after {loaded}");
        }
        let subjects = ctx.subjects.clone();
        let mut maker = maker.clone();
        let items = (loaded..sites).map(move |i| {
            let id = site_id("memory", i);
            let payload = maker.encode(&id, 1, false);
            (subjects.report(&id).into(), payload.into())
        });
        let processed = || async {
            let (accepted, _) = services::assessor_counts(&assessor, &http).await?;
            let held = services::summary(ctx, &query).await?.total as u64;
            Ok(accepted.min(held))
        };
        let patience = ctx.scale.patience();
        publish_windowed(&publisher, items, WINDOW, patience, processed).await?;
        // Loaded once the aggregator also holds the assessor's verdict on each.
        let mut online = || async { Ok(services::summary(ctx, &query).await?.online as u64) };
        wait_for(sites as u64, patience, &mut online)
            .await
            .context("waiting for every site to be online at the aggregator")?;
        loaded = sites;
        tokio::time::sleep(ctx.scale.settle()).await;
        let now = rss(&aggregator, &assessor)?;
        let per_site = |n: u64, base: u64| ((n.saturating_sub(base)) as f64 / sites as f64).round();
        points.push(MemoryPoint {
            sites,
            aggregator_bytes_per_site: per_site(now.aggregator_bytes, baseline.aggregator_bytes),
            assessor_bytes_per_site: per_site(now.assessor_bytes, baseline.assessor_bytes),
            rss: now,
        });
    }
    Ok(MemoryResult {
        payload_bytes,
        baseline,
        points,
    })
}

fn rss(aggregator: &Svc, assessor: &Svc) -> Result<Rss> {
    Ok(Rss {
        aggregator_bytes: aggregator.proc.rss_bytes()?,
        assessor_bytes: assessor.proc.rss_bytes()?,
    })
}
