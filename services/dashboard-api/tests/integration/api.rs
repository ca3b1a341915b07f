//! The JSON API against a real nats-server and a real (test) aggregator peer.

use std::time::Duration;

use crate::support::{FakeAggregator, Harness, TIMEOUT, check_says, error_message, site_ids};
use futures::StreamExt;
use healthmon_proto::query::{ListQuery, SortOrder};
use healthmon_proto::{Connectivity, Health};

#[tokio::test]
async fn summary_list_and_detail_relay_the_aggregator_answers() {
    let (h, _agg) = Harness::with_aggregator().await;

    let (status, summary) = h.get_json("/api/v1/summary").await;
    assert_eq!(status, 200);
    assert_eq!(summary["total"], 4);
    assert_eq!(summary["offline"], 1);
    assert_eq!(summary["late"], 1);
    assert_eq!(summary["degraded"], 1);

    let (status, page) = h.get_json("/api/v1/sites").await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 4);
    assert_eq!(page["offset"], 0);
    assert_eq!(page["limit"], 100);
    let order = site_ids(&page);
    assert_eq!(
        order,
        ["north-2", "south-2", "south-1", "north-1"],
        "worst first"
    );
    let first = &page["sites"][0];
    assert_eq!(first["connectivity"], "offline");
    assert_eq!(first["connections_total"], 2);
    assert_eq!(first["active_node"], "node-a");

    let (status, detail) = h.get_json("/api/v1/sites/south-1").await;
    assert_eq!(status, 200);
    assert_eq!(detail["site_id"], "south-1");
    assert_eq!(detail["health"], "degraded");
    assert_eq!(detail["reasons"][0], "connection plc-2 disconnected");
    assert_eq!(detail["lost_reports"], 2);
    assert_eq!(detail["report"]["instance"], "inst-1");
    assert_eq!(detail["report"]["seq"], 7);
    assert_eq!(detail["report"]["interval_ms"], 30_000);
    assert_eq!(detail["report"]["sf_buffer"]["db_write"], 3);
}

#[tokio::test]
async fn list_parameters_reach_the_aggregator() {
    let (h, agg) = Harness::with_aggregator().await;

    let (status, page) = h
        .get_json("/api/v1/sites?connectivity=offline,late&health=healthy&search=NORTH&sort=site_id&limit=1&offset=0&acknowledged=false")
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    assert_eq!(page["sites"][0]["site_id"], "north-2");

    let (_, page) = h
        .get_json("/api/v1/sites?sort=site_id&limit=2&offset=1")
        .await;
    assert_eq!(page["total"], 4);
    assert_eq!(page["sites"][0]["site_id"], "north-2");
    assert_eq!(page["sites"].as_array().unwrap().len(), 2);

    let received = agg.lists.lock().unwrap().clone();
    assert_eq!(
        received,
        vec![
            ListQuery {
                labels: Default::default(),
                connectivity: vec![Connectivity::Offline, Connectivity::Late],
                health: vec![Health::Healthy],
                search: Some("NORTH".into()),
                acknowledged: Some(false),
                sort: SortOrder::SiteId,
                offset: 0,
                limit: 1,
            },
            ListQuery {
                sort: SortOrder::SiteId,
                offset: 1,
                limit: 2,
                ..ListQuery::default()
            },
        ]
    );
}

