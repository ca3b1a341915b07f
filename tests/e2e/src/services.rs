//! Every service started in-process through its public `start`, with the
//! settings the end-to-end tests use unless a test says otherwise: each
//! `*_config` is the starting point, each `start_*` runs one.

use std::time::Duration;

use healthmon_common::nats::NatsConfig;
use healthmon_dashboard_api::auth::AuthMode;
use healthmon_test_support::{Running, any_port};

pub type Aggregator = Running<healthmon_aggregator::Service>;
pub type Assessor = Running<healthmon_assessor::Service>;
pub type Dashboard = Running<healthmon_dashboard_api::Service>;
pub type Collector = Running<healthmon_collector::Service>;

/// Report interval of test collectors; with 3 missed heartbeats a silent
/// site is late after 450 ms and offline after 900 ms.
pub const INTERVAL: Duration = Duration::from_millis(300);
pub const OFFLINE_AFTER: Duration = Duration::from_millis(900);

/// How long the dashboard API waits for the aggregator in tests.
pub const AGGREGATOR_TIMEOUT: Duration = Duration::from_secs(2);

pub fn aggregator_config(nats: NatsConfig) -> healthmon_aggregator::Config {
    healthmon_aggregator::Config::new(nats, any_port())
}

pub fn assessor_config(nats: NatsConfig) -> healthmon_assessor::Config {
    healthmon_assessor::Config::new(nats, any_port())
}

/// No authentication (the security tests set their own mode), one partition.
pub fn dashboard_config(nats: NatsConfig) -> healthmon_dashboard_api::Config {
    healthmon_dashboard_api::Config {
        nats,
        http_addr: any_port(),
        aggregator_timeout: AGGREGATOR_TIMEOUT,
        auth: AuthMode::Disabled,
        partitions: 1,
        registry: Default::default(),
        prometheus_url: None,
    }
}

/// A real collector for one site, answering resend requests within 100 ms.
pub fn collector_config(
    nats: NatsConfig,
    site: &str,
    interval: Duration,
) -> healthmon_collector::Config {
    let mut config = healthmon_collector::Config::new(nats, site);
    config.interval = interval;
    config.resend_jitter = Duration::from_millis(100);
    config
}

/// A real collector simulating `sites` healthy sites `sim-00001`….
pub fn simulator_config(
    nats: NatsConfig,
    sites: usize,
    interval: Duration,
) -> healthmon_collector::Config {
    let mut config = collector_config(nats, "", interval);
    config.simulate = Some(healthmon_collector::Simulate {
        sites,
        fault_rate: 0.0,
        seed: Some(7),
    });
    config
}

pub async fn start_aggregator(config: healthmon_aggregator::Config) -> Aggregator {
    Running::start(|token| healthmon_aggregator::start(config, token)).await
}

pub async fn start_assessor(config: healthmon_assessor::Config) -> Assessor {
    Running::start(|token| healthmon_assessor::start(config, token)).await
}

pub async fn start_dashboard(config: healthmon_dashboard_api::Config) -> Dashboard {
    Running::start(|token| healthmon_dashboard_api::start(config, token)).await
}

pub async fn start_collector(config: healthmon_collector::Config) -> Collector {
    Running::start(|token| healthmon_collector::start(config, token)).await
}

/// The dashboard API's base URL, `http://127.0.0.1:<port>`.
pub fn base_url(dashboard: &Dashboard) -> String {
    format!("http://{}", dashboard.service().http_addr)
}

/// An aggregator with the test settings on NATS at `url` (a server, a
/// proxy, or a comma list of cluster servers).
pub async fn aggregator_at(url: &str) -> Aggregator {
    start_aggregator(aggregator_config(NatsConfig::local(url))).await
}

/// An assessor on `url`; with `lease`, one of several replicas electing a leader.
pub async fn assessor_at(url: &str, lease: Option<Duration>) -> Assessor {
    let mut config = assessor_config(NatsConfig::local(url));
    config.leader_lease = lease;
    start_assessor(config).await
}

/// The dashboard API on `url`, and its base URL.
pub async fn dashboard_at(url: &str) -> (Dashboard, String) {
    let dashboard = start_dashboard(dashboard_config(NatsConfig::local(url))).await;
    let base = base_url(&dashboard);
    (dashboard, base)
}

/// A real collector for one site on `url`.
pub async fn collector_at(url: &str, site: &str, interval: Duration) -> Collector {
    start_collector(collector_config(NatsConfig::local(url), site, interval)).await
}

/// A real collector simulating `sites` healthy sites on `url`.
pub async fn simulator_at(url: &str, sites: usize, interval: Duration) -> Collector {
    start_collector(simulator_config(NatsConfig::local(url), sites, interval)).await
}
