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
        ("nats", Ok(())),
        ("aggregator", Err("no service answers".into())),
    ]))
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["failed"], json!(["aggregator"]));
    assert_eq!(v["checks"]["aggregator"], "no service answers");
    assert_eq!(v["checks"]["nats"], "ok");

    let (status, v) = body(readiness(&[("nats", Ok(())), ("aggregator", Ok(()))])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["status"], "ready");
}
