//! The fleet registry across the whole centre (a real JetStream KV bucket):
//! admin actions written through one API replica reach every aggregator and
//! API replica and the assessor, and outlive a restart of every central
//! service; a roster's site that never reports goes offline saying so; a
//! window ends by itself everywhere; a site silent through a full central
//! restart never vanishes from Prometheus and its alert keeps firing.

use std::net::SocketAddr;
use std::time::Duration;

use healthmon_assessor::MassSilenceRule;
use healthmon_assessor::centre::{CentreEvent, CentreState};
use healthmon_client::request_json;
use healthmon_common::clock::now_ms;
use healthmon_e2e::prometheus::{Prometheus, Targets};
use healthmon_e2e::recorder::Recorder;
use healthmon_e2e::{Central, INTERVAL, OFFLINE_AFTER, Options};
use healthmon_proto::query::{PageQuery, StatusPage};
use healthmon_registry::{Registry, RegistryConfig, roster};
use healthmon_test_support::{eventually, free_port, promtext};
use reqwest::Method;
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(10);
/// How soon an admin action must show on every replica.
const EVERYWHERE: Duration = Duration::from_secs(1);

async fn scrape(addr: SocketAddr) -> String {
    reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("/metrics answers")
        .text()
        .await
        .expect("a body")
}

/// The value of `series` on every aggregator replica, once they all agree
/// on `want`, within `within`.
async fn on_every_aggregator(
    aggregators: &[SocketAddr],
    series: &str,
    want: Option<f64>,
    within: Duration,
) {
    eventually(
        &format!("{series} = {want:?} on every aggregator"),
        within,
        || async {
            for addr in aggregators {
                if promtext::value(&scrape(*addr).await, series) != want {
                    return None;
                }
            }
            Some(())
        },
    )
    .await;
}

/// The site ids the assessor judges.
async fn assessor_sites(nats: &async_nats::Client) -> Vec<String> {
    let page: StatusPage = request_json(
        nats,
        "health.assessor.statuses",
        &PageQuery::default(),
        PATIENCE,
    )
    .await
    .expect("the assessor answers");
    page.items.into_iter().map(|r| r.site_id).collect()
}

#[tokio::test]
async fn admin_actions_reach_every_replica_and_outlive_a_restart_of_every_service() {
    let mut central = Central::start().await;
    let nats = central.nats.client().await;
    let mut second = central.aggregator_replica().await;
    let (mut second_dashboard, second_api) = central.dashboard_replica().await;
    let _kept = central.collector("plant-1", INTERVAL).await;
    let mut retired = central.collector("plant-2", INTERVAL).await;
    for api in [&central.api, &second_api] {
        api.wait_connectivity("plant-1", "online", PATIENCE).await;
        api.wait_connectivity("plant-2", "online", PATIENCE).await;
    }
    let aggregators = [
        central.aggregator.service().metrics_addr,
        second.service().metrics_addr,
    ];

    // Maintenance through the first API: both aggregators and both APIs.
    central
        .api
        .set_maintenance("plant-1", Some(json!({"reason": "swapping the router"})))
        .await;
    on_every_aggregator(
        &aggregators,
        r#"healthmon_site_maintenance{site="plant-1"}"#,
        Some(1.0),
        EVERYWHERE,
    )
    .await;
    for api in [&central.api, &second_api] {
        let site = api
            .wait_site("plant-1", "under maintenance", EVERYWHERE, |s| {
                s["maintenance"] == true
            })
            .await;
        assert_eq!(site["maintenance_window"]["reason"], "swapping the router");
    }

    // Forget a decommissioned site once it is silent (a report still in
    // flight would register it again): gone from both aggregators, both
    // APIs and the assessor (which no longer judges its silence).
    retired.stop().await;
    central.site_becomes("plant-2", "offline", PATIENCE).await;
    let (status, _) = second_api
        .send(Method::DELETE, "/api/v1/sites/plant-2", None)
        .await;
    assert_eq!(status, 200);
    on_every_aggregator(
        &aggregators,
        r#"healthmon_site_up{site="plant-2"}"#,
        None,
        EVERYWHERE,
    )
    .await;
    for api in [&central.api, &second_api] {
        eventually("plant-2 gone from the API", EVERYWHERE, || async {
            (api.site("plant-2").await.is_none()).then_some(())
        })
        .await;
    }
    eventually("plant-2 gone from the assessor", EVERYWHERE, || async {
        (!assessor_sites(&nats).await.contains(&"plant-2".to_owned())).then_some(())
    })
    .await;

    // Every central service restarts: the registry brings it all back.
    second_dashboard.stop().await;
    second.stop().await;
    central.restart_all().await;
    let site = central
        .api
        .wait_site("plant-1", "still under maintenance", PATIENCE, |s| {
            s["maintenance"] == true
        })
        .await;
    assert_eq!(site["maintenance_window"]["reason"], "swapping the router");
    assert!(
        central.api.site("plant-2").await.is_none(),
        "forgotten stays forgotten"
    );
    assert!(!assessor_sites(&nats).await.contains(&"plant-2".to_owned()));
}

