//! NATS outages: skipped reports, no stale burst, a fresh report on return.

use std::time::Duration;

use crate::support::*;
use healthmon_common::clock::now_ms;

/// A collector for `site` reporting every `interval` to a fresh server,
/// once `reports` of its reports are in the inbox: that inbox reconnects
/// well before the collector does, so a burst flushed on reconnect would
/// be seen there.
async fn reporting(
    site: &str,
    interval: Duration,
    reports: usize,
) -> (NatsServer, Inbox, Collector) {
    let (server, inbox) = server_with_fast_inbox().await;
    let collector = start(config(&server, site, interval)).await;
    inbox.wait_for(reports, Duration::from_secs(5)).await;
    (server, inbox, collector)
}

#[tokio::test]
async fn an_outage_skips_reports_instead_of_delivering_a_stale_burst() {
    let (mut server, inbox, collector) = reporting("plant-5", Duration::from_millis(200), 3).await;

    server.kill();
    let killed_ms = now_ms();
    let last_before = inbox.all().last().unwrap().report.seq;
    // The outage itself: seven report intervals.
    tokio::time::sleep(Duration::from_millis(1_400)).await;
    server.restart();
    let restarted_ms = now_ms();
    let from = inbox.len();

    let back = inbox
        .wait_after("a report after the outage", from, Duration::from_secs(6))
        .await;
    // Then let it run a second to catch any burst.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after: Vec<_> = inbox.all().into_iter().skip(from).collect();

    let stale: Vec<_> = after
        .iter()
        .filter(|r| r.report.sent_at_ms < restarted_ms && r.report.sent_at_ms > killed_ms)
        .map(|r| r.report.seq)
        .collect();
    assert!(
        stale.len() <= 1,
        "stale reports from the outage delivered: seqs {stale:?}"
    );
    let in_first_second = after
        .iter()
        .filter(|r| r.at - back.at < Duration::from_secs(1))
        .count();
    assert!(
        in_first_second <= 7,
        "{in_first_second} reports within a second of reconnecting"
    );
    // Skipped reports took no seq: the stream continues where it stopped.
    assert!(
        back.report.seq <= last_before + 2,
        "seq jumped from {last_before} to {}",
        back.report.seq
    );
    let seqs: Vec<_> = after.iter().map(|r| r.report.seq).collect();
    assert!(seqs.len() >= 3, "reports resume: {seqs:?}");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    let skipped = collector
        .total("healthmon_collector_reports_skipped_total")
        .await;
    assert!(skipped.is_some_and(|n| n >= 3.0), "skipped {skipped:?}");
    collector.stop().await;
}

#[tokio::test]
async fn a_fresh_report_follows_reconnection_without_waiting_an_interval() {
    let (mut server, inbox, collector) = reporting("plant-6", Duration::from_secs(30), 1).await;

    server.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.restart();
    let restarted_ms = now_ms();

    // The next periodic report is 30 s away; this one is the reconnection's.
    let fresh = inbox
        .wait_after("a report after reconnecting", 1, Duration::from_secs(8))
        .await;
    assert_eq!(fresh.report.seq, 2);
    assert!(
        fresh.report.sent_at_ms >= restarted_ms,
        "the report was made after reconnecting"
    );
    collector.stop().await;
}
