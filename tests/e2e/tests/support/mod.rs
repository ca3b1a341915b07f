//! `Central`: the whole central side (aggregator, assessor, dashboard API)
//! running in-process against one real `nats-server`, in the style of
//! zero-to-production's `spawn_app()`. Collectors are started per test.
//! Every service is the real one, driven through its public `start`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use healthmon_common::CancellationToken;
use healthmon_common::nats::NatsConfig;
use healthmon_test_support::NatsServer;
use serde_json::Value;

/// Report interval of test collectors; with 3 missed heartbeats a silent
/// site is late after 450 ms and offline after 900 ms.
pub const INTERVAL: Duration = Duration::from_millis(300);
pub const OFFLINE_AFTER: Duration = Duration::from_millis(900);

pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

mod running;
pub use running::Running;

pub struct Central {
    pub nats: NatsServer,
    pub aggregator: Running<healthmon_aggregator::Service>,
    pub aggregator_metrics: SocketAddr,
    pub assessor: Running<healthmon_assessor::Service>,
    pub dashboard: Running<healthmon_dashboard_api::Service>,
    pub api: String,
    http: reqwest::Client,
}

impl Central {
    pub async fn start() -> Self {
        let nats = NatsServer::start();
        let (aggregator, aggregator_metrics) = start_aggregator(&nats).await;
        let assessor = start_assessor(&nats).await;
        let token = CancellationToken::new();
        let config = healthmon_dashboard_api::Config {
            nats: NatsConfig::local(nats.url()),
            http_addr: any_port(),
            aggregator_timeout: Duration::from_secs(2),
            auth: healthmon_dashboard_api::auth::AuthMode::Disabled,
            partitions: 1,
        };
        let service = healthmon_dashboard_api::start(config, token.clone())
            .await
            .expect("dashboard api starts");
        let api = format!("http://{}", service.http_addr);
        Central {
            nats,
            aggregator,
            aggregator_metrics,
            assessor,
            dashboard: Running {
                token,
                service: Some(service),
            },
            api,
            http: reqwest::Client::new(),
        }
    }

    pub fn nats_config(&self) -> NatsConfig {
        NatsConfig::local(self.nats.url())
    }

    pub async fn restart_aggregator(&mut self) {
        self.aggregator.stop().await;
        let (aggregator, metrics) = start_aggregator(&self.nats).await;
        self.aggregator = aggregator;
        self.aggregator_metrics = metrics;
    }

    pub async fn restart_assessor(&mut self) {
        self.assessor.stop().await;
        self.assessor = start_assessor(&self.nats).await;
    }

    /// GET a path of the dashboard API: (status, JSON body).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        get_json(&self.http, &format!("{}{path}", self.api)).await
    }

    /// The site as `GET /api/v1/sites/{id}` shows it, if known.
    pub async fn site(&self, id: &str) -> Option<Value> {
        let (status, body) = self.get(&format!("/api/v1/sites/{id}")).await;
        (status == 200).then_some(body)
    }

    /// Waits until the API shows the site with this connectivity.
    pub async fn wait_connectivity(&self, id: &str, want: &str, timeout: Duration) -> Value {
        healthmon_test_support::eventually(
            &format!("{id} to be {want} in the API"),
            timeout,
            || async {
                self.site(id)
                    .await
                    .filter(|site| site["connectivity"] == want)
            },
        )
        .await
    }

    pub async fn aggregator_metrics(&self) -> String {
        self.http
            .get(format!("http://{}/metrics", self.aggregator_metrics))
            .send()
            .await
            .expect("aggregator /metrics answers")
            .text()
            .await
            .expect("metrics body")
    }

    /// A real collector for one site, reporting every `interval`.
    pub async fn collector(
        &self,
        site: &str,
        interval: Duration,
    ) -> Running<healthmon_collector::Service> {
        let mut config = healthmon_collector::Config::new(self.nats_config(), site);
        config.interval = interval;
        config.resend_jitter = Duration::from_millis(100);
        start_collector(config).await
    }

    /// A real collector simulating `sites` healthy sites.
    pub async fn simulator(&self, sites: usize) -> Running<healthmon_collector::Service> {
        let mut config = healthmon_collector::Config::new(self.nats_config(), "");
        config.interval = INTERVAL;
        config.simulate = Some(healthmon_collector::Simulate {
            sites,
            fault_rate: 0.0,
            seed: Some(7),
        });
        start_collector(config).await
    }
}

pub async fn start_collector(
    config: healthmon_collector::Config,
) -> Running<healthmon_collector::Service> {
    let token = CancellationToken::new();
    let service = healthmon_collector::start(config, token.clone())
        .await
        .expect("collector starts");
    Running {
        token,
        service: Some(service),
    }
}

async fn start_aggregator(
    nats: &NatsServer,
) -> (Running<healthmon_aggregator::Service>, SocketAddr) {
    let token = CancellationToken::new();
    let config = healthmon_aggregator::Config::new(NatsConfig::local(nats.url()), any_port());
    let service = healthmon_aggregator::start(config, token.clone())
        .await
        .expect("aggregator starts");
    let metrics = service.metrics_addr;
    (
        Running {
            token,
            service: Some(service),
        },
        metrics,
    )
}

async fn start_assessor(nats: &NatsServer) -> Running<healthmon_assessor::Service> {
    let token = CancellationToken::new();
    let config = healthmon_assessor::Config::new(NatsConfig::local(nats.url()), any_port());
    let service = healthmon_assessor::start(config, token.clone())
        .await
        .expect("assessor starts");
    Running {
        token,
        service: Some(service),
    }
}

/// The value of a counter/gauge line `name{labels} value` in exposition text.
pub fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

/// GET `url` from the dashboard API: (status, JSON body, or Null if none).
pub async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.expect("dashboard API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
