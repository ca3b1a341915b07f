//! The aggregator and the fleet registry (a real JetStream KV bucket): the
//! sites it expects shown before they report and across restarts, sites it
//! registers on their first report, maintenance windows, acknowledgements
//! and forgets that reach it through the registry, and auto-registration off.

use std::time::Duration;

use healthmon_common::clock::now_ms;
use healthmon_proto::Connectivity::Offline;
use healthmon_proto::Health::{Critical, Healthy};
use healthmon_proto::fleet::{Ack, Maintenance, SiteRecord, Source};
use healthmon_proto::query::{FleetSummary, ListQuery, SitePage, SummaryQuery};
use healthmon_proto::{Connectivity, Health, HealthReport};
use healthmon_test_support::{eventually, fixtures};

use crate::support::{Harness, WAIT, report, status};

fn declared(labels: &[(&str, &str)]) -> SiteRecord {
    let mut r = SiteRecord::declared(now_ms(), Source::Roster);
    r.labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    r
}

fn window(until_ms: Option<u64>) -> Maintenance {
    Maintenance {
        since_ms: now_ms(),
        until_ms,
        reason: Some("firmware update".into()),
        by: "alice".into(),
    }
}

#[tokio::test]
async fn a_registered_site_is_shown_before_it_reports_and_across_a_restart() {
    let mut h = Harness::new().await;
    let registry = h.registry().await;
    registry.put_site("silent-1", &declared(&[])).await.unwrap();
    h.start_aggregator().await;
    let d = h
        .wait_site("silent-1", "the registered site", |d| d.registry.is_some())
        .await;
    assert_eq!(d.connectivity, Connectivity::Unknown);
    assert_eq!(d.reasons, vec!["never reported".to_owned()]);
    h.wait_metric("healthmon_site_up", &[("site", "silent-1")], 0.0)
        .await;

    // It reports once, then the aggregator restarts: it is there at once,
    // from the registry, not forgotten.
    h.publish_report(&report("silent-1", "i", 1)).await;
    eventually("the first report recorded", WAIT, || async {
        let record = registry.site("silent-1").await.ok()??;
        record.first_report_ms
    })
    .await;
    h.stop().await;
    h.start_aggregator().await;
    let d = h
        .wait_site("silent-1", "the site after the restart", |d| {
            d.registry.is_some()
        })
        .await;
    assert_eq!(
        d.reasons,
        vec!["no report since the centre started".to_owned()]
    );
    h.stop().await;
}

#[tokio::test]
async fn a_first_report_registers_the_site_with_what_it_declares() {
    let mut h = Harness::started().await;
    let registry = h.registry().await;
    let mut r = fixtures::full("plant-9");
    r.interval_ms = 5_000;
    h.publish_report(&r).await;
    let record = eventually("plant-9 registered", WAIT, || async {
        registry.site("plant-9").await.ok().flatten()
    })
    .await;
    assert_eq!(record.source, Source::Report);
    assert_eq!(record.declared_interval_ms, Some(5_000));
    assert_eq!(record.declared_labels, r.labels);
    assert!(record.first_report_ms.is_some());
    h.stop().await;
}

#[tokio::test]
async fn a_maintenance_window_set_in_the_registry_is_shown_and_ends_by_itself() {
    let mut h = Harness::started().await;
    h.publish_report(&report("plant-1", "i", 1)).await;
    h.publish_status(&status("plant-1", 1, Offline, Critical, &["x"]))
        .await;
    h.wait_connectivity("plant-1", Connectivity::Offline).await;
    let registry = h.registry().await;
    registry
        .set_maintenance("plant-1", &window(Some(now_ms() + 1_500)))
        .await
        .unwrap();
    let d = h
        .wait_site("plant-1", "plant-1 in maintenance", |d| d.maintenance)
        .await;
    assert_eq!(
        d.connectivity,
        Connectivity::Offline,
        "the truth stays visible"
    );
    assert_eq!(
        d.maintenance_window.unwrap().reason.as_deref(),
        Some("firmware update")
    );
    let summary: FleetSummary = h.query("summary", &SummaryQuery::default()).await.unwrap();
    assert_eq!((summary.totals.maintenance, summary.totals.offline), (1, 0));

    // Nobody clears it: it ends at `until`.
    h.wait_site("plant-1", "the window over", |d| !d.maintenance)
        .await;
    let summary: FleetSummary = h.query("summary", &SummaryQuery::default()).await.unwrap();
    assert_eq!((summary.totals.maintenance, summary.totals.offline), (0, 1));
    h.stop().await;
}

/// The ids of a list page, with whether each is acknowledged.
async fn listed(h: &Harness, acknowledged: Option<bool>) -> (usize, Vec<(String, bool)>) {
    let query = ListQuery {
        acknowledged,
        ..Default::default()
    };
    let page: SitePage = h.query("list", &query).await.unwrap();
    let rows = page
        .sites
        .into_iter()
        .map(|s| (s.site_id, s.acknowledged))
        .collect();
    (page.total, rows)
}

fn own(rows: &[(&str, bool)]) -> Vec<(String, bool)> {
    rows.iter().map(|(id, a)| (id.to_string(), *a)).collect()
}

