//! What the integration tests share: a real nats-server with JetStream (for
//! the fleet registry), the dashboard API started through its public
//! `start`, and a small but real aggregator peer — a NATS micro service
//! answering `health.agg.{summary,list,get}` with the `healthmon_proto`
//! types — so these tests need no other healthmon service.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::service::ServiceExt;
use futures::StreamExt;
use healthmon_common::micro::{ReplyError, parse_request, reply_json};
use healthmon_common::nats::NatsConfig;
use healthmon_dashboard_api::auth::{AuthMode, TokenTable};
use healthmon_dashboard_api::{Config, Service, start};
use healthmon_proto::labels::Labels;
use healthmon_proto::query::{
    FleetSummary, GetQuery, ListQuery, SiteDetail, SitePage, SiteSummary, Summary, SummaryQuery,
};
use healthmon_proto::{Connectivity, Health, HealthReport};
use healthmon_registry::{Registry, RegistryConfig};
pub use healthmon_test_support::fixtures::labels;
use healthmon_test_support::{NatsServer, Running, eventually, promtext, start_jetstream};
use serde_json::Value;

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Harness {
    /// Kept for the test's life: the broker everything talks through.
    _server: NatsServer,
    pub nats: async_nats::Client,
    pub api: Running<Service>,
    pub http: reqwest::Client,
}

impl Harness {
    /// A nats-server with JetStream and the dashboard API without
    /// authentication (no aggregator yet).
    pub async fn start() -> Self {
        Self::start_with(AuthMode::Disabled).await
    }

    /// [`Harness::start`] with the test aggregator answering.
    pub async fn with_aggregator() -> (Self, FakeAggregator) {
        let h = Self::start().await;
        let aggregator = FakeAggregator::start(&h.nats).await;
        (h, aggregator)
    }

    /// The same with users from a token file's text.
    pub async fn with_tokens(file: &str) -> Self {
        Self::start_with(AuthMode::Tokens(TokenTable::parse(file).unwrap())).await
    }

    pub async fn start_with(auth: AuthMode) -> Self {
        Self::on(start_jetstream(), auth).await
    }

    /// The dashboard API on `server`.
    pub async fn on(server: NatsServer, auth: AuthMode) -> Self {
        healthmon_common::telemetry::init_tracing(
            healthmon_common::telemetry::LogFormat::Text,
            "info",
        );
        let nats = server.client().await;
        let config = Config {
            nats: NatsConfig::local(server.url()),
            http_addr: "127.0.0.1:0".parse().unwrap(),
            aggregator_timeout: Duration::from_millis(300),
            auth,
            partitions: 1,
            registry: RegistryConfig::default(),
            prometheus_url: None,
        };
        let api = Running::start(|token| start(config, token)).await;
        Harness {
            _server: server,
            nats,
            api,
            http: reqwest::Client::new(),
        }
    }

    /// The registry, as another writer (or a reader checking what was written).
    pub fn registry(&self) -> Registry {
        Registry::new(self.nats.clone(), RegistryConfig::default())
    }

    /// Sends `method path` with a JSON body (if any) and a bearer token (if
    /// any); returns the status and the JSON answer.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method.clone(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: {status} without JSON: {text}"));
        (status, json)
    }

    /// `PUT path` with a JSON body, without a token.
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, None, Some(body))
            .await
    }

    /// [`Harness::put`] that must succeed: its answer.
    pub async fn put_ok(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.put(path, body).await;
        assert_eq!(status, 200, "PUT {path}: {answer}");
        answer
    }

    /// `DELETE path`, without a token.
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, None, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.api.service().http_addr)
    }

    /// GET `path`, returning the status and the body as JSON.
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.text().await.unwrap();
        assert!(
            content_type.starts_with("application/json"),
            "GET {path}: {status} with content-type {content_type:?}: {body}"
        );
        (status, serde_json::from_str(&body).unwrap())
    }

    /// Waits until the API's copy of the registry lists `n` sites.
    pub async fn wait_registry_sites(&self, n: usize) {
        let want = n as f64;
        eventually("the API's copy of the registry", TIMEOUT, || async {
            let metrics = self.metrics().await;
            (promtext::value(&metrics, "healthmon_registry_sites") == Some(want)).then_some(())
        })
        .await;
    }

    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

/// Returns once the server has processed everything `client` sent before
/// (its subscriptions included): `flush` alone only empties the socket.
pub async fn server_round_trip(client: &async_nats::Client) {
    let outcome = client.request(client.new_inbox(), "".into()).await;
    assert!(
        matches!(&outcome, Err(e) if e.kind() == async_nats::client::RequestErrorKind::NoResponders),
        "expected the server's no-responders answer, got {outcome:?}"
    );
}

/// Asserts the API's error shape and returns the message.
pub fn error_message(body: &Value, code: &str) -> String {
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"].as_str().unwrap().to_owned()
}

/// Asserts that `/readyz`'s `check` says something containing `what`.
pub fn check_says(body: &Value, check: &str, what: &str) {
    let said = body["checks"][check].as_str().unwrap();
    assert!(said.contains(what), "{check}: {body}");
}

/// The ids of a page of sites, in its order.
pub fn site_ids(page: &Value) -> Vec<&str> {
    page["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site_id"].as_str().unwrap())
        .collect()
}

