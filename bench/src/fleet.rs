//! The simulated fleet: site ids, a full typical report, pre-encoded batches
//! and the two ways of publishing them (flat out, or within a window of what
//! the services have processed).
//!
//! Every report of a run shares one `instance` and carries a `seq` that grows
//! per site, so nothing is refused as stale and no gap counts as lost.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use async_nats::{Client, Subject};
use bytes::Bytes;
use healthmon_common::clock::now_ms;
use healthmon_proto::{HealthReport, Subjects};
use healthmon_test_support::fixtures;

/// Data connections in the typical report.
pub const CONNECTIONS: usize = fixtures::CONNECTIONS.len();

/// The longest interval a report may declare without the assessor judging
/// the site degraded for it (its default `--max-interval`, issue 12's
/// interval policy), so also the longest a fleet can stay quiet: nothing
/// goes late while a section that loads sites once measures them.
pub const QUIET_INTERVAL: Duration = Duration::from_secs(15 * 60);

pub fn site_id(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i:07}")
}

/// Builds the typical report of a site ([`fixtures::healthy`]: two cluster
/// nodes, eight data connections, error counters, store-and-forward depths,
/// host resources and two custom gauges — what a real collector sends).
/// `degraded` disconnects one connection (which makes the assessor judge
/// the site degraded).
#[derive(Debug, Clone)]
pub struct ReportMaker {
    template: HealthReport,
}

impl ReportMaker {
    pub fn new(instance: &str, interval: Duration) -> Self {
        let mut template = fixtures::healthy("x");
        template.instance = instance.to_owned();
        template.interval_ms = interval.as_millis() as u64;
        ReportMaker { template }
    }

    pub fn encode(&mut self, site: &str, seq: u64, degraded: bool) -> Vec<u8> {
        let r = &mut self.template;
        r.site_id.clear();
        r.site_id.push_str(site);
        r.seq = seq;
        r.sent_at_ms = now_ms();
        r.connections[0].connected = !degraded;
        healthmon_proto::encode(r)
    }
}

/// Reports encoded ahead of time, in publish order; payloads share one buffer.
#[derive(Debug)]
pub struct Batch {
    subjects: Vec<Subject>,
    ids: Vec<String>,
    /// (site index, start, length) into `arena`.
    items: Vec<(u32, u32, u32)>,
    arena: Bytes,
}

impl Batch {
    /// `reports` reports round-robin over `sites` sites: round r carries seq r.
    pub fn rounds(
        subjects: &Subjects,
        prefix: &str,
        sites: usize,
        reports: usize,
        maker: &mut ReportMaker,
    ) -> Batch {
        let ids: Vec<String> = (0..sites).map(|i| site_id(prefix, i)).collect();
        let mut arena = Vec::with_capacity(reports * 420);
        let mut items = Vec::with_capacity(reports);
        for n in 0..reports {
            let site = n % sites;
            let seq = (n / sites) as u64 + 1;
            let payload = maker.encode(&ids[site], seq, false);
            items.push((site as u32, arena.len() as u32, payload.len() as u32));
            arena.extend_from_slice(&payload);
        }
        Batch {
            subjects: ids.iter().map(|id| subjects.report(id).into()).collect(),
            ids,
            items,
            arena: arena.into(),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn average_payload(&self) -> usize {
        self.arena.len() / self.items.len().max(1)
    }

    /// Site id and seq of the last report, the one seen last by an in-order consumer.
    pub fn last(&self) -> Option<(&str, u64)> {
        let n = self.items.len().checked_sub(1)?;
        let site = n % self.ids.len();
        Some((&self.ids[site], (n / self.ids.len()) as u64 + 1))
    }

    pub fn iter(&self) -> impl Iterator<Item = (Subject, Bytes)> + '_ {
        self.items.iter().map(|&(site, start, len)| {
            let (start, len) = (start as usize, len as usize);
            (
                self.subjects[site as usize].clone(),
                self.arena.slice(start..start + len),
            )
        })
    }
}

/// Publishes everything as fast as the client takes it, then flushes.
pub async fn publish_all(
    client: &Client,
    items: impl Iterator<Item = (Subject, Bytes)>,
) -> Result<()> {
    for (subject, payload) in items {
        client.publish(subject, payload).await?;
    }
    client.flush().await?;
    Ok(())
}

/// Publishes with at most `window` messages ahead of `processed()`, so that
/// loading a large fleet never outruns the services (loading is not what
/// these sections measure). Returns the number published.
pub async fn publish_windowed<F, Fut>(
    client: &Client,
    items: impl Iterator<Item = (Subject, Bytes)>,
    window: u64,
    patience: Duration,
    mut processed: F,
) -> Result<u64>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64>>,
{
    let chunk = (window / 4).max(1);
    let mut sent = 0u64;
    for (subject, payload) in items {
        client.publish(subject, payload).await?;
        sent += 1;
        if sent.is_multiple_of(chunk) {
            client.flush().await?;
            wait_for(sent.saturating_sub(window), patience, &mut processed).await?;
        }
    }
    client.flush().await?;
    Ok(sent)
}

/// Polls `processed()` until it reaches `target`.
pub async fn wait_for<F, Fut>(target: u64, patience: Duration, processed: &mut F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64>>,
{
    let started = Instant::now();
    let mut last = 0;
    loop {
        last = processed().await.unwrap_or(last);
        if last >= target {
            return Ok(());
        }
        if started.elapsed() > patience {
            bail!("processed {last} of {target} after {patience:?}: messages were lost");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests;
