//! Admin actions through the API land in the fleet registry (a real
//! JetStream KV bucket): maintenance windows for one site or by selector,
//! labels, acknowledgements and forgets; each is audited; bad bodies are
//! 400s that change nothing; and while the registry cannot be written,
//! every action is a 503 naming it while reads go on.

use std::time::Duration;

use futures::StreamExt;
use healthmon_common::clock::now_ms;
use healthmon_dashboard_api::auth::AuthMode;
use healthmon_proto::audit::{AuditAction, AuditEvent, AuditOutcome};
use healthmon_test_support::NatsServer;
use reqwest::Method;
use serde_json::json;

use crate::scope::label_sites;
use crate::support::{FakeAggregator, Harness, TIMEOUT, error_message, labels};

#[tokio::test]
async fn a_maintenance_window_is_written_to_the_registry_and_audited() {
    let (h, _aggregator) = Harness::with_aggregator().await;
    label_sites(&h).await;
    let mut audit = h.nats.subscribe("health.audit").await.unwrap();
    let until = now_ms() + 3_600_000;

    let answer = h
        .put_ok(
            "/api/v1/sites/north-2/maintenance",
            json!({"until_ms": until, "reason": "firmware update"}),
        )
        .await;
    assert_eq!(answer["site_id"], "north-2");
    assert_eq!(answer["maintenance"]["until_ms"], until);
    assert_eq!(answer["maintenance"]["by"], "anonymous");
    let stored = h.registry().store().await.unwrap();
    let entry = stored.get("maintenance.north-2").await.unwrap().unwrap();
    let window: serde_json::Value = serde_json::from_slice(&entry).unwrap();
    assert_eq!(window["reason"], "firmware update");
    assert_eq!(window["until_ms"], until);

    let event = tokio::time::timeout(TIMEOUT, audit.next())
        .await
        .unwrap()
        .unwrap();
    let event: AuditEvent = serde_json::from_slice(&event.payload).unwrap();
    assert_eq!(
        (event.action, event.outcome, event.site_id.as_deref()),
        (
            AuditAction::SetMaintenance,
            AuditOutcome::Ok,
            Some("north-2")
        )
    );

    let (status, answer) = h.delete("/api/v1/sites/north-2/maintenance").await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["maintenance"].is_null());
    assert!(stored.get("maintenance.north-2").await.unwrap().is_none());
}

