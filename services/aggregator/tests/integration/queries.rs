//! The micro service as the dashboard API uses it: `summary`, `list`, `get`,
//! plus `nats micro`-style discovery.

use crate::support::{Harness, WAIT, report, status};
use healthmon_client::QueryError;
use healthmon_proto::query::{ListQuery, SitePage, SortOrder, Summary};
use healthmon_proto::{Connectivity, Health};
use healthmon_test_support::eventually;

#[tokio::test]
async fn a_valid_report_is_visible_through_get_list_and_summary() {
    let mut h = Harness::started().await;
    h.publish_report(&report("site-1", "inst-a", 1)).await;

    let detail = h.wait_site("site-1", "site-1 visible", |_| true).await;
    assert_eq!(detail.connectivity, Connectivity::Unknown);
    assert_eq!(detail.health, Health::Unknown);
    let r = detail.report.expect("latest report");
    assert_eq!((r.instance.as_str(), r.seq), ("inst-a", 1));
    assert_eq!(r.connections.len(), 2);
    assert!(detail.last_report_ms.is_some());

    let page: SitePage = h.query("list", &ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 1);
    let row = &page.sites[0];
    assert_eq!(row.site_id, "site-1");
    assert_eq!(row.active_node.as_deref(), Some("node-a"));
    assert_eq!((row.connections_up, row.connections_total), (1, 2));
    assert_eq!(row.sf_buffer_total, 3);
    assert_eq!(row.interval_ms, Some(200));

    // An empty request body means "defaults", as `nats req health.agg.summary ''` sends.
    let summary: Summary = h.query("summary", &()).await.unwrap();
    assert_eq!((summary.total, summary.unknown), (1, 1));
    h.stop().await;
}

#[tokio::test]
async fn unknown_site_is_404_and_a_bad_query_is_400() {
    let mut h = Harness::started().await;
    match h.get("nobody").await {
        Err(QueryError::Service {
            code: 404, message, ..
        }) => assert!(message.contains("nobody")),
        other => panic!("expected 404, got {other:?}"),
    }
    let bad: Result<SitePage, _> = h.query("list", &serde_json::json!({"limit": "lots"})).await;
    assert!(
        matches!(bad, Err(QueryError::Service { code: 400, .. })),
        "{bad:?}"
    );
    let empty_get: Result<serde_json::Value, _> = h.query("get", &()).await;
    assert!(
        matches!(empty_get, Err(QueryError::Service { code: 400, .. })),
        "{empty_get:?}"
    );
    h.stop().await;
}

#[tokio::test]
async fn list_sorts_worst_first_filters_and_paginates() {
    let mut h = Harness::started().await;
    // Five sites in four states; "e-healthy" and "a-healthy" tie on severity.
    let states = [
        ("a-healthy", Connectivity::Online, Health::Healthy),
        ("b-offline", Connectivity::Offline, Health::Healthy),
        ("c-critical", Connectivity::Online, Health::Critical),
        ("d-late", Connectivity::Late, Health::Healthy),
        ("e-healthy", Connectivity::Online, Health::Healthy),
    ];
    for (i, (site, c, hl)) in states.iter().enumerate() {
        h.publish_report(&report(site, "i", 1)).await;
        h.publish_status(&status(site, 1_000 + i as u64, *c, *hl, &[]))
            .await;
    }
    eventually("all five statuses applied", WAIT, || async {
        let s: Summary = h.query("summary", &()).await.ok()?;
        (s.total == 5 && s.unknown == 0 && s.healthy == 4).then_some(())
    })
    .await;

    let ids = |page: SitePage| {
        page.sites
            .into_iter()
            .map(|s| s.site_id)
            .collect::<Vec<_>>()
    };
    let all: SitePage = h.query("list", &ListQuery::default()).await.unwrap();
    assert_eq!(
        ids(all),
        [
            "b-offline",
            "c-critical",
            "d-late",
            "a-healthy",
            "e-healthy"
        ]
    );

    let by_id: SitePage = h
        .query(
            "list",
            &ListQuery {
                sort: SortOrder::SiteId,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        ids(by_id),
        [
            "a-healthy",
            "b-offline",
            "c-critical",
            "d-late",
            "e-healthy"
        ]
    );

    let mut pages = Vec::new();
    for offset in [0, 2, 4, 6] {
        let page: SitePage = h
            .query(
                "list",
                &ListQuery {
                    offset,
                    limit: 2,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((page.total, page.offset, page.limit), (5, offset, 2));
        pages.push(ids(page));
    }
    assert_eq!(
        pages,
        [
            vec!["b-offline", "c-critical"],
            vec!["d-late", "a-healthy"],
            vec!["e-healthy"],
            vec![]
        ]
    );

    let filtered: SitePage = h
        .query(
            "list",
            &serde_json::json!({"connectivity": ["online"], "search": "HEALTHY", "limit": 1}),
        )
        .await
        .unwrap();
    assert_eq!(filtered.total, 2, "total counts all matches, not the page");
    assert_eq!(ids(filtered), ["a-healthy"]);

    let huge: SitePage = h
        .query("list", &serde_json::json!({"limit": 1_000_000}))
        .await
        .unwrap();
    assert_eq!(huge.limit, healthmon_proto::query::MAX_LIMIT);
    h.stop().await;
}

/// The aggregator's answer to a micro-service discovery request (`PING`, `INFO`).
async fn discovery(h: &Harness, verb: &str) -> serde_json::Value {
    let answer = h
        .client
        .request(format!("$SRV.{verb}.healthmon-aggregator"), "".into())
        .await
        .unwrap_or_else(|e| panic!("{verb} answered: {e}"));
    serde_json::from_slice(&answer.payload).unwrap()
}

#[tokio::test]
async fn answers_micro_service_discovery() {
    let mut h = Harness::started().await;
    let pong = discovery(&h, "PING").await;
    assert_eq!(pong["name"], "healthmon-aggregator");
    assert_eq!(pong["version"], env!("CARGO_PKG_VERSION"));

    let info = discovery(&h, "INFO").await;
    let mut subjects: Vec<&str> = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        ["health.agg.get", "health.agg.list", "health.agg.summary"]
    );
    h.stop().await;
}
