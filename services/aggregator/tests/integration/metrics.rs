//! Per-site Prometheus series on /metrics, read as a scraper would.

use crate::support::{Harness, report, status};
use healthmon_proto::Connectivity::Online;
use healthmon_proto::Health::Degraded;
use healthmon_test_support::fixtures;
use healthmon_test_support::series::assert_full_site;

#[tokio::test]
async fn per_site_series_appear_on_metrics_in_valid_format() {
    let mut h = Harness::started().await;
    let mut r = fixtures::full("plant-7");
    // A name the text format must escape, read back through the whole pipeline.
    r.custom.insert("queue \"depth\"".into(), 12.0);
    h.publish_report(&r).await;
    h.publish_status(&status("plant-7", 5_000, Online, Degraded, &["x"]))
        .await;
    h.publish_report(&report("plant-8", "i", 1)).await;
    h.wait_metric("healthmon_site_up", &[("site", "plant-7")], 1.0)
        .await;
    h.wait_metric("healthmon_aggregator_sites", &[], 2.0).await;

    let scrape = h.scrape().await;
    assert_full_site(&scrape, "plant-7");
    // What the assessor said of it, and the gauge added above.
    scrape.assert_site(
        "plant-7",
        &[
            ("connectivity", &[("state", "online")], 1.0),
            ("connectivity", &[("state", "offline")], 0.0),
            ("health", &[("state", "degraded")], 1.0),
            ("status_since_timestamp_seconds", &[], 5.0),
            ("custom", &[("name", "queue \"depth\"")], 12.0),
        ],
    );
    let last = scrape
        .value(
            "healthmon_site_last_report_timestamp_seconds",
            &[("site", "plant-7")],
        )
        .expect("plant-7's last report time");
    let now_s = healthmon_common::clock::now_ms() as f64 / 1000.0;
    assert!(
        (now_s - last).abs() < 60.0,
        "receive time is central now: {last} vs {now_s}"
    );
    // plant-8 sent no resources: no resource series rather than zeros.
    assert_eq!(
        scrape.value("healthmon_site_cpu_percent", &[("site", "plant-8")]),
        None
    );
    assert_eq!(
        scrape.value("healthmon_site_up", &[("site", "plant-8")]),
        Some(0.0)
    );
    assert_eq!(
        scrape.types.get("healthmon_site_up").map(String::as_str),
        Some("gauge")
    );
    assert!(scrape.helps.contains_key("healthmon_site_connectivity"));
    h.stop().await;
}
