//! Sections 6 and 7 on one fleet of `sites` sites held by the real
//! aggregator (judged by the real assessor): `wrk` against the real
//! dashboard API's `/api/v1/summary` and `/api/v1/sites?limit=100`, then
//! timed scrapes of the aggregator's `/metrics` with every per-site series,
//! and of a second aggregator holding the same fleet with
//! `--site-series unhealthy`, where 1 site in [`UNHEALTHY_EVERY`] reports a
//! connection down (degraded).

use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::Ctx;
use crate::fleet::{QUIET_INTERVAL, ReportMaker, publish_windowed, site_id, wait_for};
use crate::services;
use crate::stats::round3;
use crate::wrk::{self, WrkResult};
use healthmon_test_support::promtext;

const WINDOW: u64 = 40_000;
const SCRAPES: usize = 3;
const PATHS: [&str; 2] = ["/api/v1/summary", "/api/v1/sites?limit=100"];
/// One site in this many is degraded: what `--site-series unhealthy` keeps.
const UNHEALTHY_EVERY: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct ApiResult {
    pub sites: usize,
    pub threads: u32,
    pub connections: u32,
    pub seconds: u64,
    pub endpoints: Vec<WrkResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScrapeResult {
    pub sites: usize,
    /// Median and slowest of the timed scrapes (request → whole body read).
    pub scrape_seconds: f64,
    pub scrape_seconds_max: f64,
    pub body_bytes: usize,
    pub bytes_per_site: f64,
    /// Sample lines of the `healthmon_site_*` families.
    pub site_series: usize,
    pub series_per_site: f64,
    /// The same fleet on an aggregator with `--site-series unhealthy`.
    pub unhealthy_only: BoundedScrape,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoundedScrape {
    /// Sites not online and healthy (what this mode keeps).
    pub unhealthy_sites: usize,
    pub scrape_seconds: f64,
    pub body_bytes: usize,
    pub site_series: usize,
}

/// How many sites an aggregator holds, by its own `/metrics`.
async fn held(svc: &services::Svc, http: &reqwest::Client) -> Result<u64> {
    let text = svc.scrape(http).await?;
    let sites = promtext::sum(&text, "healthmon_aggregator_sites", &[]).unwrap_or(0.0);
    Ok(sites as u64)
}

pub async fn run(ctx: &Ctx) -> Result<(ApiResult, ScrapeResult)> {
    let sites = ctx.scale.sites;
    let nats = crate::nats::start(&ctx.log_dir, "api")?;
    let query = async_nats::connect(nats.url()).await?;
    let publisher = async_nats::connect(nats.url()).await?;
    let http = reqwest::Client::new();
    // The full scrape is the point of the measurement: `all` explicitly
    // (the default, `auto`, would be `unhealthy` at this fleet size).
    let aggregator =
        services::aggregator_with(ctx, &nats, &query, "api", &["--site-series", "all"]).await?;
    let bounded = services::aggregator_with(
        ctx,
        &nats,
        &query,
        "api-unhealthy",
        &["--site-series", "unhealthy"],
    )
    .await?;
    let assessor = services::assessor(ctx, &nats, &query, "api").await?;
    let dashboard = services::dashboard(ctx, &nats, &http, "api").await?;

    let mut maker = ReportMaker::new(&ctx.instance, QUIET_INTERVAL);
    let subjects = ctx.subjects.clone();
    let items = (0..sites).map(move |i| {
        let id = site_id("api", i);
        let payload = maker.encode(&id, 1, i % UNHEALTHY_EVERY == 0);
        (subjects.report(&id).into(), payload.into())
    });
    let patience = ctx.scale.patience();
    // The window follows the slowest consumer: the assessor, whichever
    // aggregator answers the summary, and the bounded one (its /metrics is
    // small), so neither aggregator's buffer overflows on a busy machine.
    let processed = || async {
        let (accepted, _) = services::assessor_counts(&assessor, &http).await?;
        let total = services::summary(ctx, &query).await?.total as u64;
        Ok(accepted.min(total).min(held(&bounded, &http).await?))
    };
    publish_windowed(&publisher, items, WINDOW, patience, processed).await?;
    let mut online = || async { Ok(services::summary(ctx, &query).await?.online as u64) };
    wait_for(sites as u64, patience, &mut online).await?;
    // The summary came from either aggregator (one queue group); each holds
    // every site before the API, which asks either, is measured.
    let mut held_by_both = || async {
        Ok(held(&aggregator, &http)
            .await?
            .min(held(&bounded, &http).await?))
    };
    wait_for(sites as u64, patience, &mut held_by_both).await?;

    let base = dashboard.http_base.clone().context("dashboard base URL")?;
    // What a user checks first: the API sees the whole fleet.
    let auth = format!("Bearer {}", services::api_token(ctx));
    let summary = http
        .get(format!("{base}/api/v1/summary"))
        .header("Authorization", &auth)
        .send()
        .await?
        .text()
        .await?;
    let summary: serde_json::Value = serde_json::from_str(&summary)?;
    if summary["total"].as_u64() != Some(sites as u64) {
        bail!("/api/v1/summary says {summary}, expected {sites} sites");
    }
    let (threads, connections) = (2, 16);
    let mut endpoints = Vec::new();
    for path in PATHS {
        let url = format!("{base}{path}");
        endpoints.push(
            wrk::run(
                &ctx.wrk,
                &url,
                &auth,
                threads,
                connections,
                ctx.scale.wrk_seconds,
            )
            .await?,
        );
    }
    let api = ApiResult {
        sites,
        threads,
        connections,
        seconds: ctx.scale.wrk_seconds,
        endpoints,
    };

    let mut times = Vec::new();
    let mut body = String::new();
    for _ in 0..SCRAPES {
        let started = Instant::now();
        body = aggregator.scrape(&http).await?;
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let up = promtext::count_series(&body, "healthmon_site_up{");
    if up != sites {
        bail!("the aggregator's /metrics has healthmon_site_up for {up} sites, expected {sites}");
    }
    let site_series = promtext::count_series(&body, "healthmon_site_");

    let started = Instant::now();
    let small = bounded.scrape(&http).await?;
    let unhealthy_only = BoundedScrape {
        unhealthy_sites: promtext::count_series(&small, "healthmon_site_up{"),
        scrape_seconds: round3(started.elapsed().as_secs_f64()),
        body_bytes: small.len(),
        site_series: promtext::count_series(&small, "healthmon_site_"),
    };
    let expected = sites.div_ceil(UNHEALTHY_EVERY);
    if unhealthy_only.unhealthy_sites != expected {
        let counts: Vec<&str> = small
            .lines()
            .filter(|l| l.starts_with("healthmon_fleet_sites{") && !l.ends_with(" 0"))
            .collect();
        bail!(
            "--site-series unhealthy exported {} sites, expected the {expected} degraded ones; it holds {counts:?}",
            unhealthy_only.unhealthy_sites
        );
    }
    let scrape = ScrapeResult {
        sites,
        scrape_seconds: round3(times[times.len() / 2]),
        scrape_seconds_max: round3(times[times.len() - 1]),
        body_bytes: body.len(),
        bytes_per_site: (body.len() as f64 / sites as f64).round(),
        site_series,
        series_per_site: round3(site_series as f64 / sites as f64),
        unhealthy_only,
    };
    Ok((api, scrape))
}
