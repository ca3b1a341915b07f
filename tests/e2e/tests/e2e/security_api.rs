//! The dashboard API's authentication, roles and audit, end to end: the
//! real services against a real nats-server, a dashboard API with a token
//! file of one admin and one viewer, and what a user (or a security team)
//! checks: 401 vs 403, which role may do what, maintenance and forget as
//! the fleet view shows them, the audit lines and `health.audit` events, and
//! that no token ever reaches the logs.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use healthmon_dashboard_api::auth::{AuthMode, TokenTable};
use healthmon_e2e::{Central, INTERVAL};
use healthmon_proto::audit::{AuditAction, AuditEvent, AuditOutcome};
use healthmon_proto::{Connectivity, Health, StatusEvent, encode};
use healthmon_test_support::any_port;
use healthmon_test_support::eventually;
use reqwest::StatusCode;
use serde_json::Value;

const PATIENCE: Duration = Duration::from_secs(10);
const ADMIN: &str = "adm1n-t0ken-0123456789abcdef0123456789";
const VIEWER: &str = "v1ewer-t0ken-0123456789abcdef01234567";
const WRONG: &str = "wr0ng-t0ken-0123456789abcdef012345678";

/// Everything the process logs, for the "never logged" checks.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Installs a subscriber at `debug` (more than production logs) for this
    /// test process (nextest runs one test per process).
    fn install() -> Self {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        captured
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A dashboard API with bearer tokens, next to the central services.
struct Api {
    base: String,
    http: reqwest::Client,
    _stop: healthmon_common::CancellationToken,
}

impl Api {
    async fn start(central: &Central) -> Api {
        let table =
            TokenTable::parse(&format!("admin alice {ADMIN}\nviewer bob {VIEWER}\n")).unwrap();
        let config = healthmon_dashboard_api::Config {
            nats: central.nats_config(),
            http_addr: any_port(),
            aggregator_timeout: Duration::from_secs(2),
            auth: AuthMode::Tokens(table),
            partitions: 1,
            registry: Default::default(),
            prometheus_url: None,
        };
        let stop = healthmon_common::CancellationToken::new();
        let service = healthmon_dashboard_api::start(config, stop.clone())
            .await
            .expect("dashboard API starts with tokens");
        Api {
            base: format!("http://{}", service.http_addr),
            http: reqwest::Client::new(),
            _stop: stop,
        }
    }

    /// (status, WWW-Authenticate, JSON body) of `method path` with `token`.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, Option<String>, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        (
            status,
            challenge,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let (status, _, body) = self.call(reqwest::Method::GET, path, Some(token)).await;
        (status, body)
    }
}

