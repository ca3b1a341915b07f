//! The central side of healthmon — aggregator, assessor and dashboard API —
//! running in-process against real NATS, in the style of
//! zero-to-production's `spawn_app()`. Collectors are started per test.
//!
//! [`Centre`] runs the three services against any NATS (a plain server, a
//! hub with leaf nodes, a cluster, a secure hub with a user per service),
//! each stoppable and restartable on its own with the same settings;
//! [`Central`] is a `Centre` with a nats-server of its own, what most tests
//! start with. [`Options`] carries what a test changes from the defaults.

use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use healthmon_common::nats::NatsConfig;
use healthmon_test_support::{NatsServer, any_port, promtext};
use serde_json::Value;

use crate::api::{Api, scrape};
use crate::services::{
    Aggregator, Assessor, Collector, Dashboard, aggregator_config, assessor_config, collector_at,
    dashboard_config, simulator_at, start_aggregator, start_assessor, start_dashboard,
};

/// A change to one service's settings, applied at every (re)start.
pub type Tweak<C> = Arc<dyn Fn(&mut C) + Send + Sync>;

/// How each central service logs in to NATS, by role
/// (`aggregator`, `assessor`, `dashboard`).
pub type Login = Arc<dyn Fn(&str) -> NatsConfig + Send + Sync>;

/// What a test changes from the defaults of [`crate::services`].
#[derive(Clone, Default)]
pub struct Options {
    login: Option<Login>,
    aggregator_url: Option<String>,
    aggregator: Option<Tweak<healthmon_aggregator::Config>>,
    assessor: Option<Tweak<healthmon_assessor::Config>>,
    dashboard: Option<Tweak<healthmon_dashboard_api::Config>>,
}

impl Options {
    /// Each service logs in as `login(role)` returns (a secure hub's users).
    pub fn login(mut self, login: impl Fn(&str) -> NatsConfig + Send + Sync + 'static) -> Self {
        self.login = Some(Arc::new(login));
        self
    }

    /// The aggregator connects to `url` instead (a proxy whose link a test cuts).
    pub fn aggregator_via(mut self, url: String) -> Self {
        self.aggregator_url = Some(url);
        self
    }

    pub fn aggregator(
        mut self,
        tweak: impl Fn(&mut healthmon_aggregator::Config) + Send + Sync + 'static,
    ) -> Self {
        self.aggregator = Some(Arc::new(tweak));
        self
    }

    pub fn assessor(
        mut self,
        tweak: impl Fn(&mut healthmon_assessor::Config) + Send + Sync + 'static,
    ) -> Self {
        self.assessor = Some(Arc::new(tweak));
        self
    }

    pub fn dashboard(
        mut self,
        tweak: impl Fn(&mut healthmon_dashboard_api::Config) + Send + Sync + 'static,
    ) -> Self {
        self.dashboard = Some(Arc::new(tweak));
        self
    }
}

/// How the centre's services are started, and restarted alike.
struct Setup {
    url: String,
    options: Options,
}

impl Setup {
    fn login(&self, role: &str) -> NatsConfig {
        match &self.options.login {
            Some(login) => login(role),
            None => NatsConfig::local(self.url.clone()),
        }
    }

    async fn aggregator(&self) -> Aggregator {
        let mut nats = self.login("aggregator");
        if let Some(url) = &self.options.aggregator_url {
            nats.url = url.clone();
        }
        let mut config = aggregator_config(nats);
        if let Some(tweak) = &self.options.aggregator {
            tweak(&mut config);
        }
        start_aggregator(config).await
    }

    async fn assessor(&self) -> Assessor {
        let mut config = assessor_config(self.login("assessor"));
        if let Some(tweak) = &self.options.assessor {
            tweak(&mut config);
        }
        start_assessor(config).await
    }

    async fn dashboard(&self, http_addr: SocketAddr) -> Dashboard {
        let mut config = dashboard_config(self.login("dashboard"));
        config.http_addr = http_addr;
        if let Some(tweak) = &self.options.dashboard {
            tweak(&mut config);
        }
        start_dashboard(config).await
    }
}

/// The three central services, against NATS at one URL.
pub struct Centre {
    setup: Setup,
    pub aggregator: Aggregator,
    pub assessor: Assessor,
    pub dashboard: Dashboard,
    /// The dashboard API, at an address kept across its restarts.
    pub api: Api,
    http_addr: SocketAddr,
    /// Every service's `/metrics`, newest last.
    metrics_addrs: Vec<SocketAddr>,
    http: reqwest::Client,
}

