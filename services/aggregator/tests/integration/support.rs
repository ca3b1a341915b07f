//! Shared harness of the aggregator's integration tests: a real nats-server,
//! the aggregator started in-process, and a plain async-nats client playing
//! the peers (collectors, assessor, dashboard API).

use std::net::SocketAddr;
use std::time::Duration;

use healthmon_aggregator::{Config, Service, start};
use healthmon_client::{QueryError, request_json};
use healthmon_common::nats::NatsConfig;
use healthmon_proto::query::SiteDetail;
use healthmon_proto::{HealthReport, NodeRole, StatusEvent, Subjects, encode};
use healthmon_registry::{Registry, RegistryConfig};
use healthmon_test_support::{
    NatsServer, Running, any_port, eventually, fixtures, promtext, start_jetstream,
};
use serde::{Serialize, de::DeserializeOwned};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Harness {
    pub server: NatsServer,
    pub client: async_nats::Client,
    pub subjects: Subjects,
    pub aggregator: Option<Running<Service>>,
}

impl Harness {
    /// A server (with JetStream, for the fleet registry) and a peer
    /// client, with the aggregator not yet started.
    pub async fn new() -> Self {
        let server = start_jetstream();
        let client = server.client().await;
        Harness {
            server,
            client,
            subjects: Subjects::default(),
            aggregator: None,
        }
    }

    /// The fleet registry, as an admin (or the roster tool) writes it.
    pub async fn registry(&self) -> Registry {
        Registry::new(self.server.client().await, RegistryConfig::default())
    }

    pub fn config(&self) -> Config {
        let mut config = Config::new(NatsConfig::local(self.server.url()), any_port());
        config.assessor_bootstrap_timeout = Duration::from_millis(300);
        config
    }

    pub async fn start_aggregator(&mut self) {
        let config = self.config();
        self.start_with(config).await;
    }

    pub async fn start_with(&mut self, config: Config) {
        self.aggregator = Some(Running::start(|token| start(config, token)).await);
    }

    /// A server with a running aggregator.
    pub async fn started() -> Self {
        let mut h = Self::new().await;
        h.start_aggregator().await;
        h
    }

    pub fn metrics_addr(&self) -> SocketAddr {
        self.aggregator
            .as_ref()
            .expect("started")
            .service()
            .metrics_addr
    }

    pub async fn publish_raw(&self, subject: String, payload: Vec<u8>) {
        self.client.publish(subject, payload.into()).await.unwrap();
        self.client.flush().await.unwrap();
    }

    pub async fn publish_report(&self, report: &HealthReport) {
        self.publish_raw(self.subjects.report(&report.site_id), encode(report))
            .await;
    }

    pub async fn publish_status(&self, event: &StatusEvent) {
        self.publish_raw(self.subjects.status(&event.site_id), encode(event))
            .await;
    }

    pub async fn query<Q: Serialize, R: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &Q,
    ) -> Result<R, QueryError> {
        request_json(
            &self.client,
            &self.subjects.aggregator(endpoint),
            query,
            Duration::from_secs(2),
        )
        .await
    }

    pub async fn get(&self, site_id: &str) -> Result<SiteDetail, QueryError> {
        self.query("get", &serde_json::json!({ "site_id": site_id }))
            .await
    }

    /// Waits until `get(site)` satisfies `check`, returning the detail.
    pub async fn wait_site(
        &self,
        site_id: &str,
        what: &str,
        check: impl Fn(&SiteDetail) -> bool,
    ) -> SiteDetail {
        eventually(what, WAIT, || async {
            self.get(site_id).await.ok().filter(|d| check(d))
        })
        .await
    }

    /// Waits until the site's connectivity is `want`.
    pub async fn wait_connectivity(
        &self,
        site_id: &str,
        want: healthmon_proto::Connectivity,
    ) -> SiteDetail {
        let what = format!("{site_id} {want:?}");
        self.wait_site(site_id, &what, |d| d.connectivity == want)
            .await
    }

    /// Waits until the site's latest report is the one of `seq`.
    pub async fn wait_seq(&self, site_id: &str, seq: u64) -> SiteDetail {
        let what = format!("{site_id} at seq {seq}");
        self.wait_site(site_id, &what, |d| {
            d.report.as_ref().is_some_and(|r| r.seq == seq)
        })
        .await
    }

    /// The raw /metrics body.
    pub async fn scrape_text(&self) -> String {
        let url = format!("http://{}/metrics", self.metrics_addr());
        let response = reqwest::get(url).await.expect("GET /metrics");
        assert!(response.status().is_success());
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        response.text().await.unwrap()
    }

    /// /metrics, parsed strictly (a format error fails the test).
    pub async fn scrape(&self) -> promtext::Scrape {
        let text = self.scrape_text().await;
        promtext::parse(&text).unwrap_or_else(|e| panic!("invalid exposition: {e}\n{text}"))
    }

    /// Waits until the sample `name{labels}` on /metrics equals `want`.
    pub async fn wait_metric(&self, name: &str, labels: &[(&str, &str)], want: f64) {
        let what = format!("{name}{labels:?} == {want}");
        eventually(&what, WAIT, || async {
            (self.scrape().await.value(name, labels) == Some(want)).then_some(())
        })
        .await
    }

    /// Cancels the token and expects a clean stop.
    pub async fn stop(&mut self) {
        self.aggregator.take().expect("started").stop().await;
    }
}

/// A valid report with a little of everything.
pub fn report(site: &str, instance: &str, seq: u64) -> HealthReport {
    let mut r = HealthReport::new(site, instance, seq);
    r.sent_at_ms = 1_700_000_000_000;
    r.interval_ms = 200;
    r.nodes = vec![
        fixtures::node("node-a", NodeRole::Active),
        fixtures::node("node-b", NodeRole::Standby),
    ];
    r.connections = vec![
        fixtures::connection("plc-1", true),
        fixtures::connection("historian", false),
    ];
    r.script_errors.total = 9;
    r.script_errors.per_min = 0.5;
    r.sf_buffer.external = 3;
    r
}

pub fn status(
    site: &str,
    at_ms: u64,
    connectivity: healthmon_proto::Connectivity,
    health: healthmon_proto::Health,
    reasons: &[&str],
) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms,
        connectivity,
        previous_connectivity: healthmon_proto::Connectivity::Unknown,
        health,
        previous_health: healthmon_proto::Health::Unknown,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        last_report_ms: None,
        judgement: Default::default(),
    }
}