#[tokio::test]
async fn a_window_ends_by_itself_on_every_replica_and_bulk_actions_follow_labels() {
    let central = Central::start().await;
    let second = central.aggregator_replica().await;
    let _fleet = central.simulator(4, INTERVAL).await;
    central.api.wait_summary("online", 4, PATIENCE).await;
    let aggregators = [
        central.aggregator.service().metrics_addr,
        second.service().metrics_addr,
    ];
    // Label two of the four sites.
    for site in ["sim-00001", "sim-00003"] {
        central
            .api
            .put_ok(
                &format!("/api/v1/sites/{site}/labels"),
                Some(json!({"labels": {"region": "north"}})),
            )
            .await;
    }
    eventually("the labels shown", PATIENCE, || async {
        let (_, page) = central.api.get("/api/v1/sites?label=region=north").await;
        (page["total"] == 2).then_some(())
    })
    .await;

    let until = now_ms() + 2_000;
    let body = central
        .api
        .put_ok(
            "/api/v1/maintenance?selector=region=north",
            Some(json!({"until_ms": until, "reason": "storm"})),
        )
        .await;
    assert_eq!(body["sites"], json!(["sim-00001", "sim-00003"]));
    for (site, want) in [
        ("sim-00001", 1.0),
        ("sim-00002", 0.0),
        ("sim-00003", 1.0),
        ("sim-00004", 0.0),
    ] {
        let series = format!("healthmon_site_maintenance{{site=\"{site}\"}}");
        on_every_aggregator(&aggregators, &series, Some(want), EVERYWHERE).await;
    }
    let (_, summary) = central.api.get("/api/v1/summary").await;
    assert_eq!(summary["maintenance"], 2);

    // Nobody clears it: at `until` it is over on every replica.
    let left = Duration::from_millis(until.saturating_sub(now_ms()));
    for site in ["sim-00001", "sim-00003"] {
        let series = format!("healthmon_site_maintenance{{site=\"{site}\"}}");
        on_every_aggregator(&aggregators, &series, Some(0.0), left + EVERYWHERE).await;
    }
    assert!(now_ms() >= until, "not before its end");
    let (_, summary) = central.api.get("/api/v1/summary").await;
    assert_eq!(summary["maintenance"], 0);
}

#[tokio::test]
async fn a_roster_site_that_never_reports_goes_offline_saying_so() {
    let central = Central::start().await;
    let registry = Registry::new(central.nats.client().await, RegistryConfig::default());
    let roster = roster::parse(
        "[defaults]\ninterval = \"300ms\"\nlabels = { customer = \"acme\" }\n\n\
         [[site]]\nid = \"plant-new\"\n\n[[site]]\nid = \"plant-spare\"\nexpected = false\n",
    )
    .expect("a valid roster");
    let plan = roster::plan(&roster, &Default::default(), false);
    assert_eq!(plan.add.len(), 2);
    for (id, declared) in &plan.add {
        registry
            .put_site(id, &roster::record(None, declared, now_ms()))
            .await
            .unwrap();
    }
    let site = central
        .api
        .wait_site("plant-new", "listed, never reported", PATIENCE, |s| {
            s["connectivity"] == "unknown"
        })
        .await;
    assert_eq!(site["reasons"][0], "never reported");
    assert_eq!(site["labels"]["customer"], "acme");
    let site = central.site_becomes("plant-new", "offline", PATIENCE).await;
    assert_eq!(site["reasons"][0], "never reported (timeout 0.9s)");
    // Not expected to report: shown, never judged for silence.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let spare = central.api.site("plant-spare").await.expect("listed");
    assert_eq!(spare["connectivity"], "unknown");
    assert_eq!(spare["reasons"][0], "not expected to report");
}

