//! Shared set-up of the assessor's integration tests: a real nats-server,
//! the assessor under test, and a plain NATS client playing the sites (and,
//! where needed, the aggregator).
use std::net::SocketAddr;
use std::time::Duration;

use async_nats::{Client, HeaderMap, Subscriber};
use futures::StreamExt;
use healthmon_assessor::{Config, Rules, Service};
use healthmon_common::nats::NatsConfig;
use healthmon_proto::{Connectivity, HealthReport, StatusEvent};
use healthmon_test_support::fixtures::connectivity_change;
use healthmon_test_support::{NatsServer, Running, any_port};

pub const WAIT: Duration = Duration::from_secs(5);

pub fn config(server: &NatsServer) -> Config {
    Config::new(NatsConfig::local(server.url()), any_port())
}

/// A running assessor and where its metrics are.
pub struct Assessor {
    running: Running<Service>,
    pub metrics_addr: SocketAddr,
}

impl Assessor {
    pub async fn start(config: Config) -> Self {
        let running = Running::start(|token| healthmon_assessor::start(config, token)).await;
        let metrics_addr = running.service().metrics_addr;
        Assessor {
            running,
            metrics_addr,
        }
    }

    pub async fn stop(mut self) {
        self.running.stop().await;
    }

    pub async fn metric(&self, series: &str) -> Option<f64> {
        metric(&scrape(self.metrics_addr).await, series)
    }

    /// Asserts that `series` is exposed with the value `want`.
    pub async fn assert_metric(&self, series: &str, want: f64) {
        assert_eq!(self.metric(series).await, Some(want), "{series}");
    }

    /// How many sites the assessor counts as `connectivity` (`online`, …).
    pub async fn sites(&self, connectivity: &str) -> Option<f64> {
        self.metric(&sites_series(connectivity)).await
    }

    /// Asserts that the assessor counts `want` sites as `connectivity`.
    pub async fn assert_sites(&self, connectivity: &str, want: f64) {
        self.assert_metric(&sites_series(connectivity), want).await;
    }
}

fn sites_series(connectivity: &str) -> String {
    format!("healthmon_assessor_sites{{connectivity=\"{connectivity}\"}}")
}

/// What most tests start from: a nats-server, the assessor on it with the
/// default settings, a client playing the sites, and that client's
/// subscription to every status event (made before anything is published).
pub async fn start_default() -> (NatsServer, Assessor, Client, Subscriber) {
    let server = NatsServer::start();
    let assessor = Assessor::start(config(&server)).await;
    let client = server.client().await;
    let events = status_events(&client).await;
    (server, assessor, client, events)
}

pub async fn start_with_rules(server: &NatsServer, rules: Rules) -> Assessor {
    let mut c = config(server);
    c.rules = rules;
    Assessor::start(c).await
}

pub fn report(site: &str, seq: u64, interval_ms: u64) -> HealthReport {
    let mut r = HealthReport::new(site, "test-instance", seq);
    r.interval_ms = interval_ms;
    r.sent_at_ms = healthmon_common::clock::now_ms();
    r
}

pub async fn publish(client: &Client, report: &HealthReport) {
    publish_raw(client, &report.site_id, healthmon_proto::encode(report)).await;
}

pub async fn publish_raw(client: &Client, site: &str, payload: Vec<u8>) {
    client
        .publish(format!("health.report.{site}"), payload.into())
        .await
        .unwrap();
    client.flush().await.unwrap();
}

/// Subscribes to every status event before anything is published.
pub async fn status_events(client: &Client) -> Subscriber {
    let sub = client.subscribe("health.status.*").await.unwrap();
    client.flush().await.unwrap();
    sub
}

/// The next status event within `within`, with its headers.
pub async fn next_event(
    sub: &mut Subscriber,
    within: Duration,
) -> Option<(StatusEvent, HeaderMap)> {
    let msg = tokio::time::timeout(within, sub.next()).await.ok()??;
    let event = healthmon_proto::decode(&msg.payload).expect("status event decodes");
    Some((event, msg.headers.unwrap_or_default()))
}

/// The next event for `site` within [`WAIT`], which must move its
/// connectivity `from` → `to`.
pub async fn next_change_for(
    sub: &mut Subscriber,
    site: &str,
    (from, to): (Connectivity, Connectivity),
) -> StatusEvent {
    let event = next_event_for(sub, site, WAIT).await;
    assert_eq!(connectivity_change(&event), (from, to), "{site}");
    event
}

/// The next event for `site`, skipping others; panics after `within`.
pub async fn next_event_for(sub: &mut Subscriber, site: &str, within: Duration) -> StatusEvent {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match next_event(sub, left).await {
            Some((e, _)) if e.site_id == site => return e,
            Some(_) => continue,
            None => panic!("no status event for {site} within {within:?}"),
        }
    }
}

pub async fn scrape(addr: SocketAddr) -> String {
    reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("metrics endpoint answers")
        .text()
        .await
        .unwrap()
}

/// The value of one exposition line, e.g. `x_total{reason="malformed"}`.
pub use healthmon_test_support::promtext::value as metric;
