//! Issue 15's judgement on the page, in Chromium, from reports published
//! straight onto NATS (so the test chooses each site's backlog and timing):
//! a silent site's last findings listed apart, greyed and "as of" its last
//! report, with the score saying what took points off; a site bouncing
//! between online and late badged `flapping`; a site back from offline with
//! a backlog badged `recovering` with its drain rate and time to empty;
//! availability since the assessor started and, with a real Prometheus
//! behind the API, the last 24 h as a sparkline.

use std::time::Duration;

use healthmon_e2e::browser::Browser;
use healthmon_e2e::prometheus::{Prometheus, Targets};
use healthmon_e2e::services::{dashboard_config, start_dashboard};
use healthmon_e2e::{Central, OFFLINE_AFTER};
use healthmon_proto::{ConnectionStatus, HealthReport, encode};

use super::PATIENCE;

const EVERY: Duration = Duration::from_millis(300);

async fn publish(nats: &async_nats::Client, report: &HealthReport) {
    let subject = format!("health.report.{}", report.site_id);
    nats.publish(subject, encode(report).into()).await.unwrap();
    nats.flush().await.unwrap();
}

fn report(site: &str, seq: u64, db_write: u64) -> HealthReport {
    let mut r = HealthReport::new(site, "page-test", seq);
    r.interval_ms = EVERY.as_millis() as u64;
    r.sf_buffer.db_write = db_write;
    r
}

#[tokio::test]
async fn stale_findings_flapping_and_recovering_show_on_the_page() {
    let central = Central::start().await;
    let nats = central.nats.client().await;

    // silent: one degraded report, then nothing: offline with stale findings.
    let mut silent = report("silent", 1, 0);
    silent.connections = vec![ConnectionStatus {
        name: "plc-2".into(),
        connected: false,
    }];
    publish(&nats, &silent).await;
    // drainer: online, then silent until offline.
    publish(&nats, &report("drainer", 1, 0)).await;
    // bouncer: reports, falls late, reports again — three times.
    let mut seq = 0;
    for _ in 0..4 {
        seq += 1;
        publish(&nats, &report("bouncer", seq, 0)).await;
        tokio::time::sleep(EVERY * 2).await;
    }
    seq += 1;
    publish(&nats, &report("bouncer", seq, 0)).await;
    tokio::time::sleep(OFFLINE_AFTER).await;
    central.site_becomes("drainer", "offline", PATIENCE).await;
    // Back with 5,000 pending (no rate yet: one report since it came
    // back), then draining 10 a report for as long as
    // the test runs (it stays above the 100 of `recovering.min_depth`).
    let feeder = nats.clone();
    let feeding = tokio::spawn(async move {
        for (seq, depth) in (2..).zip((100..=5_000u64).rev().step_by(10)) {
            publish(&feeder, &report("drainer", seq, depth)).await;
            tokio::time::sleep(EVERY).await;
        }
    });

    let browser = Browser::start().await;
    browser.open(&format!("{}/#site=silent", central.api)).await;
    let page = browser
        .wait_for(
            "silent's findings stale, bouncer flapping, drainer recovering",
            PATIENCE,
            |p| {
                let detail = p.detail.as_ref()?;
                (detail.site_id == "silent"
                    && !detail.stale_reasons.is_empty()
                    && p.row("bouncer")?.flapping
                    && p.row("drainer")?.recovering_title.contains("/min"))
                .then(|| p.clone())
            },
        )
        .await;
    let detail = page.detail.as_ref().unwrap();
    assert_eq!(detail.stale_reasons, ["connection plc-2 disconnected"]);
    assert!(
        detail.stale_heading.contains("as of"),
        "{}",
        detail.stale_heading
    );
    assert!(detail.stale_greyed, "stale findings are greyed");
    let reasons = &detail.reasons;
    let silence_only = reasons.iter().all(|r| r.starts_with("no report for"));
    assert!(silence_only, "only the silence is current: {reasons:?}");
    // 60 for offline, 15 × 0.5 for the stale finding (rounded to 8).
    assert!(detail.score.contains("32 / 100"), "{}", detail.score);
    let stale = "degraded (stale): connection plc-2 disconnected";
    let stale_counted = detail.score_off.iter().any(|l| l.contains(stale));
    assert!(stale_counted, "{:?}", detail.score_off);
    assert!(!page.row("silent").unwrap().flapping);
    let drainer = page.row("drainer").unwrap();
    let title = &drainer.recovering_title;
    let backlog = title.starts_with("recovering: ") && title.contains(" pending");
    assert!(
        backlog && title.contains("/min"),
        "drain rate shown: {title}"
    );

    browser
        .open(&format!("{}/#site=drainer", central.api))
        .await;
    let page = browser
        .wait_for("drainer's detail", PATIENCE, |p| {
            let d = p.detail.as_ref()?;
            (d.site_id == "drainer" && !d.recovering.is_empty()).then(|| p.clone())
        })
        .await;
    let recovering = &page.detail.as_ref().unwrap().recovering;
    assert!(recovering.contains("pending"), "{recovering}");
    assert!(recovering.contains("empty in"), "{recovering}");
    browser.screenshot("judgement.png").await;
    feeding.abort();
}

/// With `--prometheus-url`, the detail draws the site's last 24 h from
/// Prometheus (through the API) beside its availability since the assessor
/// started; without it, there is no sparkline section at all.
#[tokio::test]
async fn the_detail_shows_availability_and_a_sparkline_from_prometheus() {
    let central = Central::start().await;
    let simulator = central.simulator(1, healthmon_e2e::INTERVAL).await;
    let site = "sim-00001";
    central.site_becomes(site, "online", PATIENCE).await;
    let prometheus = Prometheus::start(Targets {
        aggregator: central.aggregator.service().metrics_addr,
        assessor: central.assessor.service().metrics_addr,
        collector: simulator.service().metrics_addr,
        dashboard: central.dashboard.service().metrics_addr,
    });
    prometheus
        .wait_value(&format!("healthmon_site_up{{site=\"{site}\"}}"), |v| {
            v == 1.0
        })
        .await;

    let browser = Browser::start().await;
    // The central API has no Prometheus: availability, but no sparkline.
    browser.open(&format!("{}/#site={site}", central.api)).await;
    let detail = browser
        .wait_for("availability without a sparkline", PATIENCE, |p| {
            let d = p.detail.as_ref()?;
            (d.site_id == site && d.availability.contains("online")).then(|| d.clone())
        })
        .await;
    let availability = &detail.availability;
    assert!(availability.contains("100.0 %"), "{availability}");
    assert_eq!((detail.uptime.as_str(), detail.sparkline_points), ("", 0));

    let mut config = dashboard_config(central.nats_config());
    config.prometheus_url = Some(prometheus.url.clone());
    let dashboard = start_dashboard(config).await;
    browser
        .open(&format!(
            "http://{}/#site={site}",
            dashboard.service().http_addr
        ))
        .await;
    let uptime = browser
        .wait_for("the sparkline", PATIENCE, |p| {
            let d = p.detail.as_ref()?;
            (d.sparkline_points > 0).then(|| d.uptime.clone())
        })
        .await;
    assert!(uptime.starts_with("100.0 % online"), "{uptime}");
    browser.screenshot("judgement-sparkline.png").await;
}