/// A centre whose services keep their metrics ports across restarts (what
/// Prometheus scrapes), with a real Prometheus on the deploy config.
#[tokio::test]
async fn a_site_silent_through_a_full_central_restart_never_vanishes_from_prometheus() {
    let (aggregator_port, assessor_port) = (free_port().unwrap(), free_port().unwrap());
    let options = Options::default()
        .aggregator(move |c| c.metrics_addr = ([127, 0, 0, 1], aggregator_port).into())
        .assessor(move |c| c.metrics_addr = ([127, 0, 0, 1], assessor_port).into());
    let mut central = Central::start_with(options).await;
    let simulator = central.simulator(3, INTERVAL).await;
    let mut silent = central.collector("plant-x", INTERVAL).await;
    central.site_becomes("plant-x", "online", PATIENCE).await;
    silent.stop().await;
    central.site_becomes("plant-x", "offline", PATIENCE).await;

    let targets = Targets {
        aggregator: central.aggregator.service().metrics_addr,
        assessor: central.assessor.service().metrics_addr,
        collector: simulator.service().metrics_addr,
        dashboard: central.dashboard.service().metrics_addr,
    };
    // The example alert with its 5 minutes shortened to 1 s.
    let prometheus = Prometheus::start_with_rules(targets, |rules| {
        rules.replacen(
            "for: 5m\n        keep_firing_for",
            "for: 1s\n        keep_firing_for",
            1,
        )
    });
    let firing = r#"ALERTS{alertname="HealthmonSiteOffline",site="plant-x",alertstate="firing"}"#;
    prometheus.wait_value(firing, |v| v == 1.0).await;
    let up = r#"healthmon_site_up{site="plant-x"}"#;
    prometheus.wait_value(up, |v| v == 0.0).await;

    central.restart_all().await;
    // At once: shown, unknown, with the reason; not forgotten.
    let site = central
        .api
        .site("plant-x")
        .await
        .expect("shown at once after the restart");
    assert_eq!(site["connectivity"], "unknown", "{site}");
    assert_eq!(site["reasons"][0], "no report since the centre started");

    // Until it is judged offline again (its window), Prometheus never sees
    // it up, and the alert never stops firing.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut judged = false;
    while !judged {
        assert!(
            tokio::time::Instant::now() < deadline,
            "plant-x never judged offline again"
        );
        for (_, value) in prometheus.samples(up).await {
            assert_eq!(value, 0.0, "plant-x seen up");
        }
        let alert = prometheus.samples(firing).await;
        assert_eq!(
            alert.len(),
            1,
            "the offline alert stopped firing: {alert:?}"
        );
        judged = central
            .api
            .site("plant-x")
            .await
            .is_some_and(|s| s["connectivity"] == "offline");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let site = central.api.site("plant-x").await.unwrap();
    assert_eq!(
        site["reasons"][0],
        "no report since the centre started (timeout 0.9s)"
    );
    prometheus.wait_value(up, |v| v == 0.0).await;
    assert_eq!(prometheus.samples(firing).await.len(), 1);
}

#[tokio::test]
async fn after_a_full_restart_with_a_silent_fleet_the_centre_suspects_itself_first() {
    const FLEET: u64 = 30;
    let options = Options::default().assessor(|config| {
        config.mass_silence = MassSilenceRule {
            fraction: 0.5,
            min_sites: 20,
            hold: Duration::from_secs(60),
        }
    });
    let mut central = Central::start_with(options).await;
    let mut fleet = central.simulator(FLEET as usize, INTERVAL).await;
    central.api.wait_summary("online", FLEET, PATIENCE).await;
    // The whole fleet falls silent and the centre restarts: nothing running
    // has heard of any site but the registry.
    fleet.stop().await;
    central.restart_all().await;
    let centre_events = Recorder::<CentreEvent>::start(&central.nats, "health.centre.status").await;
    central.api.wait_summary("unknown", FLEET, PATIENCE).await;
    let (_, suspect) = centre_events
        .wait_for("the centre to be suspected", PATIENCE, |e| {
            e.state == CentreState::Suspect
        })
        .await;
    assert!(suspect.silent_sites >= 20, "{suspect:?}");
    // Held at late well past every site's offline window.
    central.api.wait_summary("late", FLEET, PATIENCE).await;
    tokio::time::sleep(OFFLINE_AFTER * 2).await;
    let summary = central.api.summary().await;
    assert_eq!(
        (summary["late"].as_u64(), summary["offline"].as_u64()),
        (Some(FLEET), Some(0)),
        "{summary}"
    );
}
