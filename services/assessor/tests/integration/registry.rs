//! The assessor and the fleet registry (a real JetStream KV bucket): a
//! registered site that never reports goes offline saying so, a forget
//! reaches the assessor, and with auto-registration off only listed sites
//! are judged.

use std::sync::Arc;
use std::time::Duration;

use healthmon_client::request_json;
use healthmon_common::clock::now_ms;
use healthmon_proto::fleet::{SiteRecord, Source};
use healthmon_proto::query::{PageQuery, StatusPage};
use healthmon_proto::{Connectivity, Rejection};
use healthmon_registry::{Registry, RegistryConfig};
use healthmon_test_support::{eventually, start_jetstream};

use crate::support::{Assessor, WAIT, config, next_event_for, publish, report, status_events};

fn listed(interval_ms: u64) -> SiteRecord {
    SiteRecord {
        interval_ms: Some(interval_ms),
        ..SiteRecord::declared(now_ms(), Source::Roster)
    }
}

async fn statuses(client: &async_nats::Client) -> StatusPage {
    request_json(
        client,
        "health.assessor.statuses",
        &PageQuery::default(),
        WAIT,
    )
    .await
    .expect("the assessor answers")
}

#[tokio::test]
async fn a_listed_site_that_never_reports_goes_offline_and_a_forget_reaches_the_assessor() {
    let server = start_jetstream();
    let client = server.client().await;
    let registry = Registry::new(client.clone(), RegistryConfig::default());
    registry.put_site("never", &listed(300)).await.unwrap();
    let mut events = status_events(&client).await;
    let assessor = Assessor::start(config(&server)).await;

    let late = next_event_for(&mut events, "never", WAIT).await;
    assert_eq!(late.connectivity, Connectivity::Late);
    let offline = next_event_for(&mut events, "never", WAIT).await;
    assert_eq!(offline.connectivity, Connectivity::Offline);
    assert_eq!(offline.reasons[0], "never reported (timeout 0.9s)");
    assert_eq!(offline.last_report_ms, None);

    // A site that reports, then is forgotten: no longer listed or judged.
    publish(&client, &report("gone", 1, 300)).await;
    next_event_for(&mut events, "gone", WAIT).await;
    registry.forget("gone").await.unwrap();
    eventually("the forget reaches the assessor", WAIT, || async {
        let page = statuses(&client).await;
        page.items.iter().all(|r| r.site_id != "gone").then_some(())
    })
    .await;
    // Its silence is not judged: no late event where it would have been.
    let quiet = tokio::time::timeout(Duration::from_millis(1500), async {
        next_event_for(&mut events, "gone", Duration::from_secs(2)).await
    })
    .await;
    assert!(quiet.is_err(), "a forgotten site is not judged: {quiet:?}");
    assessor.assert_sites("online", 0.0).await;
    assessor.stop().await;
}

#[tokio::test]
async fn without_auto_registration_only_listed_sites_are_judged() {
    let server = start_jetstream();
    let client = server.client().await;
    let registry = Arc::new(Registry::new(client.clone(), RegistryConfig::default()));
    registry.put_site("listed", &listed(60_000)).await.unwrap();
    let mut c = config(&server);
    c.auto_register = false;
    let assessor = Assessor::start(c).await;
    let mut events = status_events(&client).await;
    // Once the registry is read (the listed site is tracked), a stranger
    // is refused.
    eventually("the registry read", WAIT, || async {
        statuses(&client)
            .await
            .items
            .first()
            .map(|r| r.site_id.clone())
    })
    .await;
    publish(&client, &report("stranger", 1, 60_000)).await;
    publish(&client, &report("listed", 1, 60_000)).await;
    let e = next_event_for(&mut events, "listed", WAIT).await;
    assert_eq!(e.connectivity, Connectivity::Online);
    let series = format!(
        "healthmon_assessor_reports_rejected_total{{reason=\"{}\"}}",
        Rejection::Unregistered(String::new()).reason()
    );
    eventually("the stranger counted", WAIT, || async {
        assessor.metric(&series).await.filter(|n| *n == 1.0)
    })
    .await;
    let ids: Vec<String> = statuses(&client)
        .await
        .items
        .into_iter()
        .map(|r| r.site_id)
        .collect();
    assert_eq!(ids, ["listed"]);
    assessor.stop().await;
}

#[tokio::test]
async fn a_site_declaring_a_day_is_judged_by_the_maximum_and_told_so() {
    let server = start_jetstream();
    let client = server.client().await;
    let mut events = status_events(&client).await;
    let mut c = config(&server);
    // `--max-interval 1m`, scaled down: 300 ms.
    c.max_interval = Duration::from_millis(300);
    let assessor = Assessor::start(c).await;
    let day = 24 * 60 * 60 * 1000;
    publish(&client, &report("slow", 1, day)).await;
    let online = next_event_for(&mut events, "slow", WAIT).await;
    assert_eq!(online.connectivity, Connectivity::Online);
    assert_eq!(online.health, healthmon_proto::Health::Degraded);
    assert_eq!(
        online.reasons,
        ["declares a 86400s interval, judged by the 0.3s maximum (--max-interval)"]
    );
    let late = next_event_for(&mut events, "slow", WAIT).await;
    assert_eq!(late.connectivity, Connectivity::Late);
    let offline = next_event_for(&mut events, "slow", WAIT).await;
    assert_eq!(offline.connectivity, Connectivity::Offline);
    assert_eq!(offline.reasons[0], "no report for 0.9s (timeout 0.9s)");
    assessor.stop().await;
}