#[tokio::test]
async fn bad_bodies_and_unknown_sites_change_nothing() {
    let (h, _aggregator) = Harness::with_aggregator().await;
    label_sites(&h).await;
    let path = "/api/v1/sites/north-1/maintenance";
    for (body, says) in [
        (json!({"until_ms": -1}), "whole number"),
        (json!({"until": 5}), "unknown field"),
        (json!([null, null]), "expected a JSON object"),
        (json!({"reason": "x".repeat(300)}), "reason"),
        (json!("not an object"), "invalid request body"),
    ] {
        let (status, answer) = h.call(Method::PUT, path, None, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let message = error_message(&answer, "bad_request");
        assert!(message.contains(says), "{body}: {message}");
    }
    let (status, answer) = h
        .call(
            Method::PUT,
            "/api/v1/sites/nowhere-9/maintenance",
            None,
            None,
        )
        .await;
    assert_eq!(status, 404);
    error_message(&answer, "not_found");
    let (status, answer) = h
        .put(
            "/api/v1/sites/north-1/labels",
            json!({"labels": {"Bad Key": "x"}}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    let stored = h.registry().store().await.unwrap();
    assert!(stored.get("maintenance.north-1").await.unwrap().is_none());
    let record = h.registry().site("north-1").await.unwrap().unwrap();
    assert!(record.labels.is_empty());
}

#[tokio::test]
async fn bulk_maintenance_touches_exactly_the_selected_sites() {
    let (h, _aggregator) = Harness::with_aggregator().await;
    label_sites(&h).await;
    let mut audit = h.nats.subscribe("health.audit").await.unwrap();

    let answer = h
        .put_ok(
            "/api/v1/maintenance?selector=region%3Dnorth",
            json!({"reason": "storm"}),
        )
        .await;
    assert_eq!(answer["count"], 2);
    assert_eq!(answer["sites"], json!(["north-1", "north-2"]));
    let stored = h.registry().store().await.unwrap();
    for (site, windowed) in [
        ("north-1", true),
        ("north-2", true),
        ("south-1", false),
        ("south-2", false),
    ] {
        let has = stored
            .get(format!("maintenance.{site}"))
            .await
            .unwrap()
            .is_some();
        assert_eq!(has, windowed, "{site}");
    }
    let event = tokio::time::timeout(TIMEOUT, audit.next())
        .await
        .unwrap()
        .unwrap();
    let event: AuditEvent = serde_json::from_slice(&event.payload).unwrap();
    assert_eq!(event.action, AuditAction::SetMaintenanceBySelector);
    assert_eq!(
        event.detail.as_deref(),
        Some("selector region=north: 2 sites")
    );
    // One audit line for the lot.
    let more = tokio::time::timeout(Duration::from_millis(300), audit.next()).await;
    assert!(more.is_err(), "one audit event per bulk action");

    let (status, answer) = h.delete("/api/v1/maintenance?selector=region=north").await;
    assert_eq!((status, answer["count"].clone()), (200, json!(2)));
    assert!(stored.get("maintenance.north-1").await.unwrap().is_none());

    let (status, answer) = h.call(Method::PUT, "/api/v1/maintenance", None, None).await;
    assert_eq!(status, 400);
    assert!(error_message(&answer, "bad_request").contains("selector"));
}

#[tokio::test]
async fn labels_acknowledgements_and_forgets_reach_the_registry() {
    let (h, _aggregator) = Harness::with_aggregator().await;
    label_sites(&h).await;
    let registry = h.registry();

    let answer = h
        .put_ok(
            "/api/v1/sites/south-1/labels",
            json!({"labels": {"customer": "acme", "region": "south-east"}}),
        )
        .await;
    assert_eq!(
        answer["effective"],
        json!({"customer": "acme", "region": "south-east"})
    );
    let record = registry.site("south-1").await.unwrap().unwrap();
    assert_eq!(
        record.labels,
        labels(&[("customer", "acme"), ("region", "south-east")])
    );
    assert_eq!(
        record.declared_labels,
        labels(&[("region", "south")]),
        "what it sent is kept"
    );

    // south-1 is online and degraded: there is something to acknowledge;
    // north-1 is online and healthy: nothing.
    let answer = h
        .put_ok(
            "/api/v1/sites/south-1/ack",
            json!({"note": "replacing the PLC"}),
        )
        .await;
    assert_eq!(answer["ack"]["health"], "degraded");
    assert_eq!(answer["ack"]["note"], "replacing the PLC");
    let stored = registry.store().await.unwrap();
    assert!(stored.get("ack.south-1").await.unwrap().is_some());
    let (status, answer) = h
        .call(Method::PUT, "/api/v1/sites/north-1/ack", None, None)
        .await;
    assert_eq!(status, 409, "{answer}");
    assert!(error_message(&answer, "conflict").contains("nothing to acknowledge"));

    let (status, answer) = h.delete("/api/v1/sites/south-1").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"site_id": "south-1"}));
    assert!(registry.site("south-1").await.unwrap().is_none());
    assert!(stored.get("ack.south-1").await.unwrap().is_none());
}

#[tokio::test]
async fn without_the_registry_writes_are_503s_naming_it_and_reads_go_on() {
    // A server without JetStream: the registry can never be reached.
    let h = Harness::on(NatsServer::start(), AuthMode::Disabled).await;
    let _aggregator = FakeAggregator::start(&h.nats).await;
    let (status, answer) = h
        .call(Method::PUT, "/api/v1/sites/north-1/maintenance", None, None)
        .await;
    assert_eq!(status, 503, "{answer}");
    let message = error_message(&answer, "registry_unavailable");
    assert!(message.contains("healthmon_sites"), "{message}");
    assert!(message.contains("admin changes are refused"), "{message}");
    assert_eq!(message.matches("is unavailable").count(), 1, "{message}");

    let (status, _) = h.get_json("/api/v1/sites/north-1").await;
    assert_eq!(status, 200, "reads do not need the registry");
    let (status, ready) = h.get_json("/readyz").await;
    assert_eq!(status, 200, "{ready}");
    assert_ne!(ready["checks"]["registry"], "ok", "{ready}");
}