pub fn site(id: &str, connectivity: Connectivity, health: Health) -> SiteSummary {
    SiteSummary {
        site_id: id.into(),
        connectivity,
        health,
        reasons: vec![],
        last_report_ms: Some(1_700_000_000_000),
        status_since_ms: Some(1_700_000_000_000),
        interval_ms: Some(30_000),
        active_node: Some("node-a".into()),
        connections_up: 1,
        connections_total: 2,
        script_errors_per_min: 0.5,
        alarm_errors_per_min: 0.0,
        sf_buffer_total: 3,
        lost_reports: 0,
        maintenance: false,
        labels: labels(&[("region", id.split('-').next().unwrap_or(""))]),
        acknowledged: false,
        judgement: Default::default(),
    }
}

fn has_labels(site: &SiteSummary, wanted: &Labels) -> bool {
    wanted.iter().all(|(k, v)| site.labels.get(k) == Some(v))
}

/// The test's aggregator: fixed sites (labelled `region=north|south`), and
/// every `ListQuery` it received.
pub struct FakeAggregator {
    pub lists: Arc<Mutex<Vec<ListQuery>>>,
    _service: async_nats::service::Service,
}

pub fn fixture() -> Vec<SiteSummary> {
    vec![
        site("north-1", Connectivity::Online, Health::Healthy),
        site("north-2", Connectivity::Offline, Health::Healthy),
        site("south-1", Connectivity::Online, Health::Degraded),
        site("south-2", Connectivity::Late, Health::Healthy),
    ]
}

impl FakeAggregator {
    pub async fn start(client: &async_nats::Client) -> Self {
        let service = client
            .service_builder()
            .description("test aggregator")
            .start("healthmon-aggregator", "0.0.1")
            .await
            .unwrap();
        let group = service.group("health.agg");
        let mut summary = group.endpoint("summary").await.unwrap();
        let mut list = group.endpoint("list").await.unwrap();
        let mut get = group.endpoint("get").await.unwrap();
        server_round_trip(client).await;
        let lists = Arc::new(Mutex::new(Vec::new()));

        tokio::spawn(async move {
            while let Some(request) = summary.next().await {
                let answer = parse_request::<SummaryQuery>(&request.message.payload).map(|q| {
                    let mut totals = Summary::default();
                    let mut groups: std::collections::BTreeMap<Option<String>, Summary> =
                        Default::default();
                    for site in fixture().iter().filter(|s| has_labels(s, &q.labels)) {
                        totals.count(site.connectivity, site.health);
                        if let Some(key) = &q.by {
                            let value = site.labels.get(key).cloned();
                            groups
                                .entry(value)
                                .or_default()
                                .count(site.connectivity, site.health);
                        }
                    }
                    FleetSummary::grouped(totals, q.by.clone(), groups)
                });
                reply_json(&request, answer).await;
            }
        });
        let seen = lists.clone();
        tokio::spawn(async move {
            while let Some(request) = list.next().await {
                let answer = parse_request::<ListQuery>(&request.message.payload).map(|q| {
                    seen.lock().unwrap().push(q.clone());
                    page(&q)
                });
                reply_json(&request, answer).await;
            }
        });
        tokio::spawn(async move {
            while let Some(request) = get.next().await {
                let answer = serde_json::from_slice::<GetQuery>(&request.message.payload)
                    .map_err(|e| ReplyError::bad_request(e.to_string()))
                    .and_then(|q| detail(&q.site_id));
                reply_json(&request, answer).await;
            }
        });
        FakeAggregator {
            lists,
            _service: service,
        }
    }
}

fn page(q: &ListQuery) -> SitePage {
    let mut sites: Vec<SiteSummary> = fixture()
        .into_iter()
        .filter(|s| {
            q.matches(&s.site_id, s.connectivity, s.health)
                && has_labels(s, &q.labels)
                && q.admits_ack(s.acknowledged)
        })
        .collect();
    sites.sort_by(|a, b| q.sort.compare(a, b));
    let total = sites.len();
    let limit = q.effective_limit();
    SitePage {
        total,
        offset: q.offset,
        limit,
        sites: sites.into_iter().skip(q.offset).take(limit).collect(),
    }
}

fn detail(site_id: &str) -> Result<SiteDetail, ReplyError> {
    let row = fixture()
        .into_iter()
        .find(|s| s.site_id == site_id)
        .ok_or_else(|| ReplyError::not_found(format!("no site {site_id}")))?;
    let mut report = HealthReport::new(site_id, "inst-1", 7);
    report.sent_at_ms = 1_700_000_000_000;
    report.interval_ms = 30_000;
    report.sf_buffer.db_write = 3;
    Ok(SiteDetail {
        site_id: row.site_id,
        connectivity: row.connectivity,
        health: row.health,
        reasons: vec!["connection plc-2 disconnected".into()],
        last_report_ms: row.last_report_ms,
        received_at_us: None,
        status_since_ms: row.status_since_ms,
        lost_reports: 2,
        report: Some(report),
        maintenance: false,
        labels: row.labels,
        maintenance_window: None,
        ack: None,
        registry: None,
        judgement: Default::default(),
    })
}
