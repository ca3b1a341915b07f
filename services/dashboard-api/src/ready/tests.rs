use super::*;
use serde_json::{Value, json};

async fn body(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn names_each_failed_check() {
    let (status, v) = body(readiness(&[
        ("nats", Ok(()), true),
        ("aggregator", Err("no service answers".into()), true),
    ]))
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["failed"], json!(["aggregator"]));
    assert_eq!(v["checks"]["aggregator"], "no service answers");
    assert_eq!(v["checks"]["nats"], "ok");

    let (status, v) = body(readiness(&[
        ("nats", Ok(()), true),
        ("aggregator", Ok(()), true),
    ]))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["status"], "ready");
}

#[tokio::test]
async fn a_check_that_need_not_pass_is_reported_without_failing() {
    let (status, v) = body(readiness(&[
        ("nats", Ok(()), true),
        ("registry", Err("JetStream is down".into()), false),
    ]))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["checks"]["registry"], "JetStream is down");
    assert!(v.get("failed").is_none());
}
