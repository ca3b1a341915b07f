//! Start-up and shutdown: resend request, pulling statuses from the assessor,
//! clean stop, and refusing to start on a taken port.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{Harness, WAIT, status};
use async_nats::service::ServiceExt;
use futures::StreamExt;
use healthmon_aggregator::start;
use healthmon_client::QueryError;
use healthmon_common::ServiceError;
use healthmon_proto::Connectivity::Online;
use healthmon_proto::Health::Healthy;
use healthmon_proto::query::{PageQuery, SiteDetail, StatusPage, StatusRow, Summary};
use healthmon_proto::{Connectivity, Health};
use healthmon_test_support::eventually;

#[tokio::test]
async fn asks_collectors_to_resend_on_start() {
    let mut h = Harness::new().await;
    let mut resend = h.client.subscribe(h.subjects.resend()).await.unwrap();
    h.client.flush().await.unwrap();
    h.start_aggregator().await;
    let msg = tokio::time::timeout(WAIT, resend.next())
        .await
        .expect("resend published")
        .unwrap();
    assert!(msg.payload.is_empty());
    // An empty table: the collectors' own default window, one second.
    assert_eq!(spread_ms(&msg), Some("1000".to_owned()));
    h.stop().await;
}

fn spread_ms(msg: &async_nats::Message) -> Option<String> {
    msg.headers
        .as_ref()?
        .get(healthmon_proto::subjects::HEADER_RESEND_SPREAD_MS)
        .map(|v| v.as_str().to_owned())
}

#[tokio::test]
async fn the_first_resend_waits_for_the_registry_and_spreads_its_sites_over_the_rate() {
    let mut h = Harness::new().await;
    let registry = h.registry().await;
    for i in 0..5 {
        let record = healthmon_proto::fleet::SiteRecord::declared(
            healthmon_common::clock::now_ms(),
            healthmon_proto::fleet::Source::Roster,
        );
        registry
            .put_site(&format!("listed-{i}"), &record)
            .await
            .unwrap();
    }
    let mut resend = h.client.subscribe(h.subjects.resend()).await.unwrap();
    h.client.flush().await.unwrap();
    let mut config = h.config();
    // 5 listed sites at 2 reports/s: a 2.5 s window.
    config.resend_rate = 2;
    h.start_with(config).await;
    let msg = tokio::time::timeout(WAIT, resend.next())
        .await
        .expect("resend published")
        .unwrap();
    assert_eq!(spread_ms(&msg), Some("2500".to_owned()));
    h.stop().await;
}