#[tokio::test]
async fn bad_requests_are_json_400s_naming_the_parameter() {
    let (h, agg) = Harness::with_aggregator().await;

    let cases = [
        (
            "/api/v1/sites?connectivity=bogus",
            "invalid connectivity \"bogus\": expected online, late, offline or unknown",
        ),
        ("/api/v1/sites?limit=5000", "invalid limit \"5000\""),
        ("/api/v1/sites?limit=abc", "invalid limit \"abc\""),
        ("/api/v1/sites?colour=red", "unknown parameter \"colour\""),
        ("/api/v1/sites?health=ok", "invalid health \"ok\""),
        (
            "/api/v1/sites?acknowledged=yes",
            "invalid acknowledged \"yes\": expected true or false",
        ),
        ("/api/v1/summary?verbose=1", "unknown parameter \"verbose\""),
        ("/api/v1/sites/a.b", "invalid site_id \"a.b\""),
        ("/api/v1/sites/a%20b", "invalid site_id \"a b\""),
        ("/api/v1/events?site_id=a.b", "invalid site_id \"a.b\""),
    ];
    for (path, expected) in cases {
        let (status, body) = h.get_json(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let message = error_message(&body, "bad_request");
        assert!(message.starts_with(expected), "{path}: {message}");
    }
    assert!(
        agg.lists.lock().unwrap().is_empty(),
        "bad parameters never reach the aggregator"
    );
}

#[tokio::test]
async fn unknown_sites_routes_and_methods_are_json_errors() {
    let (h, _agg) = Harness::with_aggregator().await;

    let (status, body) = h.get_json("/api/v1/sites/nowhere").await;
    assert_eq!(status, 404);
    assert_eq!(
        error_message(&body, "not_found"),
        "unknown site \"nowhere\""
    );

    let (status, body) = h.get_json("/api/v2/sites").await;
    assert_eq!(status, 404);
    assert_eq!(
        error_message(&body, "not_found"),
        "no route for GET /api/v2/sites"
    );

    let response = h
        .http
        .patch(h.url("/api/v1/sites/north-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert!(response.headers().contains_key("allow"));
    let body: serde_json::Value = response.json().await.unwrap();
    error_message(&body, "method_not_allowed");

    let response = h
        .http
        .get(h.url("/api/v1/summary"))
        .body(vec![b'x'; 20_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    error_message(&body, "payload_too_large");
}

#[tokio::test]
async fn readiness_and_errors_follow_the_aggregator() {
    let h = Harness::start().await;

    let (status, body) = h.get_json("/healthz").await;
    assert_eq!((status, body), (200, serde_json::json!({"status": "ok"})));

    let (status, body) = h.get_json("/api/v1/summary").await;
    assert_eq!(status, 503);
    error_message(&body, "upstream_unavailable");
    let (status, body) = h.get_json("/api/v1/sites/north-1").await;
    assert_eq!(status, 503, "{body}");

    let (status, body) = h.get_json("/readyz").await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["failed"], serde_json::json!(["aggregator"]));
    assert_eq!(body["checks"]["nats"], "ok");
    check_says(&body, "aggregator", "health.agg.summary");

    let _agg = FakeAggregator::start(&h.nats).await;
    let (status, body) = h.get_json("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["checks"]["aggregator"], "ok");
}

#[tokio::test]
async fn a_silent_aggregator_is_a_json_504() {
    let h = Harness::start().await;
    // Subscribed, so NATS finds a responder, but never answers.
    let _silent = h.nats.subscribe("health.agg.>").await.unwrap();
    crate::support::server_round_trip(&h.nats).await;

    let started = std::time::Instant::now();
    let (status, body) = h.get_json("/api/v1/sites").await;
    assert_eq!(status, 504);
    error_message(&body, "upstream_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gives up after the 300 ms timeout"
    );

    let (status, body) = h.get_json("/readyz").await;
    assert_eq!(status, 503);
    check_says(&body, "aggregator", "did not answer in time");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let (h, _agg) = Harness::with_aggregator().await;
    h.get_json("/api/v1/sites/north-1").await;
    h.get_json("/api/v1/sites/south-1").await;
    h.get_json("/api/v1/sites/nowhere").await;
    h.get_json("/no/such/page").await;

    let text = h.metrics().await;
    let has = |line: &str| text.lines().any(|l| l == line);
    assert!(
        has(
            r#"healthmon_dashboard_http_requests_total{route="/api/v1/sites/{site_id}",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(has(
        r#"healthmon_dashboard_http_requests_total{route="/api/v1/sites/{site_id}",status="404"} 1"#
    ));
    assert!(has(
        r#"healthmon_dashboard_http_requests_total{route="unmatched",status="404"} 1"#
    ));
    assert!(text.contains(
        r#"healthmon_dashboard_http_request_duration_seconds_count{route="/api/v1/sites/{site_id}"} 3"#
    ));
    assert!(!text.contains("nowhere"), "raw paths never become labels");
    assert!(text.contains(r#"healthmon_dashboard_events_rejected_total{reason="malformed"} 0"#));
}

#[tokio::test]
async fn shutdown_completes_with_open_event_streams() {
    let h = Harness::start().await;
    let response = h.http.get(h.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut stream = response.bytes_stream();

    let Harness { api, .. } = h;
    api.stopped()
        .await
        .expect("shutdown does not wait for SSE clients and ends cleanly");
    let drained = tokio::time::timeout(TIMEOUT, async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    assert!(drained.is_ok(), "the event stream ends at shutdown");
}
