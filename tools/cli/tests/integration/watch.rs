//! `healthmon watch` against a real nats-server: what it prints for real
//! reports, status events (from the real assessor) and garbage, and how it
//! ends (`--count`, Ctrl-C).

use std::time::Duration;

use crate::support::PATIENCE;
use healthmon_e2e::{Central, INTERVAL};
use healthmon_proto::{HealthReport, encode};
use healthmon_test_support::NatsServer;
use healthmon_test_support::fixtures::minimal;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStderr};

/// Waits for the "watching ..." line `healthmon watch` prints on stderr once
/// its subscription is in place.
async fn wait_until_watching(child: &mut Child) -> BufReader<ChildStderr> {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(PATIENCE, stderr.read_line(&mut line))
        .await
        .expect("watch says it is watching")
        .unwrap();
    assert!(line.starts_with("watching "), "{line:?}");
    stderr
}

/// Publishes `report` on `subject` as a collector would.
async fn publish(nats: &async_nats::Client, subject: &'static str, report: &HealthReport) {
    nats.publish(subject, encode(report).into()).await.unwrap();
}

async fn finish(child: Child) -> (Option<i32>, Vec<Value>, String) {
    let output = tokio::time::timeout(PATIENCE, child.wait_with_output())
        .await
        .expect("watch exits")
        .unwrap();
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (
        output.status.code(),
        lines,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn watch_prints_a_report_and_a_status_event_decoded() {
    let central = Central::start().await;
    let mut child = crate::support::spawn_watch(&central.nats.url(), &["--count", "2"]);
    let _stderr = wait_until_watching(&mut child).await;

    // A real collector's first report (the next is a minute away), then the
    // real assessor's status event about it (unknown → online).
    let _collector = central.collector("plant-9", Duration::from_secs(60)).await;
    let (code, lines, _) = finish(child).await;
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), 2, "{lines:?}");

    let report = &lines[0];
    assert_eq!(report["kind"], "report", "{report}");
    assert_eq!(report["subject"], "health.report.plant-9");
    assert_eq!(report["payload"]["site_id"], "plant-9");
    assert_eq!(report["payload"]["v"], 1);
    assert_eq!(report["payload"]["interval_ms"], 60_000);
    assert!(
        report["payload"]["resources"]["mem_total_bytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(report.get("error").is_none() && report.get("invalid").is_none());
    assert!(report["received_ms"].as_u64().unwrap() > 1_600_000_000_000);

    let status = &lines[1];
    assert_status_line(status);
    assert_eq!(status["subject"], "health.status.plant-9");
    assert_eq!(status["payload"]["connectivity"], "online");
    assert_eq!(status["payload"]["previous_connectivity"], "unknown");
}

#[tokio::test]
async fn watch_decodes_status_events_with_their_headers() {
    let central = Central::start().await;
    let url = central.nats.url();
    let mut child = crate::support::spawn_watch(&url, &["health.status.*", "--count", "1"]);
    let _stderr = wait_until_watching(&mut child).await;
    let _collector = central.collector("plant-8", INTERVAL).await;
    let (code, lines, _) = finish(child).await;
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), 1);
    assert_status_line(&lines[0]);
    assert_eq!(lines[0]["payload"]["site_id"], "plant-8");
}

fn assert_status_line(line: &Value) {
    assert_eq!(line["kind"], "status", "{line}");
    let connectivity = line["payload"]["connectivity"].as_str().unwrap();
    assert_eq!(
        line["headers"]["Healthmon-Connectivity"], connectivity,
        "{line}"
    );
    assert_eq!(line["headers"]["Content-Type"], "application/msgpack");
    assert_eq!(
        line["headers"]["Healthmon-Site"], line["payload"]["site_id"],
        "{line}"
    );
    assert!(line["payload"]["at_ms"].as_u64().is_some(), "{line}");
}

#[tokio::test]
async fn garbage_is_an_error_line_and_watching_goes_on() {
    let server = NatsServer::start();
    let nats = server.client().await;
    let mut child = crate::support::spawn_watch(&server.url(), &["--count", "4"]);
    let _stderr = wait_until_watching(&mut child).await;

    nats.publish("health.report.bad", b"\xc1 not msgpack".as_ref().into())
        .await
        .unwrap();
    publish(&nats, "health.report.here", &minimal("elsewhere")).await;
    nats.publish("health.cmd.resend", "".into()).await.unwrap();
    nats.publish("health.agg.list", r#"{"limit":3}"#.into())
        .await
        .unwrap();
    nats.flush().await.unwrap();

    let (code, lines, _) = finish(child).await;
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0]["kind"], "report");
    assert!(
        lines[0]["error"].as_str().unwrap().contains("MessagePack"),
        "{}",
        lines[0]
    );
    assert!(lines[0]["payload_base64"].is_string());
    assert_eq!(
        lines[1]["invalid"]["reason"], "subject_mismatch",
        "{}",
        lines[1]
    );
    assert_eq!(
        (lines[2]["kind"].as_str(), lines[2]["subject"].as_str()),
        (Some("resend"), Some("health.cmd.resend"))
    );
    assert_eq!(lines[3]["kind"], "request");
    assert_eq!(lines[3]["payload"]["limit"], 3);
}

#[tokio::test]
async fn ctrl_c_ends_watch_cleanly() {
    let nats = NatsServer::start();
    let mut child = crate::support::spawn_watch(&nats.url(), &[]);
    let mut stderr = wait_until_watching(&mut child).await;
    let pid = child.id().expect("running").to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(PATIENCE, child.wait())
        .await
        .expect("watch exits on SIGINT")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "nothing more on stderr: {rest:?}");
}

#[tokio::test]
async fn watch_follows_the_subject_prefix() {
    let server = NatsServer::start();
    let nats = server.client().await;
    let mut child = crate::support::spawn_watch(
        &server.url(),
        &["--subject-prefix", "acme.health", "--count", "1"],
    );
    let _stderr = wait_until_watching(&mut child).await;
    let report = minimal("p1");
    // Not under the prefix: not seen.
    publish(&nats, "health.report.p1", &report).await;
    publish(&nats, "acme.health.report.p1", &report).await;
    nats.flush().await.unwrap();
    let (code, lines, _) = finish(child).await;
    assert_eq!(code, Some(0));
    assert_eq!(lines[0]["subject"], "acme.health.report.p1");
    assert_eq!(lines[0]["kind"], "report");
    assert!(lines[0].get("invalid").is_none(), "{}", lines[0]);
}