#[tokio::test]
async fn a_fresh_centre_sizes_its_first_resend_from_the_reports_it_hears() {
    let mut h = Harness::new().await;
    let mut resend = h.client.subscribe(h.subjects.resend()).await.unwrap();
    h.client.flush().await.unwrap();
    // A fleet reporting once a day, heard for the listening second: each
    // report stands for 86,400 sites, so a handful make a fleet whose
    // answers need the longest window at 1,000 reports/s, while the few
    // sites the table holds would fit the shortest.
    let fleet = tokio::spawn({
        let (client, subjects) = (h.client.clone(), h.subjects.clone());
        async move {
            for i in 0.. {
                let mut report = healthmon_test_support::fixtures::healthy(&format!("daily-{i}"));
                report.interval_ms = 86_400_000;
                let subject = subjects.report(&report.site_id);
                let payload = healthmon_proto::encode(&report);
                client.publish(subject, payload.into()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let mut config = h.config();
    config.resend_rate = 1_000;
    config.resend_listen = Duration::from_secs(1);
    h.start_with(config).await;
    let msg = tokio::time::timeout(WAIT, resend.next())
        .await
        .expect("resend published")
        .unwrap();
    fleet.abort();
    assert_eq!(spread_ms(&msg), Some("300000".to_owned()));
    h.stop().await;
}

/// A stand-in assessor: a real micro service answering `statuses` with at most
/// two rows per page, whatever limit is asked, so the aggregator must page.
async fn serve_statuses(
    h: &Harness,
    rows: Vec<StatusRow>,
    before_first_reply: impl Future<Output = ()> + Send + 'static,
) -> Arc<AtomicUsize> {
    let service = h
        .client
        .service_builder()
        .start("healthmon-assessor", "0.1.0")
        .await
        .unwrap();
    let mut endpoint = service
        .group(h.subjects.assessor_group())
        .endpoint("statuses")
        .await
        .unwrap();
    h.client.flush().await.unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        let _service = service;
        let mut before = Some(before_first_reply);
        while let Some(request) = endpoint.next().await {
            let query: PageQuery = serde_json::from_slice(&request.message.payload).unwrap();
            if let Some(f) = before.take() {
                f.await;
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let items = rows
                .iter()
                .skip(query.offset)
                .take(query.limit.min(2))
                .cloned()
                .collect();
            let page = StatusPage {
                total: rows.len(),
                items,
            };
            request
                .respond(Ok(serde_json::to_vec(&page).unwrap().into()))
                .await
                .unwrap();
        }
    });
    requests
}

#[tokio::test]
async fn pulls_current_statuses_from_the_assessor_without_overriding_live_events() {
    let mut h = Harness::new().await;
    let rows: Vec<StatusRow> = (0..5)
        .map(|i| StatusRow {
            site_id: format!("site-{i}"),
            connectivity: Connectivity::Offline,
            health: Health::Unknown,
            reasons: vec!["no report for 90s".into()],
            last_report_ms: Some(500),
            since_ms: 1_000,
            judgement: Default::default(),
        })
        .collect();
    // Before answering, a live event (newer than the row) reaches the aggregator.
    let peer = h.client.clone();
    let subjects = h.subjects.clone();
    let before = async move {
        let event = status("site-0", 2_000, Online, Healthy, &["live"]);
        peer.publish(
            subjects.status("site-0"),
            healthmon_proto::encode(&event).into(),
        )
        .await
        .unwrap();
        eventually("live event applied first", WAIT, || async {
            let d: SiteDetail = healthmon_client::request_json(
                &peer,
                &subjects.aggregator("get"),
                &serde_json::json!({"site_id": "site-0"}),
                Duration::from_secs(1),
            )
            .await
            .ok()?;
            (d.connectivity == Connectivity::Online).then_some(())
        })
        .await;
    };
    let requests = serve_statuses(&h, rows, before).await;
    h.start_aggregator().await;

    eventually("all pulled sites present", WAIT, || async {
        let s: Summary = h.query("summary", &()).await.ok()?;
        (s.total == 5 && s.offline == 4).then_some(())
    })
    .await;
    assert_eq!(requests.load(Ordering::SeqCst), 3, "5 rows in pages of 2");
    let pulled = h.get("site-3").await.unwrap();
    assert_eq!(pulled.reasons, ["no report for 90s"]);
    assert_eq!(pulled.status_since_ms, Some(1_000));
    assert_eq!(pulled.last_report_ms, Some(500));
    let live = h.get("site-0").await.unwrap();
    assert_eq!(
        (live.connectivity, live.health),
        (Connectivity::Online, Health::Healthy)
    );
    assert_eq!(live.reasons, ["live"]);
    h.stop().await;
}

#[tokio::test]
async fn shuts_down_cleanly_and_stops_answering() {
    let mut h = Harness::started().await;
    let _: Summary = h.query("summary", &()).await.unwrap();
    let client = h.client.clone();
    let subject = h.subjects.aggregator("summary");
    h.stop().await;
    let after: Result<Summary, _> =
        healthmon_client::request_json(&client, &subject, &(), Duration::from_secs(1)).await;
    assert!(
        matches!(after, Err(QueryError::NoResponders(_))),
        "{after:?}"
    );
}

#[tokio::test]
async fn a_taken_metrics_port_fails_start_with_a_clear_error() {
    let h = Harness::new().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut config = h.config();
    config.metrics_addr = taken.local_addr().unwrap();
    match start(config, healthmon_common::CancellationToken::new()).await {
        Err(e @ ServiceError::Bind { .. }) => assert!(e.to_string().contains("cannot listen")),
        Err(other) => panic!("expected a bind error, got {other}"),
        Ok(_) => panic!("started on a taken port"),
    }
}
