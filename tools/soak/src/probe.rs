//! Reading the services' counters: their Prometheus `/metrics`, nats-server's
//! `/varz` monitoring page and the aggregator's `summary` query.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use async_nats::Client;
use healthmon_common::CancellationToken;
use healthmon_proto::Subjects;
use healthmon_proto::query::Summary;
use healthmon_test_support::promtext;

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Http {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
        })
    }

    /// The body of `GET url`, and how long it took.
    pub async fn get(&self, url: &str) -> anyhow::Result<(String, Duration)> {
        let started = Instant::now();
        let body = self
            .client
            .get(url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?
            .error_for_status()?
            .text()
            .await?;
        Ok((body, started.elapsed()))
    }

    /// nats-server's count of slow consumers since it started.
    pub async fn nats_slow_consumers(&self, monitor_port: u16) -> anyhow::Result<u64> {
        let (body, _) = self
            .get(&format!("http://127.0.0.1:{monitor_port}/varz"))
            .await?;
        let varz: serde_json::Value = serde_json::from_str(&body)?;
        varz["slow_consumers"]
            .as_u64()
            .context("no slow_consumers in /varz")
    }
}

/// What periodic scrapes of the services cost (`--scrape-every`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ScrapeStats {
    pub scrapes: u64,
    pub failed: u64,
    pub max_bytes: usize,
    pub max_time: Duration,
}

/// GETs every url each `every` until `stop`, as a Prometheus server would.
pub async fn scrape_loop(
    http: Http,
    urls: Vec<String>,
    every: Duration,
    stats: Arc<Mutex<ScrapeStats>>,
    stop: CancellationToken,
) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.cancelled() => return,
        }
        for url in &urls {
            let outcome = http.get(url).await;
            let mut s = stats.lock().expect("scrape stats lock");
            s.scrapes += 1;
            match outcome {
                Ok((body, took)) => {
                    s.max_bytes = s.max_bytes.max(body.len());
                    s.max_time = s.max_time.max(took);
                }
                Err(_) => s.failed += 1,
            }
        }
    }
}

/// How fast the aggregator answered `get` of one site throughout the run.
#[derive(Debug, Clone, Default)]
pub struct GetStats {
    /// Every answer's time (an error answer such as "not found" counts as
    /// answered; no answer in time counts as [`GET_TIMEOUT`]).
    /// When each was asked, and how long the answer took.
    pub times: Vec<(Instant, Duration)>,
    pub failed: u64,
    /// When each unanswered one was asked.
    pub failed_at: Vec<Instant>,
}

/// Longest wait for one `get`.
pub const GET_TIMEOUT: Duration = Duration::from_secs(5);

impl GetStats {
    /// The slowest answer, the 99th percentile and how many were asked,
    /// of those asked when `asked` holds (`None` if there were none).
    pub fn max_and_p99(
        &self,
        asked: impl Fn(&Instant) -> bool,
    ) -> Option<(Duration, Duration, usize)> {
        let mut times: Vec<Duration> = self
            .times
            .iter()
            .filter(|(at, _)| asked(at))
            .map(|(_, took)| *took)
            .collect();
        if times.is_empty() {
            return None;
        }
        times.sort_unstable();
        let at = |q: f64| {
            times
                .get(((times.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        Some((at(1.0), at(0.99), times.len()))
    }

    /// From `since` until the first `get` asked from `up` on that was
    /// answered: while a restarted aggregator was away (the old one may
    /// still answer while it drains, then nobody until the new one is up);
    /// `None`: never answered again.
    pub fn away(&self, since: Instant, up: Instant) -> Option<std::ops::Range<Instant>> {
        let failed = |at: &Instant| self.failed_at.contains(at);
        let back = self
            .times
            .iter()
            .map(|(at, _)| *at)
            .find(|at| *at >= up && !failed(at))?;
        Some(since..back)
    }
}

/// Asks the aggregator for `site` every `every` until `stop`: what a
/// dashboard user waits while scrapes and ingest go on.
pub async fn get_loop(
    client: Client,
    subjects: Subjects,
    site: String,
    every: Duration,
    stats: Arc<Mutex<GetStats>>,
    stop: CancellationToken,
) {
    let aggregator = healthmon_client::AggregatorClient::new(
        client,
        &subjects,
        healthmon_client::Options {
            partitions: 1,
            timeout: GET_TIMEOUT,
            retry: healthmon_client::Retry::Never,
        },
    );
    let mut ticker = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.cancelled() => return,
        }
        let started = Instant::now();
        // "Not found" (before the site's first report) is an answer too.
        let ok = matches!(
            aggregator.get(&site).await,
            Ok(_) | Err(healthmon_client::QueryError::Service { .. })
        );
        let took = if ok { started.elapsed() } else { GET_TIMEOUT };
        let mut s = stats.lock().expect("get stats lock");
        s.times.push((started, took));
        s.failed += u64::from(!ok);
        if !ok {
            s.failed_at.push(started);
        }
    }
}

/// The aggregator's fleet summary, or `None` if it does not answer in time.
pub async fn summary(client: &Client, subjects: &Subjects) -> Option<Summary> {
    healthmon_client::request(
        client,
        &subjects.aggregator("summary"),
        bytes::Bytes::new(),
        Duration::from_secs(5),
    )
    .await
    .ok()
}

/// The sum of every sample of metric `name` (all label sets) in exposition text.
pub fn sum(text: &str, name: &str) -> f64 {
    promtext::sum(text, name, &[]).unwrap_or(0.0)
}

/// The value of one labelled sample, `name{label="value"}`.
pub fn labelled(text: &str, name: &str, label: &str, value: &str) -> f64 {
    promtext::sum(text, name, &[(label, value)]).unwrap_or(0.0)
}

#[cfg(test)]
mod tests;
