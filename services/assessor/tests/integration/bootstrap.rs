//! Start-up bootstrap from the aggregator's `list` endpoint, and the
//! assessor's own `statuses` endpoint. The aggregator's side is played by a
//! real NATS micro service in the test answering with `SitePage` JSON.

use std::sync::{Arc, Mutex};

use crate::support::*;
use async_nats::Client;
use async_nats::service::ServiceExt;
use futures::StreamExt;
use healthmon_client::{QueryError, request_json};
use healthmon_common::clock::now_ms;
use healthmon_proto::query::{
    ListQuery, MAX_LIMIT, PageQuery, SitePage, SiteSummary, SortOrder, StatusPage,
};
use healthmon_proto::{Connectivity, Health};
use healthmon_test_support::NatsServer;

fn row(
    site: &str,
    connectivity: Connectivity,
    last_report_ms: u64,
    interval_ms: u64,
) -> SiteSummary {
    SiteSummary {
        last_report_ms: Some(last_report_ms),
        status_since_ms: Some(last_report_ms),
        interval_ms: Some(interval_ms),
        ..SiteSummary::new(site, connectivity, Health::Healthy)
    }
}

/// Serves `health.agg.list` from `rows`, two rows per page (fewer than asked,
/// which the assessor must page through), and records every query.
async fn fake_aggregator(client: &Client, rows: Vec<SiteSummary>) -> Arc<Mutex<Vec<ListQuery>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let service = client
        .service_builder()
        .start("healthmon-aggregator", "0.0.0")
        .await
        .unwrap();
    let mut list = service.group("health.agg").endpoint("list").await.unwrap();
    client.flush().await.unwrap();
    let recorded = seen.clone();
    tokio::spawn(async move {
        let _service = service;
        while let Some(request) = list.next().await {
            let query: ListQuery = serde_json::from_slice(&request.message.payload).unwrap();
            recorded.lock().unwrap().push(query.clone());
            let page = SitePage {
                total: rows.len(),
                offset: query.offset,
                limit: query.limit,
                sites: rows.iter().skip(query.offset).take(2).cloned().collect(),
            };
            let body = serde_json::to_vec(&page).unwrap();
            request.respond(Ok(body.into())).await.unwrap();
        }
    });
    seen
}

#[tokio::test]
async fn a_site_silent_across_an_assessor_restart_is_still_declared_offline() {
    let server = NatsServer::start();
    let client = server.client().await;
    let mut events = status_events(&client).await;
    let interval = 300; // offline after 900 ms

    let first = Assessor::start(config(&server)).await;
    publish(&client, &report("silent", 1, interval)).await;
    let online = next_event_for(&mut events, "silent", WAIT).await;
    assert_eq!(online.connectivity, Connectivity::Online);
    first.stop().await;

    // What the aggregator knows meanwhile: the site's last receive time.
    let received = online.last_report_ms.unwrap();
    let known_offline = now_ms() - 60_000;
    let queries = fake_aggregator(
        &client,
        vec![
            row("already-down", Connectivity::Offline, known_offline, 1_000),
            row("silent", Connectivity::Online, received, interval),
            SiteSummary {
                last_report_ms: None,
                ..row("zzz-never-reported", Connectivity::Unknown, 0, 1_000)
            },
        ],
    )
    .await;

    let second = Assessor::start(config(&server)).await;
    let mut seen = Vec::new();
    let offline = loop {
        let (e, _) = next_event(&mut events, WAIT)
            .await
            .expect("offline event from the restarted assessor");
        seen.push((e.site_id.clone(), e.connectivity));
        if e.site_id == "silent" && e.connectivity == Connectivity::Offline {
            break e;
        }
    };
    assert!(
        seen.iter()
            .all(|(site, c)| site == "silent" && *c != Connectivity::Online),
        "known state is not re-announced: {seen:?}"
    );
    assert_eq!(
        offline.last_report_ms,
        Some(received),
        "deadline counts from the aggregator's receive time"
    );
    assert!(offline.at_ms >= received + 900);
    assert!(
        offline.at_ms - received < 900 + 1_500,
        "detected {} ms after the last report",
        offline.at_ms - received
    );
    assert!(
        matches!(
            offline.previous_connectivity,
            Connectivity::Online | Connectivity::Late
        ),
        "adopted state is the starting point: {offline:?}"
    );

    let q = queries.lock().unwrap().clone();
    assert_eq!(q.len(), 2, "paged through all three rows: {q:?}");
    assert!(
        q.iter()
            .all(|q| q.sort == SortOrder::SiteId && q.limit == MAX_LIMIT)
    );
    assert_eq!((q[0].offset, q[1].offset), (0, 2));

    let page: StatusPage = request_json(
        &client,
        "health.assessor.statuses",
        &PageQuery::default(),
        WAIT,
    )
    .await
    .unwrap();
    let ids: Vec<_> = page
        .items
        .iter()
        .map(|r| (r.site_id.as_str(), r.connectivity))
        .collect();
    assert_eq!(
        ids,
        [
            ("already-down", Connectivity::Offline),
            ("silent", Connectivity::Offline),
        ],
        "a row without a receive time is not adopted"
    );
    second.stop().await;
}

#[tokio::test]
async fn statuses_endpoint_pages_current_state_by_site_id() {
    let (_server, assessor, client, mut events) = start_default().await;
    for site in ["charlie", "alpha", "bravo"] {
        publish(&client, &report(site, 1, 60_000)).await;
        next_event_for(&mut events, site, WAIT).await;
    }

    let page: StatusPage = request_json(
        &client,
        "health.assessor.statuses",
        &PageQuery {
            offset: 1,
            limit: 5,
        },
        WAIT,
    )
    .await
    .unwrap();
    assert_eq!(page.total, 3);
    let ids: Vec<_> = page.items.iter().map(|r| r.site_id.as_str()).collect();
    assert_eq!(ids, ["bravo", "charlie"]);
    let row = &page.items[0];
    assert_eq!(
        (row.connectivity, row.health),
        (Connectivity::Online, Health::Healthy)
    );
    assert!(row.last_report_ms.is_some() && row.since_ms > 0);

    // An empty request means the defaults (first page).
    let reply = client
        .request("health.assessor.statuses", "".into())
        .await
        .unwrap();
    let page: StatusPage = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(page.items.len(), 3);

    let bad: Result<StatusPage, _> = request_json(
        &client,
        "health.assessor.statuses",
        &"not a page query",
        WAIT,
    )
    .await;
    assert!(
        matches!(bad, Err(QueryError::Service { code: 400, .. })),
        "{bad:?}"
    );
    assessor.stop().await;
}
