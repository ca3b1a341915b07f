//! Shared by the integration tests: a real nats-server, the collector
//! started through its public `start`, and a plain NATS client on the other
//! side recording every report that arrives.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use healthmon_collector::{Config, Service};
use healthmon_common::nats::NatsConfig;
use healthmon_proto::{HealthReport, validate::decode_report};
use tokio::time::Instant;

pub use healthmon_test_support::{NatsServer, Running, eventually};

/// One report as the central side received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub subject: String,
    pub report: HealthReport,
    pub at: Instant,
}

/// Every report published on `health.report.>`, decoded and checked with the
/// same validation central applies; a report that fails it fails the test.
#[derive(Clone, Default)]
pub struct Inbox {
    reports: Arc<Mutex<Vec<Received>>>,
    rejected: Arc<Mutex<Vec<String>>>,
}

impl Inbox {
    pub async fn listen(client: &async_nats::Client) -> Inbox {
        let inbox = Inbox::default();
        let mut sub = client.subscribe("health.report.>").await.unwrap();
        client.flush().await.unwrap();
        let (reports, rejected) = (inbox.reports.clone(), inbox.rejected.clone());
        tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                let subject = msg.subject.to_string();
                let site = subject.rsplit('.').next().unwrap_or_default().to_owned();
                match decode_report(&msg.payload, &site) {
                    Ok(report) => reports.lock().unwrap().push(Received {
                        subject,
                        report,
                        at: Instant::now(),
                    }),
                    Err(e) => rejected.lock().unwrap().push(format!("{subject}: {e}")),
                }
            }
        });
        inbox
    }

    /// Every report so far; fails the test if central would have rejected any.
    pub fn all(&self) -> Vec<Received> {
        let rejected = self.rejected.lock().unwrap();
        assert!(rejected.is_empty(), "central would reject: {rejected:?}");
        self.reports.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.all().len()
    }

    /// Waits until at least `n` reports have arrived and returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        eventually(&format!("{n} reports"), timeout, || async {
            let all = self.all();
            (all.len() >= n).then_some(all)
        })
        .await
    }

    /// The first report received, waiting up to 5 s for it.
    pub async fn first(&self) -> HealthReport {
        self.wait_for(1, Duration::from_secs(5)).await[0]
            .report
            .clone()
    }

    /// Waits for the first report from now on that satisfies `pred`.
    pub async fn next_match(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> Received {
        self.wait_match(what, self.len(), timeout, pred).await
    }

    /// Waits for the first report after index `from`, whatever it is.
    pub async fn wait_after(&self, what: &str, from: usize, timeout: Duration) -> Received {
        self.wait_match(what, from, timeout, |_| true).await
    }

    /// Waits for the first report that satisfies `pred` among those after index `from`.
    pub async fn wait_match(
        &self,
        what: &str,
        from: usize,
        timeout: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> Received {
        eventually(what, timeout, || async {
            self.all().into_iter().skip(from).find(|r| pred(r))
        })
        .await
    }
}

/// A nats-server and an inbox of the reports published on it.
pub async fn server_with_inbox() -> (NatsServer, Inbox) {
    let server = NatsServer::start();
    let inbox = Inbox::listen(&server.client().await).await;
    (server, inbox)
}

/// [`server_with_inbox`], the inbox on a [`fast_client`]: after an outage
/// it listens again well before the collector reconnects.
pub async fn server_with_fast_inbox() -> (NatsServer, Inbox) {
    let server = NatsServer::start();
    let inbox = Inbox::listen(&fast_client(&server).await).await;
    (server, inbox)
}

/// A test client that reconnects within ~20 ms, faster than the collector.
pub async fn fast_client(server: &NatsServer) -> async_nats::Client {
    async_nats::ConnectOptions::new()
        .reconnect_delay_callback(|_| Duration::from_millis(20))
        .connect(server.url())
        .await
        .unwrap()
}

pub fn config(server: &NatsServer, site_id: &str, interval: Duration) -> Config {
    let mut config = Config::new(NatsConfig::local(server.url()), site_id);
    config.interval = interval;
    // Host resources are exercised by their own test; most tests don't need the 200 ms first read.
    config.sources.host.enabled = false;
    config
}

/// A collector started in-process.
pub struct Collector(Running<Service>);

pub async fn start(config: Config) -> Collector {
    Collector(Running::start(|token| healthmon_collector::start(config, token)).await)
}

impl Collector {
    pub async fn stop(mut self) {
        self.0.stop().await;
    }

    /// The value of a metric without labels on the collector's `/metrics`, if present.
    pub async fn total(&self, name: &str) -> Option<f64> {
        self.metric(name, &[]).await
    }

    /// Asserts that the metric without labels `name` is exported with the value `want`.
    pub async fn assert_total(&self, name: &str, want: f64) {
        assert_eq!(self.total(name).await, Some(want), "{name}");
    }

    /// The value of a metric series on the collector's `/metrics`, if present.
    pub async fn metric(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let url = format!("http://{}/metrics", self.0.service().metrics_addr);
        let body = reqwest::get(url).await.ok()?.text().await.ok()?;
        healthmon_collector::exposition::parse(&body)
            .samples
            .into_iter()
            .find(|s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(v)))
            .map(|s| s.value)
    }
}

/// Asks every collector on `server` to report again, as the centre does
/// (`health.cmd.resend`), `times` times in a row; with `spread`, the centre's
/// header widening the window the answers come in. Returns when it started
/// asking.
pub async fn ask_resend(
    server: &NatsServer,
    times: usize,
    spread: Option<Duration>,
) -> tokio::time::Instant {
    let headers = spread.map(|spread| {
        let mut headers = async_nats::HeaderMap::new();
        let value = healthmon_proto::subjects::resend_spread_value(spread);
        headers.insert(healthmon_proto::subjects::HEADER_RESEND_SPREAD_MS, value);
        headers
    });
    let client = server.client().await;
    let asked = tokio::time::Instant::now();
    for _ in 0..times {
        let sent = match headers.clone() {
            Some(headers) => {
                client
                    .publish_with_headers(RESEND, headers, "".into())
                    .await
            }
            None => client.publish(RESEND, "".into()).await,
        };
        sent.unwrap();
    }
    client.flush().await.unwrap();
    asked
}

const RESEND: &str = "health.cmd.resend";

/// A [`config`] simulating `sites` healthy sites (`<prefix>-00001`…, or
/// `sim-00001`… with no prefix), seeded.
pub fn simulated(server: &NatsServer, prefix: &str, sites: usize, interval: Duration) -> Config {
    let mut config = config(server, prefix, interval);
    config.simulate = Some(healthmon_collector::Simulate {
        sites,
        fault_rate: 0.0,
        seed: Some(1),
    });
    config
}

/// A nats-server with its inbox, and a collector on it simulating `sites`
/// sites (`plant-00001`…) every `interval` that answers a resend request
/// within `jitter`.
pub async fn start_plant(
    sites: usize,
    interval: Duration,
    jitter: Duration,
) -> (NatsServer, Inbox, Collector) {
    let (server, inbox) = server_with_inbox().await;
    let mut config = simulated(&server, "plant", sites, interval);
    config.resend_jitter = jitter;
    let collector = start(config).await;
    (server, inbox, collector)
}
