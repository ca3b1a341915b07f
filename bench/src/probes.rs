//! The latency probes of the steady section, each on dedicated sites so that
//! their `seq` never collides with the stream's:
//! - [`visibility`]: publish a report, then ask `agg.get` back to back until
//!   it shows that `seq`;
//! - [`health`]: publish a report that flips the site between healthy and
//!   degraded, then wait for the assessor's `StatusEvent` saying so.
//!
//! One probe of each kind every [`EVERY`]; a probe that sees nothing within
//! a second (visibility) or two (events) counts as a timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use async_nats::Client;
use healthmon_client::request_json;
use healthmon_proto::query::{GetQuery, SiteDetail};
use healthmon_proto::{Health, StatusEvent};
use tokio::sync::oneshot;

use crate::Ctx;
use crate::fleet::ReportMaker;

pub const EVERY: Duration = Duration::from_millis(10);
const VISIBLE_TIMEOUT: Duration = Duration::from_secs(1);
const EVENT_TIMEOUT: Duration = Duration::from_secs(2);

/// Sites awaiting a health change: the health expected, and who to tell.
pub type Waiters = Arc<Mutex<HashMap<String, (Health, oneshot::Sender<Instant>)>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Tells a waiting health probe that its event arrived at `at`.
pub fn notify(waiters: &Waiters, event: &StatusEvent, at: Instant) {
    let mut w = lock(waiters);
    if w.get(&event.site_id)
        .is_some_and(|(want, _)| *want == event.health)
        && let Some((_, tx)) = w.remove(&event.site_id)
    {
        let _ = tx.send(at);
    }
}

/// Makes every probe site known (healthy, `seq` 1) before probing starts.
pub async fn preload(
    client: &Client,
    ctx: &Ctx,
    maker: &ReportMaker,
    visible: &[String],
    health: &[String],
) -> Result<()> {
    let mut maker = maker.clone();
    for id in visible.iter().chain(health) {
        let payload = maker.encode(id, 1, false);
        client
            .publish(ctx.subjects.report(id), payload.into())
            .await?;
    }
    client.flush().await?;
    Ok(())
}

/// What the visibility probe measured.
#[derive(Debug, Default)]
pub struct Visibility {
    /// Publish → the report visible through `agg.get`.
    pub samples: Vec<Duration>,
    pub timeouts: u64,
    /// One `agg.get` round trip just before each probe: the floor of a sample.
    pub query_rtt: Vec<Duration>,
    /// Publish → the aggregator's ingest timestamp (`received_at_us`): the
    /// same report's latency without the query in it.
    pub ingested: Vec<Duration>,
}

/// Publish → visible through `agg.get`, one sample per probe.
pub async fn visibility(
    client: Client,
    ctx: Ctx,
    mut maker: ReportMaker,
    ids: Vec<String>,
    end_at: Instant,
) -> Result<Visibility> {
    let get = ctx.subjects.aggregator("get");
    let mut v = Visibility::default();
    let mut turns = Turns::new(ids.len(), end_at);
    while let Some((i, seq)) = turns.next().await {
        let payload = maker.encode(&ids[i], seq, false);
        let query = GetQuery {
            site_id: ids[i].clone(),
        };
        let asked = Instant::now();
        let known: Result<SiteDetail, _> =
            request_json(&client, &get, &query, VISIBLE_TIMEOUT).await;
        if known.is_ok() {
            v.query_rtt.push(asked.elapsed());
        }
        let (sent, sent_us) = (Instant::now(), healthmon_common::clock::now_us());
        client
            .publish(ctx.subjects.report(&ids[i]), payload.into())
            .await?;
        loop {
            let detail: Option<SiteDetail> = request_json(&client, &get, &query, VISIBLE_TIMEOUT)
                .await
                .ok();
            if let Some(detail) = detail
                && detail.report.as_ref().is_some_and(|r| r.seq >= seq)
            {
                v.samples.push(sent.elapsed());
                if let Some(at) = detail.received_at_us {
                    v.ingested
                        .push(Duration::from_micros(at.saturating_sub(sent_us)));
                }
                break;
            }
            if sent.elapsed() > VISIBLE_TIMEOUT {
                v.timeouts += 1;
                break;
            }
        }
    }
    Ok(v)
}

/// Publish of a health-changing report → its StatusEvent received.
pub async fn health(
    client: Client,
    ctx: Ctx,
    mut maker: ReportMaker,
    ids: Vec<String>,
    waiters: Waiters,
    end_at: Instant,
) -> Result<(Vec<Duration>, u64)> {
    let mut degraded = vec![false; ids.len()];
    let (mut samples, mut timeouts) = (Vec::new(), 0u64);
    let mut turns = Turns::new(ids.len(), end_at);
    while let Some((i, seq)) = turns.next().await {
        degraded[i] = !degraded[i];
        let want = if degraded[i] {
            Health::Degraded
        } else {
            Health::Healthy
        };
        let payload = maker.encode(&ids[i], seq, degraded[i]);
        let (tx, rx) = oneshot::channel();
        lock(&waiters).insert(ids[i].clone(), (want, tx));
        let sent = Instant::now();
        client
            .publish(ctx.subjects.report(&ids[i]), payload.into())
            .await?;
        client.flush().await?;
        match tokio::time::timeout(EVENT_TIMEOUT, rx).await {
            Ok(Ok(at)) => samples.push(at.saturating_duration_since(sent)),
            _ => {
                lock(&waiters).remove(&ids[i]);
                timeouts += 1;
            }
        }
    }
    Ok((samples, timeouts))
}

/// A probe's turns: its sites one after the other, each with its next
/// `seq` (1 was [`preload`]'s), one turn every [`EVERY`] until `end_at`.
struct Turns {
    seqs: Vec<u64>,
    taken: usize,
    due: Instant,
    end_at: Instant,
}

impl Turns {
    fn new(sites: usize, end_at: Instant) -> Self {
        Turns {
            seqs: vec![1; sites],
            taken: 0,
            due: Instant::now(),
            end_at,
        }
    }

    /// The next site's index and `seq`, once due; `None` from `end_at` on.
    async fn next(&mut self) -> Option<(usize, u64)> {
        if self.taken > 0 {
            self.due = pace(self.due).await;
        }
        if Instant::now() >= self.end_at {
            return None;
        }
        let i = self.taken % self.seqs.len();
        self.taken += 1;
        self.seqs[i] += 1;
        Some((i, self.seqs[i]))
    }
}

/// Sleeps until the next probe is due; a probe that overran starts the next at once.
async fn pace(previous: Instant) -> Instant {
    let next = (previous + EVERY).max(Instant::now());
    tokio::time::sleep_until(next.into()).await;
    next
}
