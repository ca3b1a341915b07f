//! The fleet page in a real headless Chromium (Debian's chromium and
//! chromedriver, over WebDriver) against the real services and a real
//! nats-server: what an operator sees and does on the page.
//!
//! Sites are real collectors whose data connections are TCP probes of
//! listeners the test opens (connected) or of a closed port (disconnected).
//! Fails, with an install hint, if chromium or chromedriver is missing.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use healthmon_collector::config::Probe;
use healthmon_common::{CancellationToken, ServiceHandle};
use healthmon_e2e::browser::{Browser, Page};
use healthmon_e2e::services::{Collector, collector_config, start_collector};
use healthmon_e2e::{Central, INTERVAL, OFFLINE_AFTER};
use tokio::net::TcpListener;

const PATIENCE: Duration = Duration::from_secs(10);
/// From the last report to "offline" on the page: the assessor's timeout,
/// plus the event's way through NATS, the SSE stream and the DOM. The page's
/// periodic refresh (5 s) alone would be too slow for this.
const OFFLINE_ON_PAGE_WITHIN: Duration = Duration::from_millis(2_900);

/// A loopback TCP endpoint that accepts (and drops) connections: a data
/// connection that is up.
async fn endpoint_up() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { while listener.accept().await.is_ok() {} });
    addr
}

