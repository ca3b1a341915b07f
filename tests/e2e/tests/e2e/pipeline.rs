//! The core pipeline end to end: real collectors publish over a real
//! nats-server, the real aggregator and assessor judge them, and the real
//! dashboard API shows the result — what an operator would check with curl
//! and `nats sub`.

use std::time::{Duration, Instant};

use futures::StreamExt;
use healthmon_e2e::{Central, INTERVAL, OFFLINE_AFTER};
use healthmon_proto::{HealthReport, NodeRole, StatusEvent, decode, encode};
use healthmon_test_support::eventually;
use healthmon_test_support::fixtures::{connection as conn, node};
use healthmon_test_support::promtext::value as metric_value;

const PATIENCE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_report_travels_from_collector_to_the_api() {
    let central = Central::start().await;
    let _collector = central.collector("plant-1", INTERVAL).await;

    let site = central.site_becomes("plant-1", "online", PATIENCE).await;
    assert_eq!(site["health"], "healthy");
    assert_eq!(site["report"]["site_id"], "plant-1");
    assert!(site["report"]["seq"].as_u64().unwrap() >= 1);
    assert!(
        site["report"]["resources"]["mem_total_bytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(site["last_report_ms"].as_u64().is_some());

    let (status, summary) = central.api.get("/api/v1/summary").await;
    assert_eq!(status, 200);
    assert_eq!(
        (summary["total"].as_u64(), summary["online"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, list) = central.api.get("/api/v1/sites?connectivity=online").await;
    assert_eq!(list["sites"][0]["site_id"], "plant-1");
}

#[tokio::test]
async fn a_silent_site_goes_offline_within_its_timeout_and_comes_back() {
    let central = Central::start().await;
    let nats = central.nats.client().await;
    let mut events = nats.subscribe("health.status.plant-2").await.unwrap();
    let mut collector = central.collector("plant-2", INTERVAL).await;
    central.site_becomes("plant-2", "online", PATIENCE).await;

    collector.stop().await;
    let silent_since = Instant::now();
    let offline = next_event_with(&mut events, "offline").await;
    let waited = silent_since.elapsed();
    // Never before the timeout counted from the last report (at most one
    // interval before the collector stopped), and on time after it.
    assert!(
        waited >= OFFLINE_AFTER - INTERVAL,
        "offline too early: {waited:?}"
    );
    assert!(
        waited <= OFFLINE_AFTER + Duration::from_millis(600),
        "offline too late: {waited:?}"
    );
    assert!(
        offline.reasons[0].starts_with("no report for"),
        "{:?}",
        offline.reasons
    );
    assert_eq!(offline.previous_connectivity.as_str(), "late");

    let site = central.site_becomes("plant-2", "offline", PATIENCE).await;
    assert!(site["reasons"][0].as_str().unwrap().contains("timeout"));

    let _again = central.collector("plant-2", INTERVAL).await;
    next_event_with(&mut events, "online").await;
    central.site_becomes("plant-2", "online", PATIENCE).await;
}

#[tokio::test]
async fn health_rules_fire_with_reasons() {
    let central = Central::start().await;
    let nats = central.nats.client().await;

    let mut report = HealthReport::new("plant-3", "test", 1);
    report.interval_ms = 60_000;
    report.nodes = vec![node("a", NodeRole::Active), node("b", NodeRole::Standby)];
    report.connections = vec![conn("plc-1", true), conn("plc-2", false)];
    publish(&nats, &report).await;
    let site = central
        .api
        .wait_health("plant-3", "degraded", PATIENCE)
        .await;
    let reasons = site["reasons"].to_string();
    assert!(
        reasons.contains("connection plc-2 disconnected"),
        "{reasons}"
    );

    // Split brain: both nodes claim to be active.
    report.seq = 2;
    report.nodes = vec![node("a", NodeRole::Active), node("b", NodeRole::Active)];
    publish(&nats, &report).await;
    central
        .api
        .wait_health("plant-3", "critical", PATIENCE)
        .await;
    let (_, critical) = central.api.get("/api/v1/sites?health=critical").await;
    assert_eq!(critical["total"], 1);
    assert!(
        critical["sites"][0]["reasons"]
            .to_string()
            .contains("2 active nodes")
    );
}

#[tokio::test]
async fn malformed_payloads_are_counted_and_do_not_disturb_state() {
    let central = Central::start().await;
    let nats = central.nats.client().await;
    let _collector = central.collector("plant-4", INTERVAL).await;
    let before = central.site_becomes("plant-4", "online", PATIENCE).await;

    nats.publish("health.report.plant-4", "not msgpack".into())
        .await
        .unwrap();
    nats.publish("health.report.plant-9", vec![0xc1; 70 * 1024].into())
        .await
        .unwrap();
    let mut impostor = HealthReport::new("plant-4", "evil", 1);
    impostor.interval_ms = 1000;
    nats.publish("health.report.plant-5", encode(&impostor).into())
        .await
        .unwrap();
    nats.flush().await.unwrap();

    let metrics = eventually("three rejections counted", PATIENCE, || async {
        let text = central.aggregator_metrics().await;
        let counted = ["malformed", "too_large", "subject_mismatch"]
            .iter()
            .all(|r| {
                metric_value(
                    &text,
                    &format!("healthmon_aggregator_reports_rejected_total{{reason=\"{r}\"}}"),
                )
                .is_some_and(|v| v >= 1.0)
            });
        counted.then_some(text)
    })
    .await;
    assert!(metrics.contains("healthmon_site_up{site=\"plant-4\"} 1"));

    // The real site keeps flowing, and nothing else appeared.
    let seq_before = before["report"]["seq"].as_u64().unwrap();
    eventually("plant-4 keeps reporting", PATIENCE, || async {
        let site = central.api.site("plant-4").await?;
        (site["report"]["seq"].as_u64()? > seq_before && site["report"]["instance"] != "evil")
            .then_some(())
    })
    .await;
    let (_, summary) = central.api.get("/api/v1/summary").await;
    assert_eq!(summary["total"], 1);
}

#[tokio::test]
async fn a_restarted_aggregator_is_repopulated_via_resend() {
    let mut central = Central::start().await;
    // So long an interval that only a resend can explain a quick reappearance.
    let _collector = central.collector("plant-6", Duration::from_secs(120)).await;
    central.site_becomes("plant-6", "online", PATIENCE).await;

    central.restart_aggregator().await;
    let started = Instant::now();
    // Online again: the report came back via resend, the status via the assessor.
    central
        .site_becomes("plant-6", "online", Duration::from_secs(5))
        .await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_restarted_assessor_still_detects_a_silent_site() {
    let mut central = Central::start().await;
    let nats = central.nats.client().await;
    let mut events = nats.subscribe("health.status.plant-7").await.unwrap();
    let mut collector = central.collector("plant-7", INTERVAL).await;
    central.site_becomes("plant-7", "online", PATIENCE).await;

    // The site falls silent while the assessor is down.
    central.assessor.stop().await;
    collector.stop().await;
    let silent_since = Instant::now();
    central.restart_assessor().await;

    let offline = next_event_with(&mut events, "offline").await;
    assert!(
        silent_since.elapsed() < Duration::from_secs(3),
        "{:?}",
        silent_since.elapsed()
    );
    assert!(offline.last_report_ms.is_some());
    central.site_becomes("plant-7", "offline", PATIENCE).await;
}

#[tokio::test]
async fn a_simulated_fleet_shows_in_the_summary() {
    let central = Central::start().await;
    let _sim = central.simulator(20, INTERVAL).await;
    let summary = eventually("20 online sites", PATIENCE, || async {
        let (_, s) = central.api.get("/api/v1/summary").await;
        (s["online"] == 20).then_some(s)
    })
    .await;
    assert_eq!(summary["total"], 20);
    assert_eq!(summary["healthy"], 20);
    let (_, page) = central
        .api
        .get("/api/v1/sites?limit=5&offset=5&sort=site_id")
        .await;
    assert_eq!(page["total"], 20);
    assert_eq!(page["sites"][0]["site_id"], "sim-00006");
}

#[tokio::test]
async fn a_third_party_client_report_is_accepted_and_shown() {
    let central = Central::start().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/clients/publish_report.py");
    let output = tokio::process::Command::new("python3")
        .args([script, &central.nats.url(), "py-site"])
        .output()
        .await
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "third-party publisher failed (scripts/install-deps.sh --py-clients installs nats-py and msgpack): {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let site = central
        .api
        .wait_site("py-site", "shown", PATIENCE, |s| {
            s["connectivity"] == "online"
        })
        .await;
    assert_eq!(site["report"]["instance"], "python-client");
    assert_eq!(site["report"]["alarm_errors"]["per_min"], 0.5);
    assert_eq!(site["report"]["custom"]["response_ms"], 12.5);
    assert_eq!(site["health"], "degraded");
    assert!(site["reasons"].to_string().contains("historian"));
}

async fn next_event_with(sub: &mut async_nats::Subscriber, connectivity: &str) -> StatusEvent {
    tokio::time::timeout(PATIENCE, async {
        while let Some(msg) = sub.next().await {
            let event: StatusEvent = decode(&msg.payload).expect("status events decode");
            let headers = msg.headers.expect("status events carry headers");
            assert_eq!(
                headers.get("Healthmon-Connectivity").unwrap().as_str(),
                event.connectivity.as_str()
            );
            if event.connectivity.as_str() == connectivity {
                return event;
            }
        }
        panic!("status subscription ended");
    })
    .await
    .unwrap_or_else(|_| panic!("no {connectivity} event within {PATIENCE:?}"))
}

async fn publish(nats: &async_nats::Client, report: &HealthReport) {
    nats.publish(
        format!("health.report.{}", report.site_id),
        encode(report).into(),
    )
    .await
    .unwrap();
    nats.flush().await.unwrap();
}