/// Issue 13: an acknowledgement written to the registry moves the site
/// below the unacknowledged problems of its rank, the `acknowledged`
/// filter and its total follow, and the site's next status change ends it.
#[tokio::test]
async fn an_acknowledgement_in_the_registry_moves_the_site_until_its_state_changes() {
    let mut h = Harness::started().await;
    for (site, at) in [("old", 1_000), ("new", 2_000)] {
        h.publish_report(&report(site, "i", 1)).await;
        h.publish_status(&status(site, at, Offline, Healthy, &["x"]))
            .await;
    }
    h.wait_connectivity("new", Connectivity::Offline).await;
    h.wait_connectivity("old", Connectivity::Offline).await;
    assert_eq!(
        listed(&h, None).await.1,
        own(&[("old", false), ("new", false)])
    );

    let registry = h.registry().await;
    let since_ms = h.get("old").await.unwrap().status_since_ms.unwrap();
    let ack = Ack {
        at_ms: now_ms(),
        by: "alice".into(),
        note: "van on the way".into(),
        connectivity: Connectivity::Offline,
        health: Health::Healthy,
        since_ms,
    };
    registry.set_ack("old", &ack).await.unwrap();
    let d = h
        .wait_site("old", "old acknowledged", |d| d.ack.is_some())
        .await;
    assert_eq!(d.ack.unwrap().note, "van on the way");
    assert_eq!(
        listed(&h, None).await.1,
        own(&[("new", false), ("old", true)])
    );
    assert_eq!(listed(&h, Some(true)).await, (1, own(&[("old", true)])));
    assert_eq!(listed(&h, Some(false)).await, (1, own(&[("new", false)])));

    // Its state changes: the acknowledgement no longer applies.
    h.publish_status(&status("old", 3_000, Offline, Critical, &["x"]))
        .await;
    h.wait_site("old", "old critical", |d| d.health == Health::Critical)
        .await;
    assert!(h.get("old").await.unwrap().ack.is_none());
    assert_eq!(listed(&h, Some(true)).await, (0, vec![]));
    assert_eq!(
        listed(&h, None).await.1,
        own(&[("old", false), ("new", false)])
    );
    h.stop().await;
}

#[tokio::test]
async fn a_site_forgotten_in_the_registry_is_gone_until_it_reports_again() {
    let mut h = Harness::started().await;
    let registry = h.registry().await;
    h.publish_report(&report("old", "i", 1)).await;
    eventually("old registered", WAIT, || async {
        registry.site("old").await.ok().flatten()
    })
    .await;
    registry.forget("old").await.unwrap();
    eventually("old forgotten", WAIT, || async {
        h.get("old").await.is_err().then_some(())
    })
    .await;
    // The assessor's late news of it does not bring it back...
    h.publish_status(&status("old", 9, Offline, Healthy, &[]))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(h.get("old").await.is_err());
    // ...its next report does, and registers it again.
    h.publish_report(&report("old", "j", 1)).await;
    h.wait_site("old", "old back", |_| true).await;
    eventually("old registered again", WAIT, || async {
        registry.site("old").await.ok().flatten()
    })
    .await;
    h.stop().await;
}

#[tokio::test]
async fn with_auto_registration_off_only_listed_sites_are_accepted() {
    let mut h = Harness::new().await;
    let registry = h.registry().await;
    registry.put_site("listed", &declared(&[])).await.unwrap();
    let mut config = h.config();
    config.auto_register = false;
    h.start_with(config).await;
    h.wait_site("listed", "the listed site", |_| true).await;

    h.publish_report(&HealthReport::new("stranger", "i", 1))
        .await;
    h.publish_report(&report("listed", "i", 1)).await;
    h.wait_metric(
        "healthmon_aggregator_reports_rejected_total",
        &[("reason", "unregistered")],
        1.0,
    )
    .await;
    h.wait_site("listed", "listed reported", |d| d.report.is_some())
        .await;
    assert!(h.get("stranger").await.is_err());
    assert_eq!(
        registry.site("stranger").await.unwrap(),
        None,
        "not registered"
    );
    h.stop().await;
}

#[tokio::test]
async fn labels_filter_the_list_count_per_value_and_join_in_prometheus() {
    let mut h = Harness::new().await;
    let registry = h.registry().await;
    for (site, region) in [("a", "eu"), ("b", "eu"), ("c", "us")] {
        registry
            .put_site(site, &declared(&[("region", region)]))
            .await
            .unwrap();
    }
    h.start_aggregator().await;
    h.wait_site("c", "c registered", |d| d.registry.is_some())
        .await;
    let eu = ListQuery {
        labels: [("region".to_owned(), "eu".to_owned())].into(),
        ..Default::default()
    };
    let page: SitePage = h.query("list", &eu).await.unwrap();
    let ids: Vec<&str> = page.sites.iter().map(|s| s.site_id.as_str()).collect();
    assert_eq!((page.total, ids), (2, vec!["a", "b"]));
    assert_eq!(page.sites[0].labels["region"], "eu");

    let by = SummaryQuery {
        by: Some("region".into()),
        ..Default::default()
    };
    let summary: FleetSummary = h.query("summary", &by).await.unwrap();
    assert_eq!(summary.totals.total, 3);
    let groups: Vec<(Option<&str>, usize)> = summary
        .groups
        .iter()
        .map(|g| (g.value.as_deref(), g.counts.total))
        .collect();
    assert_eq!(groups, vec![(Some("eu"), 2), (Some("us"), 1)]);

    let scrape = h.scrape().await;
    assert_eq!(
        scrape.value("healthmon_site_info", &[("site", "c"), ("region", "us")]),
        Some(1.0)
    );
    h.stop().await;
}