/// A loopback port nobody listens on: a data connection that is down.
fn endpoint_down() -> SocketAddr {
    let port = healthmon_test_support::free_port().unwrap();
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A real collector for `site` whose connections are TCP probes of `probes`;
/// host resources are off so the machine running the test cannot change a
/// site's health.
async fn site_collector(central: &Central, site: &str, probes: &[(&str, SocketAddr)]) -> Collector {
    let mut config = collector_config(central.nats_config(), site, INTERVAL);
    config.sources.host.enabled = false;
    config.sources.probe = probes
        .iter()
        .map(|(name, addr)| Probe {
            name: (*name).into(),
            address: addr.to_string(),
            timeout: Duration::from_millis(200),
        })
        .collect();
    start_collector(config).await
}

fn only(page: &Page, ids: &[&str]) -> Option<()> {
    let mut shown = page.site_ids();
    shown.sort_unstable();
    (shown == ids).then_some(())
}

#[tokio::test]
async fn the_page_lists_filters_and_follows_the_fleet_live() {
    let central = Central::start().await;
    let (up, down) = (endpoint_up().await, endpoint_down());
    let _a = site_collector(&central, "plant-a", &[("plc-1", up), ("plc-2", down)]).await;
    let mut b = site_collector(&central, "plant-b", &[("scada", up)]).await;
    let _c = site_collector(&central, "depot-c", &[("scada", up)]).await;
    for site in ["plant-a", "plant-b", "depot-c"] {
        central
            .api
            .wait_connectivity(site, "online", PATIENCE)
            .await;
    }
    let browser = Browser::start().await;
    browser.open(&format!("{}/", central.api)).await;

    // The page lists the sites, worst first, with the fleet's counters.
    let page = browser
        .wait_for("three online sites, one degraded", PATIENCE, |p| {
            (p.rows.len() == 3
                && p.counts.total == "3"
                && p.counts.online == "3"
                && p.counts.degraded == "1"
                && p.counts.healthy == "2"
                && p.row("plant-a")?.health == "degraded"
                && p.live == "live")
                .then(|| p.clone())
        })
        .await;
    assert_eq!(page.rows[0].site_id, "plant-a", "worst first: {page:#?}");
    assert!(
        page.rows.iter().all(|r| r.connectivity_text == "online"),
        "{page:#?}"
    );
    assert_eq!(page.live_text, "live");

    // The health filter narrows the list, and the URL keeps the view.
    browser.click("#filter-health input[value=degraded]").await;
    let page = browser
        .wait_for("only the degraded site", PATIENCE, |p| {
            only(p, &["plant-a"]).map(|()| p.clone())
        })
        .await;
    assert!(page.hash.contains("health=degraded"), "{}", page.hash);
    browser.click("#filter-health input[value=degraded]").await;
    browser
        .wait_for("every site again", PATIENCE, |p| {
            only(p, &["depot-c", "plant-a", "plant-b"])
        })
        .await;

    // So does the search box.
    browser
        .find("#search")
        .await
        .send_keys("plant")
        .await
        .unwrap();
    browser
        .wait_for("the sites matching \"plant\"", PATIENCE, |p| {
            only(p, &["plant-a", "plant-b"])
        })
        .await;
    browser.click("#clear-filters").await;
    browser
        .wait_for("every site after clearing the filters", PATIENCE, |p| {
            only(p, &["depot-c", "plant-a", "plant-b"])
        })
        .await;

    // Enter on a row opens its detail with its data connections.
    browser
        .row("plant-a")
        .await
        .send_keys(&fantoccini::key::Key::Enter)
        .await
        .unwrap();
    let page = browser
        .wait_for("plant-a's connections in the detail", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (detail.site_id == "plant-a" && detail.connections.len() == 2).then(|| p.clone())
        })
        .await;
    let detail = page.detail.as_ref().unwrap();
    assert_eq!(
        detail.connections,
        [("plc-2".to_string(), false), ("plc-1".to_string(), true)],
        "disconnected first"
    );
    assert!(page.hash.contains("site=plant-a"), "{}", page.hash);

    // A click on another row shows that site instead.
    browser.row("plant-b").await.click().await.unwrap();
    browser
        .wait_for("plant-b's connection in the detail", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (detail.site_id == "plant-b" && detail.connections == [("scada".into(), true)])
                .then_some(())
        })
        .await;

    // A site that stops reporting turns offline on the page, without a
    // reload, within its timeout.
    browser.mark_page("not reloaded").await;
    b.stop().await;
    let stopped = Instant::now();
    browser
        .wait_for("plant-b offline", PATIENCE, |p| {
            let row = p.row("plant-b")?;
            (row.connectivity == "offline"
                && row.connectivity_text == "offline"
                && p.counts.offline == "1")
                .then_some(())
        })
        .await;
    let waited = stopped.elapsed();
    println!("plant-b offline on the page {waited:?} after its collector stopped");
    assert!(
        waited <= OFFLINE_ON_PAGE_WITHIN,
        "offline on the page after {waited:?} (timeout {OFFLINE_AFTER:?})"
    );
    let page = browser.page().await;
    assert_eq!(page.marker.as_deref(), Some("not reloaded"));
    assert_eq!(page.rows[0].site_id, "plant-b", "offline sorts first");
    let shot = browser.screenshot("dashboard.png").await;
    println!("screenshot: {}", shot.display());

    // The connectivity filter finds it.
    browser
        .click("#filter-connectivity input[value=offline]")
        .await;
    browser
        .wait_for("only the offline site", PATIENCE, |p| only(p, &["plant-b"]))
        .await;

    // An admin puts plant-b in maintenance: the page says so, and counts it
    // apart (this harness runs the API without auth, as the demo does).
    let response = reqwest::Client::new()
        .put(format!("{}/api/v1/sites/plant-b/maintenance", central.api))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    browser
        .wait_for("plant-b shown in maintenance", PATIENCE, |p| {
            let row = p.row("plant-b")?;
            (row.maintenance && p.counts.maintenance == "1").then_some(())
        })
        .await;

    browser.close().await;
}