impl Centre {
    pub async fn start(url: &str, options: Options) -> Self {
        let setup = Setup {
            url: url.to_owned(),
            options,
        };
        let aggregator = setup.aggregator().await;
        let assessor = setup.assessor().await;
        let dashboard = setup.dashboard(any_port()).await;
        let http_addr = dashboard.service().http_addr;
        let metrics_addrs = vec![
            aggregator.service().metrics_addr,
            assessor.service().metrics_addr,
        ];
        Centre {
            setup,
            aggregator,
            assessor,
            dashboard,
            api: Api::new(format!("http://{http_addr}")),
            http_addr,
            metrics_addrs,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("http client"),
        }
    }

    /// Plain NATS settings for the URL the centre runs against.
    pub fn nats_config(&self) -> NatsConfig {
        NatsConfig::local(self.setup.url.clone())
    }

    pub async fn restart_aggregator(&mut self) {
        self.aggregator.stop().await;
        self.aggregator = self.setup.aggregator().await;
        self.metrics_addrs
            .push(self.aggregator.service().metrics_addr);
    }

    /// Starts the assessor again (stopping it first if it runs).
    pub async fn restart_assessor(&mut self) {
        self.assessor.stop().await;
        self.assessor = self.setup.assessor().await;
        self.metrics_addrs
            .push(self.assessor.service().metrics_addr);
    }

    /// Stops the dashboard API and starts a new one on the same address.
    pub async fn restart_dashboard(&mut self) {
        self.dashboard.stop().await;
        self.dashboard = self.setup.dashboard(self.http_addr).await;
    }

    /// Stops all three services, then starts them again (aggregator,
    /// assessor, dashboard API on its address): the whole centre restarted,
    /// with nothing of it running in between.
    pub async fn restart_all(&mut self) {
        self.dashboard.stop().await;
        self.assessor.stop().await;
        self.aggregator.stop().await;
        self.aggregator = self.setup.aggregator().await;
        self.assessor = self.setup.assessor().await;
        self.dashboard = self.setup.dashboard(self.http_addr).await;
        self.metrics_addrs.extend([
            self.aggregator.service().metrics_addr,
            self.assessor.service().metrics_addr,
        ]);
    }

    /// Another aggregator replica with the same settings (same queue group).
    pub async fn aggregator_replica(&self) -> Aggregator {
        self.setup.aggregator().await
    }

    /// Another dashboard API replica with the same settings, on its own port.
    pub async fn dashboard_replica(&self) -> (Dashboard, Api) {
        let dashboard = self.setup.dashboard(any_port()).await;
        let api = Api::new(format!("http://{}", dashboard.service().http_addr));
        (dashboard, api)
    }

    /// The current aggregator's `/metrics` (its per-site series, and every
    /// in-process service's counters: they share one recorder).
    pub async fn aggregator_metrics(&self) -> String {
        scrape(&self.http, self.aggregator.service().metrics_addr)
            .await
            .expect("aggregator /metrics answers")
    }

    /// Prometheus text of this process from whichever service still answers.
    pub async fn metrics(&self) -> String {
        for addr in self.metrics_addrs.iter().rev() {
            if let Some(text) = scrape(&self.http, *addr).await {
                return text;
            }
        }
        panic!("no /metrics endpoint answers");
    }

    /// A series' value, written exactly (`name{label="v"}`); 0 when never touched.
    pub async fn metric(&self, series: &str) -> f64 {
        promtext::value(&self.metrics().await, series).unwrap_or(0.0)
    }

    /// A real collector for one site.
    pub async fn collector(&self, site: &str, interval: Duration) -> Collector {
        collector_at(&self.setup.url, site, interval).await
    }

    /// A real collector simulating `sites` healthy sites `sim-00001`….
    pub async fn simulator(&self, sites: usize, interval: Duration) -> Collector {
        simulator_at(&self.setup.url, sites, interval).await
    }

    /// Waits until the dashboard API shows site `id` as `want` (`"online"`,
    /// `"offline"`, ...); its row. What most tests wait for between steps.
    pub async fn site_becomes(&self, id: &str, want: &str, timeout: Duration) -> Value {
        self.api.wait_connectivity(id, want, timeout).await
    }
}

/// A [`Centre`] with a nats-server of its own.
pub struct Central {
    pub nats: NatsServer,
    centre: Centre,
}

impl Central {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// On a nats-server with JetStream, as every central deployment runs
    /// (the fleet registry lives there).
    pub async fn start_with(options: Options) -> Self {
        Self::start_on(healthmon_test_support::start_jetstream(), options).await
    }

    /// The centre on `nats` (a hub with leaf nodes, JetStream, ...).
    pub async fn start_on(nats: NatsServer, options: Options) -> Self {
        let centre = Centre::start(&nats.url(), options).await;
        Central { nats, centre }
    }
}

impl Deref for Central {
    type Target = Centre;

    fn deref(&self) -> &Centre {
        &self.centre
    }
}

impl DerefMut for Central {
    fn deref_mut(&mut self) -> &mut Centre {
        &mut self.centre
    }
}
