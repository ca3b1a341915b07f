use super::*;
use serde_json::{Value, json};

/// The answer when NATS is connected and `check` is the other check.
async fn beside_nats(check: (&str, Result<(), String>, bool)) -> (StatusCode, Value) {
    let response = readiness(&[("nats", Ok(()), true), check]);
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn names_each_failed_check() {
    let unanswered = Err("no service answers".into());
    let (status, v) = beside_nats(("aggregator", unanswered, true)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["failed"], json!(["aggregator"]));
    assert_eq!(v["checks"]["aggregator"], "no service answers");
    assert_eq!(v["checks"]["nats"], "ok");

    let (status, v) = beside_nats(("aggregator", Ok(()), true)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["status"], "ready");
}

#[tokio::test]
async fn a_check_that_need_not_pass_is_reported_without_failing() {
    let down = Err("JetStream is down".into());
    let (status, v) = beside_nats(("registry", down, false)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["checks"]["registry"], "JetStream is down");
    assert!(v.get("failed").is_none());
}
