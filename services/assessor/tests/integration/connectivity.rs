//! Heartbeat detection end to end: a real nats-server, the assessor, and a
//! plain client publishing reports and watching `health.status.*`.

use std::time::{Duration, Instant};

use crate::support::*;
use async_nats::ConnectOptions;
use healthmon_proto::Connectivity::{self, Late, Offline, Online};
use healthmon_proto::Health;
use healthmon_proto::subjects::{
    CONTENT_TYPE_MSGPACK, HEADER_CONNECTIVITY, HEADER_CONTENT_TYPE, HEADER_HEALTH, HEADER_SITE,
};
use healthmon_test_support::fixtures::{connectivity_change, health_change};
use healthmon_test_support::{NatsServer, eventually};

#[tokio::test]
async fn first_report_announces_online_with_headers() {
    let (_server, assessor, client, mut events) = start_default().await;

    publish(&client, &report("site-1", 1, 60_000)).await;
    let (e, headers) = next_event(&mut events, WAIT).await.expect("online event");
    assert_eq!(e.site_id, "site-1");
    assert_eq!(
        connectivity_change(&e),
        (Connectivity::Unknown, Connectivity::Online)
    );
    assert_eq!(health_change(&e), (Health::Unknown, Health::Healthy));
    assert!(e.reasons.is_empty());
    let received = e.last_report_ms.expect("receive time set");
    assert!(received <= e.at_ms && e.at_ms - received < 5_000);
    let header = |name: &str| headers.get(name).map(|v| v.as_str().to_owned());
    assert_eq!(
        header(HEADER_CONTENT_TYPE).as_deref(),
        Some(CONTENT_TYPE_MSGPACK)
    );
    assert_eq!(header(HEADER_SITE).as_deref(), Some("site-1"));
    assert_eq!(header(HEADER_CONNECTIVITY).as_deref(), Some("online"));
    assert_eq!(header(HEADER_HEALTH).as_deref(), Some("healthy"));

    // An unchanged site is not announced again.
    publish(&client, &report("site-1", 2, 60_000)).await;
    assert!(
        next_event(&mut events, Duration::from_millis(300))
            .await
            .is_none()
    );
    assessor
        .assert_metric("healthmon_assessor_status_events_total", 1.0)
        .await;
    assessor.assert_sites("online", 1.0).await;
    assessor.stop().await;
}

#[tokio::test]
async fn silence_makes_a_site_late_then_offline_and_a_report_brings_it_back() {
    let (_server, assessor, client, mut events) = start_default().await; // missed heartbeats: 3

    let sent = Instant::now();
    publish(&client, &report("quiet", 1, 200)).await;
    assert_eq!(
        next_event_for(&mut events, "quiet", WAIT)
            .await
            .connectivity,
        Connectivity::Online
    );

    let late = next_change_for(&mut events, "quiet", (Online, Late)).await;
    let late_after = sent.elapsed();
    assert!(
        late_after >= Duration::from_millis(300),
        "late after {late_after:?}"
    );
    assert!(
        late.reasons[0].starts_with("no report for "),
        "{:?}",
        late.reasons
    );
    assert!(
        late.reasons[0].ends_with("(late after 0.3s)"),
        "{:?}",
        late.reasons
    );

    let offline = next_change_for(&mut events, "quiet", (Late, Offline)).await;
    let offline_after = sent.elapsed();
    // 3 × 200 ms, announced promptly (generous bound for a loaded machine).
    assert!(
        offline_after >= Duration::from_millis(600)
            && offline_after <= Duration::from_millis(1_100),
        "offline after {offline_after:?}"
    );
    assert!(
        offline.reasons[0].ends_with("(timeout 0.6s)"),
        "{:?}",
        offline.reasons
    );
    let silent_for = offline.at_ms - offline.last_report_ms.unwrap();
    assert!(
        silent_for >= 600,
        "declared offline after only {silent_for} ms"
    );
    assert_eq!(
        offline.health,
        Health::Healthy,
        "health stays as last evaluated"
    );

    publish(&client, &report("quiet", 2, 200)).await;
    let back = next_change_for(&mut events, "quiet", (Offline, Online)).await;
    assert!(back.reasons.is_empty());

    let m = |s: &'static str| assessor.metric(s);
    assert_eq!(
        m("healthmon_assessor_transitions_total{to=\"late\"}").await,
        Some(1.0)
    );
    assert_eq!(
        m("healthmon_assessor_transitions_total{to=\"offline\"}").await,
        Some(1.0)
    );
    assert_eq!(
        m("healthmon_assessor_transitions_total{to=\"online\"}").await,
        Some(2.0)
    );
    assert_eq!(
        m("healthmon_assessor_detection_lag_seconds_count").await,
        Some(1.0)
    );
    assessor.stop().await;
}

