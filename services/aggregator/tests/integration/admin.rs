//! The admin endpoints as the dashboard API calls them (after authorizing
//! and auditing the request): `maintenance` sets and clears a site's flag,
//! `forget` drops a decommissioned site until it reports again.

use crate::support::{Harness, report, status};
use healthmon_client::QueryError;
use healthmon_proto::query::{Forgotten, SiteDetail, Summary};
use healthmon_proto::{Connectivity, Health};

#[tokio::test]
async fn maintenance_flags_a_site_without_counting_it_as_failing() {
    let mut h = Harness::started().await;
    h.publish_report(&report("plant-1", "i", 1)).await;
    h.publish_status(&status(
        "plant-1",
        1,
        Connectivity::Offline,
        Health::Critical,
        &["x"],
    ))
    .await;
    h.wait_site("plant-1", "plant-1 offline", |d| {
        d.connectivity == Connectivity::Offline
    })
    .await;

    let set = serde_json::json!({"site_id": "plant-1", "maintenance": true});
    let detail: SiteDetail = h.query("maintenance", &set).await.unwrap();
    assert!(detail.maintenance);
    assert_eq!(
        detail.connectivity,
        Connectivity::Offline,
        "the truth stays visible"
    );
    let summary: Summary = h.query("summary", &serde_json::json!({})).await.unwrap();
    assert_eq!(
        (
            summary.total,
            summary.maintenance,
            summary.offline,
            summary.critical
        ),
        (1, 1, 0, 0)
    );

    let clear = serde_json::json!({"site_id": "plant-1", "maintenance": false});
    let detail: SiteDetail = h.query("maintenance", &clear).await.unwrap();
    assert!(!detail.maintenance);
    assert!(h.get("plant-1").await.unwrap().report.is_some());

    let unknown = serde_json::json!({"site_id": "nowhere", "maintenance": true});
    let e = h
        .query::<_, SiteDetail>("maintenance", &unknown)
        .await
        .unwrap_err();
    assert!(matches!(e, QueryError::Service { code: 404, .. }), "{e:?}");
    let e = h
        .query::<_, SiteDetail>("maintenance", &serde_json::json!({"site_id": "plant-1"}))
        .await
        .unwrap_err();
    assert!(matches!(e, QueryError::Service { code: 400, .. }), "{e:?}");
    h.stop().await;
}

#[tokio::test]
async fn a_forgotten_site_is_gone_until_it_reports_again() {
    let mut h = Harness::started().await;
    h.publish_report(&report("old-1", "i", 1)).await;
    h.wait_site("old-1", "old-1 known", |_| true).await;

    let gone: Forgotten = h
        .query("forget", &serde_json::json!({"site_id": "old-1"}))
        .await
        .unwrap();
    assert_eq!(gone.site_id, "old-1");
    let e = h.get("old-1").await.unwrap_err();
    assert!(matches!(e, QueryError::Service { code: 404, .. }), "{e:?}");
    h.wait_metric("healthmon_aggregator_sites", &[], 0.0).await;

    // The assessor's late news about it does not resurrect it...
    h.publish_status(&status(
        "old-1",
        5,
        Connectivity::Offline,
        Health::Healthy,
        &[],
    ))
    .await;
    // ...a report does (published after the status, so seen after it).
    h.publish_report(&report("old-1", "j", 1)).await;
    let back = h.wait_site("old-1", "old-1 back", |_| true).await;
    assert_eq!(back.report.unwrap().instance, "j");
    assert_eq!(
        back.connectivity,
        Connectivity::Unknown,
        "the stale status was ignored"
    );

    let e = h
        .query::<_, Forgotten>("forget", &serde_json::json!({"site_id": "never"}))
        .await
        .unwrap_err();
    assert!(matches!(e, QueryError::Service { code: 404, .. }), "{e:?}");
    h.stop().await;
}
