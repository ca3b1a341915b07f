//! [`Centre`], what the fault tests (`faults.rs`) need beyond
//! [`crate::support::Central`]: the three central services on any
//! nats-server (a plain one, or a hub with leaf nodes), each stoppable and
//! restartable on its own, with the settings a fault needs (mass-silence
//! rule, the aggregator's buffer, the aggregator's link through a proxy).
//! See also `proxy.rs` (cut links), `recorder.rs` (what was published),
//! `flood.rs` and `sse_client.rs`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use healthmon_assessor::MassSilenceRule;
use healthmon_common::CancellationToken;
use healthmon_common::nats::NatsConfig;
use healthmon_test_support::{NatsServer, eventually};
use serde_json::Value;

use crate::support::{Running, any_port, get_json, metric_value, start_collector};

pub use crate::support::Running as Svc;

/// Settings that differ from the defaults in some fault test.
#[derive(Default, Clone)]
pub struct Tweaks {
    /// The aggregator connects here instead of to the server (a [`Proxy`]).
    pub aggregator_url: Option<String>,
    pub aggregator_capacity: Option<usize>,
    pub mass_silence: Option<MassSilenceRule>,
}

pub struct Centre {
    pub nats: NatsServer,
    pub aggregator: Svc<healthmon_aggregator::Service>,
    pub assessor: Svc<healthmon_assessor::Service>,
    pub dashboard: Svc<healthmon_dashboard_api::Service>,
    /// The dashboard API's address; kept across its restarts.
    pub http_addr: SocketAddr,
    metrics_addrs: Vec<SocketAddr>,
    tweaks: Tweaks,
    http: reqwest::Client,
}

impl Centre {
    pub async fn start(tweaks: Tweaks) -> Self {
        Self::start_on(NatsServer::start(), tweaks).await
    }

    /// The central services on `nats` (e.g. a hub with leaf nodes).
    pub async fn start_on(nats: NatsServer, tweaks: Tweaks) -> Self {
        let (aggregator, agg_metrics) = start_aggregator(&nats, &tweaks).await;
        let (assessor, ass_metrics) = start_assessor(&nats, &tweaks).await;
        let (dashboard, http_addr) = start_dashboard(&nats, any_port()).await;
        Centre {
            nats,
            aggregator,
            assessor,
            dashboard,
            http_addr,
            metrics_addrs: vec![agg_metrics, ass_metrics],
            tweaks,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("http client"),
        }
    }

    pub fn nats_config(&self) -> NatsConfig {
        NatsConfig::local(self.nats.url())
    }

    pub async fn restart_aggregator(&mut self) {
        self.aggregator.stop().await;
        let (aggregator, metrics) = start_aggregator(&self.nats, &self.tweaks).await;
        self.aggregator = aggregator;
        self.metrics_addrs.push(metrics);
    }

    /// Starts the assessor again (stopping it first if it runs).
    pub async fn restart_assessor(&mut self) {
        self.assessor.stop().await;
        let (assessor, metrics) = start_assessor(&self.nats, &self.tweaks).await;
        self.assessor = assessor;
        self.metrics_addrs.push(metrics);
    }

    /// Stops the dashboard API and starts a new one on the same address.
    pub async fn restart_dashboard(&mut self) {
        self.dashboard.stop().await;
        let (dashboard, http_addr) = start_dashboard(&self.nats, self.http_addr).await;
        assert_eq!(http_addr, self.http_addr);
        self.dashboard = dashboard;
    }

    pub fn api(&self, path: &str) -> String {
        format!("http://{}{path}", self.http_addr)
    }

