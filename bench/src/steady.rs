//! Sections 2 and 3 on one steady stream: every site reports once per
//! interval (sites ÷ rate, 10 s at the 100,000 sites and 10,000
//! reports/s) to the real aggregator and assessor.
//!
//! The first round makes every site known. Then, while the stream goes on:
//! - latency probes (a few dedicated sites, one probe every 10 ms each kind):
//!   publish → the report visible through `agg.get` (polled back to back, so
//!   a sample includes one query round trip); and a report that flips health
//!   → its `StatusEvent` received;
//! - detection: `silence` sites stop reporting; each one's offline event is
//!   timed against (its last publish + missed heartbeats × interval), and
//!   every late/offline event of any other site counts as false.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use async_nats::{Client, Subject};
use futures::StreamExt;
use healthmon_common::nats::DEFAULT_SUBSCRIPTION_CAPACITY;
use healthmon_proto::{Connectivity, StatusEvent};
use serde::Serialize;

use healthmon_test_support::NatsServer;

use crate::Ctx;
use crate::fleet::{ReportMaker, site_id};
use crate::probes::{self, Waiters};
use crate::services;
use crate::stats::{Percentiles, round3};

/// The assessor's default `--missed-heartbeats`.
const MISSED_HEARTBEATS: u32 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct LatencyResult {
    pub sites: usize,
    pub target_rate: u64,
    /// Reports/s the stream really achieved (probes not counted).
    pub achieved_rate: f64,
    /// Publish → report visible through `health.agg.get`.
    pub visible: Percentiles,
    pub visible_timeouts: u64,
    /// An `agg.get` round trip on its own: the part of `visible` that is the query.
    pub query_rtt: Percentiles,
    /// Publish → the aggregator's own ingest timestamp of that report
    /// (`received_at_us`), both on this machine's clock: no round trip.
    pub ingested: Percentiles,
    /// Publish of a report that changes health → its StatusEvent received.
    pub health_event: Percentiles,
    pub health_event_timeouts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetectionResult {
    pub sites: usize,
    pub silenced: usize,
    pub interval_s: f64,
    pub offline_timeout_s: f64,
    pub offline_events: usize,
    /// Silenced sites whose offline event never came.
    pub missed: usize,
    /// (offline event received) − (last publish + offline timeout).
    pub precision: Percentiles,
    pub false_late: u64,
    pub false_offline: u64,
}

/// What the status listener collects.
#[derive(Debug, Default)]
struct Watch {
    silenced: HashMap<String, usize>,
    offline_at: Vec<Option<Instant>>,
    silence_started: bool,
    false_late: u64,
    false_offline: u64,
}

pub async fn run(ctx: &Ctx) -> Result<(LatencyResult, DetectionResult)> {
    let scale = &ctx.scale;
    let interval = scale.steady_interval();
    let timeout = interval * MISSED_HEARTBEATS;
    let per_kind = (scale.sites / 1000).clamp(5, 100);
    let regular = scale.sites - 2 * per_kind;
    let stride = (regular / scale.silence.max(1)).max(1);
    let ids: Vec<String> = (0..regular).map(|i| site_id("steady", i)).collect();
    let silenced: Vec<bool> = (0..regular)
        .map(|i| i % stride == 0 && i / stride < scale.silence)
        .collect();

    let nats = crate::nats::start(&ctx.log_dir, "steady")?;
    let connect = || async_nats::connect(nats.url());
    let query = connect().await?;
    let _aggregator = services::aggregator(ctx, &nats, &query, "steady").await?;
    let _assessor = services::assessor(ctx, &nats, &query, "steady").await?;

    let mut watch = Watch::default();
    for (id, _) in ids.iter().zip(&silenced).filter(|(_, s)| **s) {
        watch.silenced.insert(id.clone(), watch.offline_at.len());
        watch.offline_at.push(None);
    }
    let watch = Arc::new(Mutex::new(watch));
    let waiters: Waiters = Arc::default();
    let listener = listen(ctx, &nats, watch.clone(), waiters.clone()).await?;

    let started = Instant::now();
    let silence_at = started + interval;
    let end_at = silence_at + timeout + (interval / 2).max(Duration::from_secs(2));
    let maker = ReportMaker::new(&ctx.instance, interval);
    let visible_ids: Vec<String> = (0..per_kind).map(|i| site_id("probe-v", i)).collect();
    let health_ids: Vec<String> = (0..per_kind).map(|i| site_id("probe-h", i)).collect();
    let probe_client = connect().await?;
    probes::preload(&probe_client, ctx, &maker, &visible_ids, &health_ids).await?;

    let stream = tokio::spawn(stream(
        connect().await?,
        ctx.subjects.clone(),
        ids,
        silenced.clone(),
        maker.clone(),
        scale.rate,
        (started, silence_at, end_at),
    ));
    tokio::time::sleep_until(silence_at.into()).await;
    lock(&watch).silence_started = true;
    let visible = tokio::spawn(probes::visibility(
        probe_client,
        ctx.clone(),
        maker.clone(),
        visible_ids,
        end_at,
    ));
    let health = tokio::spawn(probes::health(
        connect().await?,
        ctx.clone(),
        maker,
        health_ids,
        waiters,
        end_at,
    ));
    let (sent, last_publish) = stream.await.context("stream task")??;
    let visible = visible.await.context("visibility probe")??;
    let (health, health_timeouts) = health.await.context("health probe")??;
    listener.abort();

    let watch = lock(&watch);
    let mut precision = Vec::new();
    for (id, &slot) in &watch.silenced {
        let (Some(offline), Some(last)) = (watch.offline_at[slot], last_publish.get(id)) else {
            continue;
        };
        let due = *last + timeout;
        let ms = match offline.checked_duration_since(due) {
            Some(late) => late.as_secs_f64() * 1e3,
            None => -(due.duration_since(offline).as_secs_f64() * 1e3),
        };
        precision.push(ms);
    }
    let offline_events = precision.len();
    let streamed = end_at.duration_since(started).as_secs_f64();
    Ok((
        LatencyResult {
            sites: scale.sites,
            target_rate: scale.rate,
            achieved_rate: (sent as f64 / streamed).round(),
            visible: Percentiles::of(&visible.samples),
            visible_timeouts: visible.timeouts,
            query_rtt: Percentiles::of(&visible.query_rtt),
            ingested: Percentiles::of(&visible.ingested),
            health_event: Percentiles::of(&health),
            health_event_timeouts: health_timeouts,
        },
        DetectionResult {
            sites: scale.sites,
            silenced: watch.silenced.len(),
            interval_s: round3(interval.as_secs_f64()),
            offline_timeout_s: round3(timeout.as_secs_f64()),
            offline_events,
            missed: watch.silenced.len() - offline_events,
            precision: Percentiles::of_ms(precision),
            false_late: watch.false_late,
            false_offline: watch.false_offline,
        },
    ))
}

fn lock(watch: &Mutex<Watch>) -> std::sync::MutexGuard<'_, Watch> {
    watch
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Subscribes to every status event and sorts them into `watch` and `waiters`.
async fn listen(
    ctx: &Ctx,
    nats: &NatsServer,
    watch: Arc<Mutex<Watch>>,
    waiters: Waiters,
) -> Result<tokio::task::JoinHandle<()>> {
    let client = async_nats::ConnectOptions::new()
        .subscription_capacity(DEFAULT_SUBSCRIPTION_CAPACITY)
        .connect(nats.url())
        .await?;
    let mut sub = client.subscribe(ctx.subjects.statuses()).await?;
    healthmon_common::nats::round_trip(&client).await?;
    Ok(tokio::spawn(async move {
        let _client = client;
        while let Some(msg) = sub.next().await {
            let at = Instant::now();
            let Ok(event) = healthmon_proto::decode::<StatusEvent>(&msg.payload) else {
                continue;
            };
            probes::notify(&waiters, &event, at);
            let mut w = lock(&watch);
            let silenced = w.silence_started && w.silenced.contains_key(&event.site_id);
            match event.connectivity {
                Connectivity::Offline if silenced => {
                    let slot = w.silenced[&event.site_id];
                    w.offline_at[slot].get_or_insert(at);
                }
                Connectivity::Offline => w.false_offline += 1,
                Connectivity::Late if !silenced => w.false_late += 1,
                _ => {}
            }
        }
    }))
}

/// The steady stream: report `i` is due at `started + i / rate`; silenced
/// sites skip their reports due after `silence_at`. Returns how many were
/// sent and each silenced site's last publish.
async fn stream(
    client: Client,
    subjects: healthmon_proto::Subjects,
    ids: Vec<String>,
    silenced: Vec<bool>,
    mut maker: ReportMaker,
    rate: u64,
    (started, silence_at, end_at): (Instant, Instant, Instant),
) -> Result<(u64, HashMap<String, Instant>)> {
    let subject_of: Vec<Subject> = ids.iter().map(|id| subjects.report(id).into()).collect();
    let mut last_publish = HashMap::new();
    let (mut i, mut sent) = (0u64, 0u64);
    let n = ids.len() as u64;
    loop {
        let now = Instant::now();
        if now >= end_at {
            break;
        }
        let due = (now.duration_since(started).as_secs_f64() * rate as f64) as u64;
        while i < due {
            let site = (i % n) as usize;
            let due_at = started + Duration::from_secs_f64(i as f64 / rate as f64);
            i += 1;
            if silenced[site] && due_at >= silence_at {
                continue;
            }
            let payload = maker.encode(&ids[site], i.div_ceil(n), false);
            client
                .publish(subject_of[site].clone(), payload.into())
                .await?;
            sent += 1;
            if silenced[site] {
                last_publish.insert(ids[site].clone(), Instant::now());
            }
        }
        client.flush().await?;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok((sent, last_publish))
}
