//! What reaches the site table and what is refused: reports and status events
//! from real publishers, rejections counted by reason on /metrics.

use crate::support::{Harness, report, status};
use healthmon_proto::Connectivity::{Late, Offline, Online};
use healthmon_proto::Health::{Degraded, Healthy};
use healthmon_proto::codec::MAX_PAYLOAD_BYTES;
use healthmon_proto::{Connectivity, Health, Rejection, encode};

const REJECTED: &str = "healthmon_aggregator_reports_rejected_total";

#[tokio::test]
async fn bad_reports_are_rejected_by_reason_while_a_valid_site_keeps_flowing() {
    let mut h = Harness::started().await;
    // Every reason is on /metrics from the start, at zero.
    let scrape = h.scrape().await;
    for reason in Rejection::REASONS {
        assert_eq!(
            scrape.value(REJECTED, &[("reason", reason)]),
            Some(0.0),
            "{reason}"
        );
    }

    h.publish_report(&report("good", "i", 1)).await;
    h.publish_raw(h.subjects.report("bad"), b"this is not msgpack".to_vec())
        .await;
    h.publish_raw(h.subjects.report("bad"), vec![0x90; MAX_PAYLOAD_BYTES + 1])
        .await;
    h.publish_raw(h.subjects.report("other"), encode(&report("bad", "i", 1)))
        .await;
    let mut nan = report("bad", "i", 1);
    nan.script_errors.per_min = f64::NAN;
    h.publish_report(&nan).await;
    h.publish_report(&report("good", "i", 2)).await;

    for reason in ["malformed", "too_large", "subject_mismatch", "bad_number"] {
        h.wait_metric(REJECTED, &[("reason", reason)], 1.0).await;
    }
    let good = h.wait_seq("good", 2).await;
    assert_eq!(good.lost_reports, 0);
    assert!(h.get("bad").await.is_err(), "no bad report created a site");
    assert!(h.get("other").await.is_err());
    let scrape = h.scrape().await;
    assert_eq!(
        scrape.value("healthmon_aggregator_reports_accepted_total", &[]),
        Some(2.0)
    );
    assert_eq!(scrape.value("healthmon_aggregator_sites", &[]), Some(1.0));
    h.stop().await;
}

#[tokio::test]
async fn stale_seq_is_ignored_a_new_instance_accepted_and_gaps_counted_as_lost() {
    let mut h = Harness::started().await;
    h.publish_report(&report("s", "first", 5)).await;
    h.publish_report(&report("s", "first", 5)).await;
    h.publish_report(&report("s", "first", 3)).await;
    h.wait_metric(REJECTED, &[("reason", "stale_seq")], 2.0)
        .await;
    let d = h.get("s").await.unwrap();
    assert_eq!(d.report.unwrap().seq, 5);

    // The collector restarted: seq starts again at 1 under a new instance.
    h.publish_report(&report("s", "second", 1)).await;
    h.wait_site("s", "restart accepted", |d| {
        d.report.as_ref().is_some_and(|r| r.instance == "second")
    })
    .await;

    // Reports 2..=4 never arrived.
    h.publish_report(&report("s", "second", 5)).await;
    let d = h.wait_seq("s", 5).await;
    assert_eq!(d.lost_reports, 3);
    h.wait_metric("healthmon_aggregator_lost_reports_total", &[], 3.0)
        .await;
    h.wait_metric("healthmon_aggregator_collector_restarts_total", &[], 1.0)
        .await;
    h.wait_metric("healthmon_site_lost_reports", &[("site", "s")], 3.0)
        .await;
    h.stop().await;
}

#[tokio::test]
async fn status_events_update_connectivity_health_and_reasons() {
    let mut h = Harness::started().await;
    h.publish_report(&report("s", "i", 1)).await;
    h.wait_site("s", "site known", |_| true).await;

    h.publish_status(&status("s", 1_000, Late, Degraded, &["cpu above 90%"]))
        .await;
    let d = h.wait_connectivity("s", Connectivity::Late).await;
    assert_eq!(d.health, Health::Degraded);
    assert_eq!(d.reasons, ["cpu above 90%"]);
    assert_eq!(d.status_since_ms, Some(1_000));
    assert_eq!(d.report.unwrap().seq, 1, "the report stays");

    // A status for a site never seen creates it.
    h.publish_status(&status(
        "ghost",
        2_000,
        Offline,
        Health::Unknown,
        &["no report"],
    ))
    .await;
    let ghost = h.wait_connectivity("ghost", Connectivity::Offline).await;
    assert!(ghost.report.is_none());

    // Bad status payloads are counted, not applied.
    h.publish_raw(h.subjects.status("s"), b"\xc1".to_vec())
        .await;
    h.publish_raw(
        h.subjects.status("s"),
        encode(&status("t", 3_000, Online, Healthy, &[])),
    )
    .await;
    let rejected = "healthmon_aggregator_status_rejected_total";
    h.wait_metric(rejected, &[("reason", "malformed")], 1.0)
        .await;
    h.wait_metric(rejected, &[("reason", "subject_mismatch")], 1.0)
        .await;
    assert_eq!(h.get("s").await.unwrap().connectivity, Connectivity::Late);
    assert!(h.get("t").await.is_err());
    h.stop().await;
}