    /// GET a path of the dashboard API: (status, JSON body or Null).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        get_json(&self.http, &self.api(path)).await
    }

    pub async fn site(&self, id: &str) -> Option<Value> {
        let (status, body) = self.get(&format!("/api/v1/sites/{id}")).await;
        (status == 200).then_some(body)
    }

    /// Every site, by id (at most 1000).
    pub async fn sites(&self) -> Vec<Value> {
        let (status, body) = self.get("/api/v1/sites?sort=site_id&limit=1000").await;
        assert_eq!(status, 200, "{body}");
        body["sites"].as_array().cloned().unwrap_or_default()
    }

    pub async fn summary(&self) -> Value {
        let (status, body) = self.get("/api/v1/summary").await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn wait_connectivity(&self, id: &str, want: &str, timeout: Duration) -> Value {
        eventually(&format!("{id} {want} in the API"), timeout, || async {
            self.site(id)
                .await
                .filter(|site| site["connectivity"] == want)
        })
        .await
    }

    /// Waits until the summary has `n` sites `connectivity` (e.g. "online").
    pub async fn wait_summary(&self, connectivity: &str, n: u64, timeout: Duration) -> Value {
        eventually(
            &format!("{n} sites {connectivity} in the summary"),
            timeout,
            || async {
                let (status, s) = self.get("/api/v1/summary").await;
                (status == 200 && s[connectivity] == n).then_some(s)
            },
        )
        .await
    }

    /// Prometheus text of this process. All services run in-process and
    /// share one recorder, so any live service's `/metrics` shows them all.
    pub async fn metrics(&self) -> String {
        for addr in self.metrics_addrs.iter().rev() {
            if let Ok(response) = self.http.get(format!("http://{addr}/metrics")).send().await
                && let Ok(text) = response.text().await
            {
                return text;
            }
        }
        panic!("no /metrics endpoint answers");
    }

    /// A series' value; 0 when the series was never touched.
    pub async fn metric(&self, series: &str) -> f64 {
        metric_value(&self.metrics().await, series).unwrap_or(0.0)
    }

    /// A real collector for one site, connected to `url`.
    pub async fn collector_at(
        &self,
        url: &str,
        site: &str,
        interval: Duration,
    ) -> Running<healthmon_collector::Service> {
        let mut config = healthmon_collector::Config::new(NatsConfig::local(url), site);
        config.interval = interval;
        config.resend_jitter = Duration::from_millis(100);
        start_collector(config).await
    }

    /// A real collector simulating `sites` healthy sites `sim-00001`….
    pub async fn simulator(
        &self,
        sites: usize,
        interval: Duration,
    ) -> Running<healthmon_collector::Service> {
        let mut config = healthmon_collector::Config::new(self.nats_config(), "");
        config.interval = interval;
        config.resend_jitter = Duration::from_millis(100);
        config.simulate = Some(healthmon_collector::Simulate {
            sites,
            fault_rate: 0.0,
            seed: Some(7),
        });
        start_collector(config).await
    }
}

pub async fn start_aggregator(
    nats: &NatsServer,
    tweaks: &Tweaks,
) -> (Svc<healthmon_aggregator::Service>, SocketAddr) {
    let mut nats_config = NatsConfig::local(tweaks.aggregator_url.clone().unwrap_or(nats.url()));
    if let Some(capacity) = tweaks.aggregator_capacity {
        nats_config.subscription_capacity = capacity;
    }
    let token = CancellationToken::new();
    let config = healthmon_aggregator::Config::new(nats_config, any_port());
    let service = healthmon_aggregator::start(config, token.clone())
        .await
        .expect("aggregator starts");
    let metrics = service.metrics_addr;
    (
        Svc {
            token,
            service: Some(service),
        },
        metrics,
    )
}

async fn start_assessor(
    nats: &NatsServer,
    tweaks: &Tweaks,
) -> (Svc<healthmon_assessor::Service>, SocketAddr) {
    let token = CancellationToken::new();
    let mut config = healthmon_assessor::Config::new(NatsConfig::local(nats.url()), any_port());
    if let Some(rule) = tweaks.mass_silence {
        config.mass_silence = rule;
    }
    let service = healthmon_assessor::start(config, token.clone())
        .await
        .expect("assessor starts");
    let metrics = service.metrics_addr;
    (
        Svc {
            token,
            service: Some(service),
        },
        metrics,
    )
}

async fn start_dashboard(
    nats: &NatsServer,
    http_addr: SocketAddr,
) -> (Svc<healthmon_dashboard_api::Service>, SocketAddr) {
    let token = CancellationToken::new();
    let config = healthmon_dashboard_api::Config {
        nats: NatsConfig::local(nats.url()),
        http_addr,
        aggregator_timeout: Duration::from_secs(2),
        auth: healthmon_dashboard_api::auth::AuthMode::Disabled,
        partitions: 1,
    };
    let service = healthmon_dashboard_api::start(config, token.clone())
        .await
        .expect("dashboard API starts");
    let addr = service.http_addr;
    (
        Svc {
            token,
            service: Some(service),
        },
        addr,
    )
}