#[tokio::test]
async fn bad_reports_are_counted_and_change_nothing() {
    let (_server, assessor, client, mut events) = start_default().await;

    publish(&client, &report("site-1", 5, 60_000)).await;
    next_event_for(&mut events, "site-1", WAIT).await;

    publish_raw(&client, "site-1", b"\xc1 not msgpack".to_vec()).await;
    publish_raw(&client, "site-1", vec![0x90; 70 * 1024]).await;
    publish(&client, &report("site-1", 5, 60_000)).await; // replayed seq
    let mut wrong_site = report("site-2", 1, 60_000);
    wrong_site.site_id = "site-1".into();
    publish_raw(&client, "site-2", healthmon_proto::encode(&wrong_site)).await;
    let mut no_interval = report("site-1", 6, 60_000);
    no_interval.interval_ms = 1;
    publish(&client, &no_interval).await;

    for reason in [
        "malformed",
        "too_large",
        "stale_seq",
        "subject_mismatch",
        "bad_interval",
    ] {
        let series = format!("healthmon_assessor_reports_rejected_total{{reason=\"{reason}\"}}");
        eventually(&series, WAIT, || async {
            (assessor.metric(&series).await == Some(1.0)).then_some(())
        })
        .await;
    }
    assert_eq!(
        assessor
            .metric("healthmon_assessor_reports_rejected_total{reason=\"bad_site_id\"}")
            .await,
        Some(0.0),
        "every reason is pre-registered"
    );
    assert!(
        next_event(&mut events, Duration::from_millis(200))
            .await
            .is_none(),
        "no bad report produced an event"
    );
    assessor
        .assert_metric("healthmon_assessor_reports_total", 1.0)
        .await;
    assert_eq!(
        assessor.sites("online").await,
        Some(1.0),
        "site-2 was never created and site-1 stays online"
    );
    assessor.stop().await;
}

/// While its own NATS link is down the assessor must not declare silent
/// sites late/offline; once back it gives them a fresh window.
#[tokio::test]
async fn a_blind_assessor_does_not_declare_sites_offline() {
    let mut server = NatsServer::start();
    let assessor = Assessor::start(config(&server)).await;
    let client = ConnectOptions::new()
        .reconnect_delay_callback(|_| Duration::from_millis(50))
        .connect(server.url())
        .await
        .unwrap();
    let mut events = status_events(&client).await;
    let interval = 400; // late after 600 ms, offline after 1.2 s
    publish(&client, &report("site-1", 1, interval)).await;
    next_event_for(&mut events, "site-1", WAIT).await;

    server.kill();
    eventually("assessor notices it is blind", WAIT, || async {
        (assessor.metric("healthmon_assessor_blind").await == Some(1.0)).then_some(())
    })
    .await;
    // Longer than the offline threshold: a sighted assessor would give up on the site.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    server.restart();

    // Report as the site would, from the moment the broker is back.
    let reporter = {
        let client = client.clone();
        tokio::spawn(async move {
            for seq in 2.. {
                let r = report("site-1", seq, interval);
                let _ = client
                    .publish("health.report.site-1", healthmon_proto::encode(&r).into())
                    .await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    eventually("assessor sees again", WAIT, || async {
        (assessor.metric("healthmon_assessor_blind").await == Some(0.0)).then_some(())
    })
    .await;
    // Past a full offline threshold with the site reporting: nothing to declare.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for to in ["late", "offline"] {
        let series = format!("healthmon_assessor_transitions_total{{to=\"{to}\"}}");
        assert_eq!(assessor.metric(&series).await, Some(0.0), "{series}");
    }
    reporter.abort();

    // Judging resumed: silence now does make the site offline.
    eventually("site-1 offline after real silence", WAIT, || async {
        let offline = assessor
            .metric("healthmon_assessor_transitions_total{to=\"offline\"}")
            .await;
        (offline == Some(1.0)).then_some(())
    })
    .await;
    assessor.stop().await;
}