#[tokio::test]
async fn strangers_get_401_viewers_read_and_get_403_for_admin_actions() {
    let central = Central::start().await;
    let api = Api::start(&central).await;
    let _collector = central.collector("plant-1", INTERVAL).await;
    use reqwest::Method;

    // No credentials, or a token nobody has: 401 with a Bearer challenge.
    for path in ["/api/v1/summary", "/api/v1/sites", "/api/v1/sites/plant-1"] {
        let (status, challenge, body) = api.call(Method::GET, path, None).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(challenge.as_deref(), Some(r#"Bearer realm="healthmon""#));
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let (status, challenge, _) = api.call(Method::GET, "/api/v1/sites", Some(WRONG)).await;
    assert_eq!(status, 401);
    assert!(challenge.unwrap().contains(r#"error="invalid_token""#));
    let (status, _, _) = api
        .call(Method::DELETE, "/api/v1/sites/plant-1", None)
        .await;
    assert_eq!(status, 401, "admin routes need credentials first");

    // Probes, metrics, the page and the API document stay open.
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/",
        "/api/v1/openapi.json",
    ] {
        let response = api.http.get(format!("{}{path}", api.base)).send().await;
        assert_eq!(response.unwrap().status(), 200, "{path}");
    }

    // A viewer reads, the SSE stream included (token in the query there).
    eventually("plant-1 visible to the viewer", PATIENCE, || async {
        let (status, _) = api.get("/api/v1/sites/plant-1", VIEWER).await;
        (status == 200).then_some(())
    })
    .await;
    let (status, summary) = api.get("/api/v1/summary", VIEWER).await;
    assert_eq!(
        (status, summary["total"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    let events = |token: Option<&str>| {
        let mut url = format!("{}/api/v1/events", api.base);
        if let Some(token) = token {
            url.push_str(&format!("?access_token={token}"));
        }
        api.http.get(url).send()
    };
    assert_eq!(events(None).await.unwrap().status(), 401);
    let stream = events(Some(VIEWER)).await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    drop(stream);
    // The query token is for the stream only.
    let (status, _, _) = api
        .call(
            Method::GET,
            &format!("/api/v1/summary?access_token={VIEWER}"),
            None,
        )
        .await;
    assert_eq!(status, 401);

    // ...but may not act: 403, and nothing changes.
    for (method, path) in [
        (Method::DELETE, "/api/v1/sites/plant-1"),
        (Method::PUT, "/api/v1/sites/plant-1/maintenance"),
        (Method::DELETE, "/api/v1/sites/plant-1/maintenance"),
    ] {
        let (status, challenge, body) = api.call(method.clone(), path, Some(VIEWER)).await;
        assert_eq!(status, 403, "{method} {path}");
        assert_eq!(challenge, None);
        assert_eq!(body["error"]["code"], "forbidden");
    }
    let (status, site) = api.get("/api/v1/sites/plant-1", VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(site["maintenance"], false);
}

#[tokio::test]
async fn admins_set_maintenance_and_forget_sites_as_the_fleet_view_shows() {
    let central = Central::start().await;
    let api = Api::start(&central).await;
    let nats = central.nats.client().await;
    use reqwest::Method;

    let mut collector = central.collector("plant-9", INTERVAL).await;
    // Slow enough that a loaded machine cannot make it miss three reports
    // (CI once saw it offline beside plant-9): the counts below assume it
    // stays online.
    let _other = central.collector("plant-2", Duration::from_secs(2)).await;
    central.site_becomes("plant-9", "online", PATIENCE).await;

    // plant-9 goes offline; under maintenance it is not counted as failing.
    collector.stop().await;
    central.site_becomes("plant-9", "offline", PATIENCE).await;
    let (status, summary) = api.get("/api/v1/summary", VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(summary["offline"], 1);

    // An admin sets plant-9's window (PUT) or ends it (DELETE).
    let maintenance = |method| api.call(method, "/api/v1/sites/plant-9/maintenance", Some(ADMIN));
    let (status, _, answer) = maintenance(Method::PUT).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["maintenance"]["by"], "alice", "who set it");
    // Written to the registry; the aggregator shows it as soon as it sees it.
    let detail = eventually("the window shown", PATIENCE, || async {
        let (_, site) = api.get("/api/v1/sites/plant-9", VIEWER).await;
        (site["maintenance"] == true).then_some(site)
    })
    .await;
    assert_eq!(detail["maintenance_window"]["by"], "alice");
    assert_eq!(detail["connectivity"], "offline", "the truth stays visible");
    let (_, summary) = api.get("/api/v1/summary", VIEWER).await;
    assert_eq!(
        (
            &summary["total"],
            &summary["maintenance"],
            &summary["offline"],
            &summary["online"]
        ),
        (
            &Value::from(2),
            &Value::from(1),
            &Value::from(0),
            &Value::from(1)
        )
    );
    let (_, page) = api.get("/api/v1/sites", VIEWER).await;
    let rows = page["sites"].as_array().unwrap();
    let ids: Vec<_> = rows
        .iter()
        .map(|r| r["site_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["plant-2", "plant-9"], "maintenance sorts last");
    assert_eq!(rows[1]["maintenance"], true);

    let (status, _, answer) = maintenance(Method::DELETE).await;
    assert_eq!(
        (status, &answer["maintenance"]),
        (StatusCode::OK, &Value::Null)
    );
    eventually("counted offline again", PATIENCE, || async {
        let (_, summary) = api.get("/api/v1/summary", VIEWER).await;
        (summary["offline"] == 1).then_some(())
    })
    .await;

    // Forget the decommissioned site: gone from the API...
    let (status, _, body) = api
        .call(Method::DELETE, "/api/v1/sites/plant-9", Some(ADMIN))
        .await;
    assert_eq!(
        (status, &body["site_id"]),
        (StatusCode::OK, &Value::from("plant-9"))
    );
    eventually("plant-9 forgotten", PATIENCE, || async {
        let (status, _) = api.get("/api/v1/sites/plant-9", VIEWER).await;
        (status == 404).then_some(())
    })
    .await;
    let (status, _, _) = api
        .call(Method::DELETE, "/api/v1/sites/plant-9", Some(ADMIN))
        .await;
    assert_eq!(status, 404, "forgetting an unknown site");
    let (_, summary) = api.get("/api/v1/summary", VIEWER).await;
    assert_eq!(summary["total"], 1);

    // ...and a late status event about it (one in flight when it was
    // forgotten) does not bring it back. A second event, for plant-2, follows on the
    // same connection: once it shows, the first one has been handled.
    let status_event = |site: &str, reason: &str| StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms: healthmon_common::clock::now_ms(),
        connectivity: Connectivity::Online,
        previous_connectivity: Connectivity::Online,
        health: Health::Degraded,
        previous_health: Health::Healthy,
        reasons: vec![reason.into()],
        last_report_ms: None,
        judgement: Default::default(),
    };
    for site in ["plant-9", "plant-2"] {
        let event = encode(&status_event(site, "sentinel"));
        nats.publish(format!("health.status.{site}"), event.into())
            .await
            .unwrap();
    }
    eventually("the plant-2 sentinel event applied", PATIENCE, || async {
        let (_, site) = api.get("/api/v1/sites/plant-2", VIEWER).await;
        (site["reasons"][0] == "sentinel").then_some(())
    })
    .await;
    let (status, _) = api.get("/api/v1/sites/plant-9", VIEWER).await;
    assert_eq!(status, 404, "a status event resurrected a forgotten site");

    // If it reports again, it is back.
    let _again = central.collector("plant-9", INTERVAL).await;
    eventually("plant-9 back after reporting", PATIENCE, || async {
        let (status, _) = api.get("/api/v1/sites/plant-9", VIEWER).await;
        (status == 200).then_some(())
    })
    .await;
}

#[tokio::test]
async fn every_refusal_and_admin_action_is_audited_and_no_token_is_ever_logged() {
    let logs = Captured::install();
    let central = Central::start().await;
    let api = Api::start(&central).await;
    let nats = central.nats.client().await;
    let mut audit = nats.subscribe("health.audit").await.unwrap();
    nats.flush().await.unwrap();
    let _collector = central.collector("plant-5", INTERVAL).await;
    central.site_becomes("plant-5", "online", PATIENCE).await;
    use reqwest::Method;

    // In this order: the audit events below follow it.
    for (method, path, token, want) in [
        (Method::GET, "/api/v1/sites", WRONG, 401),
        (
            Method::PUT,
            "/api/v1/sites/plant-5/maintenance",
            VIEWER,
            403,
        ),
        (Method::PUT, "/api/v1/sites/plant-5/maintenance", ADMIN, 200),
        (Method::DELETE, "/api/v1/sites/nowhere", ADMIN, 404),
    ] {
        let what = format!("{method} {path}");
        let (status, _, _) = api.call(method, path, Some(token)).await;
        assert_eq!(status, want, "{what}");
    }
    let stream = api
        .http
        .get(format!("{}/api/v1/events?access_token={VIEWER}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    drop(stream);

    let mut events = Vec::new();
    while events.len() < 4 {
        let message = tokio::time::timeout(PATIENCE, audit.next())
            .await
            .expect("an audit event on health.audit")
            .unwrap();
        let event: AuditEvent = serde_json::from_slice(&message.payload).unwrap();
        events.push(event);
    }
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.who.as_str(), e.action, e.outcome, e.site_id.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "-",
                AuditAction::Authenticate,
                AuditOutcome::Unauthenticated,
                None
            ),
            (
                "bob",
                AuditAction::SetMaintenance,
                AuditOutcome::Forbidden,
                Some("plant-5")
            ),
            (
                "alice",
                AuditAction::SetMaintenance,
                AuditOutcome::Ok,
                Some("plant-5")
            ),
            (
                "alice",
                AuditAction::ForgetSite,
                AuditOutcome::NotFound,
                Some("nowhere")
            ),
        ]
    );
    for e in &events {
        assert_eq!(e.from, "127.0.0.1");
        assert!(e.at_ms > 0);
    }
    assert_eq!(events[0].detail.as_deref(), Some("unknown token"));
    assert_eq!(events[2].role.as_deref(), Some("admin"));
    assert_eq!(
        (events[2].method.as_str(), events[2].path.as_str()),
        ("PUT", "/api/v1/sites/plant-5/maintenance")
    );

    // The same, as log lines with target `audit`...
    let text = logs.text();
    let audit_lines: Vec<_> = text
        .lines()
        .filter(|l| l.contains(" audit:") && l.contains("action="))
        .collect();
    assert_eq!(audit_lines.len(), 4, "{text}");
    assert!(audit_lines[2].contains("who=alice") && audit_lines[2].contains("outcome=ok"));
    assert!(audit_lines[0].contains("from=127.0.0.1"));
    // ...and no token anywhere, the SSE query token included.
    for token in [ADMIN, VIEWER, WRONG] {
        assert!(!text.contains(token), "a token is in the logs:\n{text}");
    }
    assert!(
        text.contains("/api/v1/events"),
        "requests are logged at all"
    );
}
