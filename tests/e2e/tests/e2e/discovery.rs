//! NATS micro-service discovery, as `nats micro ls|info|stats` uses it: with
//! the real services running, `$SRV.PING`, `$SRV.INFO.<name>` and
//! `$SRV.STATS.<name>` are answered by the aggregator and the assessor with
//! their endpoints (named `summary`, `list`, ..., not after their subjects),
//! subjects and request counts.
//!
//! The `nats` CLI itself is not installable here (it is in no registry this
//! project may use), so the test sends the same requests it sends. That
//! status events carry readable headers is checked by `pipeline.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use healthmon_e2e::Central;
use serde_json::Value;

const PATIENCE: Duration = Duration::from_secs(5);
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Sends an empty request to `subject` and gathers every answer until each
/// of `names` has answered (several services answer `$SRV.PING`).
async fn gather(nats: &async_nats::Client, subject: &str, names: &[&str]) -> Vec<Value> {
    let inbox = nats.new_inbox();
    let mut replies = nats.subscribe(inbox.clone()).await.unwrap();
    nats.publish_with_reply(subject.to_owned(), inbox, "".into())
        .await
        .unwrap();
    let mut answers: Vec<Value> = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        while !names
            .iter()
            .all(|n| answers.iter().any(|a| a["name"] == *n))
        {
            let msg = replies.next().await.expect("subscription open");
            answers.push(serde_json::from_slice(&msg.payload).expect("JSON answer"));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{subject}: not all of {names:?} answered: {answers:?}"));
    answers
}

/// The one answer of the service `name` to `$SRV.<verb>.<name>`.
async fn one(nats: &async_nats::Client, verb: &str, name: &str) -> Value {
    let subject = format!("$SRV.{verb}.{name}");
    let mut answers = gather(nats, &subject, &[name]).await;
    assert_eq!(answers.len(), 1, "{subject}: {answers:?}");
    answers.remove(0)
}

/// Endpoint name → subject, from an info or stats answer.
fn endpoints(answer: &Value) -> BTreeMap<String, String> {
    answer["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn endpoint<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("endpoint {name} in {stats}"))
}

#[tokio::test]
async fn ping_lists_the_aggregator_and_the_assessor() {
    let central = Central::start().await;
    let nats = central.nats.client().await;
    let answers = gather(
        &nats,
        "$SRV.PING",
        &["healthmon-aggregator", "healthmon-assessor"],
    )
    .await;
    for answer in &answers {
        assert_eq!(answer["type"], "io.nats.micro.v1.ping_response");
        assert_eq!(answer["version"], VERSION);
        assert!(!answer["id"].as_str().unwrap().is_empty());
    }
    let named = one(&nats, "PING", "healthmon-assessor").await;
    assert_eq!(named["name"], "healthmon-assessor");
}

#[tokio::test]
async fn info_shows_each_service_s_endpoints_and_subjects() {
    let central = Central::start().await;
    let nats = central.nats.client().await;

    let aggregator = one(&nats, "INFO", "healthmon-aggregator").await;
    assert_eq!(aggregator["type"], "io.nats.micro.v1.info_response");
    assert!(!aggregator["description"].as_str().unwrap().is_empty());
    assert_eq!(
        endpoints(&aggregator),
        BTreeMap::from([
            ("get".to_owned(), "health.agg.get".to_owned()),
            ("list".to_owned(), "health.agg.list".to_owned()),
            ("summary".to_owned(), "health.agg.summary".to_owned()),
        ])
    );

    let assessor = one(&nats, "INFO", "healthmon-assessor").await;
    assert!(!assessor["description"].as_str().unwrap().is_empty());
    assert_eq!(
        endpoints(&assessor),
        BTreeMap::from([("statuses".to_owned(), "health.assessor.statuses".to_owned())])
    );
}

#[tokio::test]
async fn stats_count_requests_and_errors_per_endpoint() {
    let central = Central::start().await;
    let nats = central.nats.client().await;
    // Traffic as it happens: the dashboard API asks for the summary, someone
    // asks for a site that does not exist, the aggregator-side statuses query.
    let (status, _) = central.api.get("/api/v1/summary").await;
    assert_eq!(status, 200);
    let (status, _) = central.api.get("/api/v1/sites/nowhere").await;
    assert_eq!(status, 404);
    nats.request("health.assessor.statuses", "".into())
        .await
        .unwrap();

    let stats = one(&nats, "STATS", "healthmon-aggregator").await;
    assert_eq!(stats["type"], "io.nats.micro.v1.stats_response");
    assert_eq!(
        endpoints(&stats).keys().collect::<Vec<_>>(),
        ["get", "list", "summary"]
    );
    let summary = endpoint(&stats, "summary");
    assert!(summary["num_requests"].as_u64().unwrap() >= 1, "{summary}");
    assert_eq!(summary["num_errors"], 0, "{summary}");
    let get = endpoint(&stats, "get");
    assert_eq!(get["num_requests"], 1, "{get}");
    assert_eq!(get["num_errors"], 1, "{get}");
    assert!(
        get["last_error"].as_str().unwrap().starts_with("404:"),
        "{get}"
    );

    let stats = one(&nats, "STATS", "healthmon-assessor").await;
    let statuses = endpoint(&stats, "statuses");
    assert!(
        statuses["num_requests"].as_u64().unwrap() >= 1,
        "{statuses}"
    );
    assert_eq!(statuses["subject"], "health.assessor.statuses");
}
