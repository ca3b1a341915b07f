//! A real site's periodic reports as central receives them.

use std::time::Duration;

use crate::support::*;
use healthmon_proto::validate_report;

#[tokio::test]
async fn reports_arrive_every_interval_with_one_instance_and_rising_seq() {
    let (server, inbox) = server_with_inbox().await;
    let mut config = config(&server, "plant-7", Duration::from_millis(200));
    config.sources.host.enabled = true;
    let collector = start(config).await;

    let got = inbox.wait_for(4, Duration::from_secs(5)).await;
    let first = &got[0].report;
    assert_eq!(got[0].subject, "health.report.plant-7");
    assert_eq!(first.site_id, "plant-7");
    assert_eq!(first.interval_ms, 200);
    assert_eq!(first.instance.len(), 16);
    assert!(first.instance.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(
        first.sent_at_ms > 1_600_000_000_000,
        "sent_at_ms is wall-clock ms"
    );
    for (i, r) in got.iter().take(4).enumerate() {
        assert_eq!(r.report.seq, i as u64 + 1);
        assert_eq!(r.report.instance, first.instance);
        assert_eq!(validate_report(&r.report, "plant-7"), Ok(()));
        let res = r.report.resources.expect("host resources are reported");
        assert!(res.mem_total_bytes > 0 && res.mem_used_bytes <= res.mem_total_bytes);
    }
    // One report per interval, not a burst.
    for pair in got.windows(2).skip(1).take(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(120), "reports {gap:?} apart");
    }
    let sent = collector
        .total("healthmon_collector_reports_sent_total")
        .await;
    assert!(
        sent.is_some_and(|n| n >= 4.0),
        "reports_sent_total = {sent:?}"
    );
    collector
        .assert_total("healthmon_collector_reports_skipped_total", 0.0)
        .await;

    collector.stop().await;
    let after_stop = inbox.len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(inbox.len(), after_stop, "no reports after shutdown");
}

#[tokio::test]
async fn the_configured_labels_travel_in_every_report() {
    let (server, inbox) = server_with_inbox().await;
    let mut config = config(&server, "plant-7", Duration::from_millis(200));
    config.sources.labels.extend([
        ("region".into(), "eu-west".into()),
        ("tier".into(), "gold".into()),
    ]);
    let _collector = start(config).await;
    for r in inbox.wait_for(2, Duration::from_secs(5)).await {
        assert_eq!(r.report.labels["region"], "eu-west");
        assert_eq!(r.report.labels["tier"], "gold");
    }
}

#[tokio::test]
async fn a_restarted_collector_starts_a_new_instance_at_seq_1() {
    let (server, inbox) = server_with_inbox().await;
    let collector = start(config(&server, "s1", Duration::from_millis(100))).await;
    let first = inbox.wait_for(2, Duration::from_secs(5)).await[0]
        .report
        .clone();
    collector.stop().await;

    let from = inbox.len();
    let collector = start(config(&server, "s1", Duration::from_millis(100))).await;
    let again = inbox
        .wait_after("a report of the new instance", from, Duration::from_secs(5))
        .await;
    assert_eq!(again.report.seq, 1);
    assert_ne!(again.report.instance, first.instance);
    collector.stop().await;
}

#[tokio::test]
async fn an_invalid_configuration_is_refused_at_start() {
    let server = NatsServer::start();
    let mut config = config(&server, "bad.site", Duration::from_secs(1));
    config.interval = Duration::from_millis(10);
    let err = healthmon_collector::start(config, healthmon_common::CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("interval"), "{err}");
}