#[tokio::test]
async fn the_page_reconnects_when_the_dashboard_api_comes_back() {
    let mut central = Central::start().await;
    let mut collector = central.collector("plant-r", INTERVAL).await;
    central
        .api
        .wait_connectivity("plant-r", "online", PATIENCE)
        .await;
    let browser = Browser::start().await;
    browser.open(&format!("{}/", central.api)).await;
    browser
        .wait_for("plant-r online, live", PATIENCE, |p| {
            (p.live == "live" && p.row("plant-r")?.connectivity == "online").then_some(())
        })
        .await;
    browser.mark_page("not reloaded").await;

    let addr: SocketAddr = central
        .api
        .base
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    central.dashboard.stop().await;
    browser
        .wait_for("the live status reconnecting", PATIENCE, |p| {
            (p.live == "reconnecting" && p.live_text == "reconnecting").then_some(())
        })
        .await;

    // A new dashboard API on the same port: the page finds it by itself.
    let token = CancellationToken::new();
    let config = healthmon_dashboard_api::Config {
        nats: central.nats_config(),
        http_addr: addr,
        aggregator_timeout: Duration::from_secs(2),
        auth: healthmon_dashboard_api::auth::AuthMode::Disabled,
        partitions: 1,
    };
    let dashboard = healthmon_test_support::eventually(
        &format!("a new dashboard API bound to {addr}"),
        PATIENCE,
        || {
            let (config, token) = (config.clone(), token.clone());
            async move { healthmon_dashboard_api::start(config, token).await.ok() }
        },
    )
    .await;
    let restarted = Instant::now();
    browser
        .wait_for(
            "the live status back to live",
            Duration::from_secs(20),
            |p| (p.live == "live" && p.live_text == "live").then_some(()),
        )
        .await;

    println!(
        "live again {:?} after the new API started",
        restarted.elapsed()
    );

    // And the new stream carries events: the site goes offline on the page.
    collector.stop().await;
    browser
        .wait_for("plant-r offline through the new API", PATIENCE, |p| {
            (p.row("plant-r")?.connectivity == "offline" && p.counts.offline == "1").then_some(())
        })
        .await;
    assert_eq!(browser.page().await.marker.as_deref(), Some("not reloaded"));

    browser.close().await;
    token.cancel();
    dashboard.wait().await.expect("clean shutdown");
}

/// Makes the README's screenshot (`docs/dashboard.png`) of a running system;
/// not part of the suite. Start the real binaries as `scripts/up.sh` does
/// (e.g. `--simulate 60 --interval 5s --fault-rate 0.05`), wait ~40 s for
/// some sites to misbehave, then:
///
/// ```sh
/// HEALTHMON_URL=http://127.0.0.1:8080/ SCREENSHOT_OUT=$PWD/docs/dashboard.png \
///   cargo nextest run -p healthmon-e2e --test browser --run-ignored only readme_screenshot
/// ```
#[tokio::test]
#[ignore = "needs a running system: HEALTHMON_URL"]
async fn readme_screenshot() {
    let url = std::env::var("HEALTHMON_URL").expect("HEALTHMON_URL: the dashboard's URL");
    let out = std::env::var_os("SCREENSHOT_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| healthmon_e2e::browser::artifacts_dir().join("readme-dashboard.png"));
    let browser = Browser::start().await;
    browser.open(&url).await;
    browser.click("#theme-toggle").await; // auto → dark
    let page = browser
        .wait_for("a live fleet", PATIENCE, |p| {
            (p.live == "live" && p.rows.len() >= 10).then(|| p.clone())
        })
        .await;
    // An online site with a connection down shows the most in its detail.
    let unwell = |health: &str| {
        page.rows
            .iter()
            .find(|r| r.connectivity == "online" && r.health == health)
    };
    let site = unwell("degraded")
        .or_else(|| unwell("critical"))
        .unwrap_or(&page.rows[0])
        .site_id
        .clone();
    browser.row(&site).await.click().await.unwrap();
    browser
        .wait_for("the site's detail", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (detail.site_id == site && !detail.connections.is_empty()).then_some(())
        })
        .await;
    let png = browser.client.screenshot().await.expect("a screenshot");
    std::fs::write(&out, png).expect("write the screenshot");
    println!("screenshot: {}", out.display());
    browser.close().await;
}
