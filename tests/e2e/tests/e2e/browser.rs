//! The fleet page in a real headless Chromium (Debian's chromium and
//! chromedriver, over WebDriver) against the real services and a real
//! nats-server: what an operator sees and does on the page.
//!
//! Sites are real collectors whose data connections are TCP probes of
//! listeners the test opens (connected) or of a closed port (disconnected).
//! Every read of the page also checks that nothing on it reads `null`,
//! `undefined` or `NaN` (see `healthmon_e2e::browser`), in each state these
//! tests drive: loading, live, filtered, empty, detail open, offline,
//! maintenance, labels and grouping, acknowledged, an action refused,
//! reconnecting, API down and aggregator down; and the colour theme, auto
//! and pinned. Labels and maintenance
//! windows are set through the API, as an admin would; acknowledgements
//! and windows also from the page. Screenshots go to
//! `target/test-artifacts/`. Fails, with an install hint, if chromium or
//! chromedriver is missing. Labels and grouping are in `labels`,
//! acknowledgements and maintenance windows in `acks`, open incidents in
//! `incidents`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use healthmon_collector::config::Probe;
use healthmon_common::{CancellationToken, ServiceHandle};
use healthmon_e2e::browser::{Browser, Layout, Page};
use healthmon_e2e::services::{Collector, collector_config, start_collector};
use healthmon_e2e::{Central, INTERVAL, OFFLINE_AFTER};
use healthmon_test_support::fixtures;
use tokio::net::TcpListener;

mod acks;
mod incidents;
mod judgement;
mod labels;

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

/// Waits until the page lists exactly the sites `ids` (sorted).
async fn wait_only(browser: &Browser, what: &str, ids: &[&str]) {
    browser.wait_for(what, PATIENCE, |p| only(p, ids)).await;
}

/// Seconds in an age the page shows (`9s`, `1m 05s`, `2h 13m`); None if it is not one.
fn seconds(age: &str) -> Option<u64> {
    let mut total = 0;
    for part in age.split_whitespace() {
        let unit = part.chars().last()?;
        let n: u64 = part[..part.len() - 1].parse().ok()?;
        total += n * match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
    }
    Some(total)
}

/// The silence a reason counts: `no report for 12s (timeout 0.9s)` → 12.
fn silence(reason: &str) -> Option<f64> {
    let rest = reason.strip_prefix("no report for ")?;
    let said = rest.split(" (").next()?;
    if let Some(plain) = said.strip_suffix('s').filter(|s| !s.contains(' ')) {
        return plain.parse().ok();
    }
    seconds(said).map(|s| s as f64)
}

#[tokio::test]
async fn the_page_lists_filters_and_follows_the_fleet_live() {
    let central = Central::start().await;
    let (up, down) = (endpoint_up().await, endpoint_down());
    let mut a = site_collector(&central, "plant-a", &[("plc-1", up), ("plc-2", down)]).await;
    let mut b = site_collector(&central, "plant-b", &[("scada", up)]).await;
    let mut c = site_collector(&central, "depot-c", &[("scada", up)]).await;
    // Sorted, as `only` compares them.
    let every_site = ["depot-c", "plant-a", "plant-b"];
    for site in every_site {
        central.site_becomes(site, "online", PATIENCE).await;
    }
    let browser = Browser::opened(&format!("{}/", central.api)).await;

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
    wait_only(&browser, "every site again", &every_site).await;

    // So does the search box.
    browser
        .find("#search")
        .await
        .send_keys("plant")
        .await
        .unwrap();
    wait_only(
        &browser,
        "the sites matching \"plant\"",
        &["plant-a", "plant-b"],
    )
    .await;
    browser.click("#clear-filters").await;
    wait_only(
        &browser,
        "every site after clearing the filters",
        &every_site,
    )
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

    // Its health is shown as the last known, not as a current green
    // "healthy"; the detail says so too.
    let row = page.row("plant-b").unwrap();
    assert!(row.health_last_known, "{row:#?}");
    assert!(row.health_text.contains("as of"), "{row:#?}");
    browser
        .wait_for(
            "plant-b's detail: offline, health last known",
            PATIENCE,
            |p| {
                let detail = p.detail.as_ref()?;
                (detail.site_id == "plant-b"
                    && detail
                        .status_text
                        .starts_with("offline healthy last known, as of"))
                .then_some(())
            },
        )
        .await;

    // How long, at a glance: the reason, the time since the last report and
    // the time in this state keep counting, with no reload and no event.
    let then = browser
        .wait_for(
            "plant-b's silence counted in whole seconds",
            PATIENCE,
            |p| {
                let row = p.row("plant-b")?;
                let s = silence(&row.reason).filter(|s| *s >= 1.0)?;
                Some((s, seconds(&row.since)?, seconds(&row.last_report)?))
            },
        )
        .await;
    let now = browser
        .wait_for("plant-b's ages two seconds on", PATIENCE, |p| {
            let row = p.row("plant-b")?;
            let now = (
                silence(&row.reason)?,
                seconds(&row.since)?,
                seconds(&row.last_report)?,
            );
            (now.0 >= then.0 + 2.0 && now.1 >= then.1 + 2 && now.2 >= then.2 + 2).then_some(now)
        })
        .await;
    // The reason's silence is the last report's age, not a frozen figure.
    assert!(
        (now.0 - now.2 as f64).abs() <= 1.0,
        "reason says {}s, last report {}s ago",
        now.0,
        now.2
    );
    let detail = browser.page().await.detail.unwrap();
    assert!(
        detail
            .reasons
            .iter()
            .any(|r| silence(r).is_some_and(|s| s >= now.0 - 1.0)),
        "the detail's reason ticks too: {detail:#?}"
    );

    // The connectivity filter finds it.
    browser
        .click("#filter-connectivity input[value=offline]")
        .await;
    wait_only(&browser, "only the offline site", &["plant-b"]).await;

    // Worst first: among offline sites the last known health ranks first
    // (plant-a was degraded), then the longest silence (plant-b before
    // depot-c, which stopped later).
    c.stop().await;
    browser
        .wait_for("depot-c offline after plant-b", PATIENCE, |p| {
            (p.site_ids() == ["plant-b", "depot-c"]).then_some(())
        })
        .await;
    a.stop().await;
    browser
        .wait_for("plant-a (offline, degraded) first", PATIENCE, |p| {
            (p.site_ids() == ["plant-a", "plant-b", "depot-c"]).then_some(())
        })
        .await;
    browser
        .click("#filter-connectivity input[value=offline]")
        .await;

    // An admin puts plant-b in maintenance: the page says so, and counts it
    // apart (this harness runs the API without auth, as the demo does).
    central.api.set_maintenance("plant-b", None).await;
    browser
        .wait_for("plant-b shown in maintenance, and last", PATIENCE, |p| {
            let row = p.row("plant-b")?;
            (row.maintenance
                && p.counts.maintenance == "1"
                && p.site_ids() == ["plant-a", "depot-c", "plant-b"])
            .then_some(())
        })
        .await;

    // A search that matches nothing says so.
    browser
        .find("#search")
        .await
        .send_keys("no-such-site")
        .await
        .unwrap();
    browser
        .wait_for("the empty result explained", PATIENCE, |p| {
            (p.rows.is_empty() && p.empty.as_deref() == Some("No site matches these filters."))
                .then_some(())
        })
        .await;

    browser.close().await;
}

#[tokio::test]
async fn the_page_reconnects_when_the_dashboard_api_comes_back() {
    let mut central = Central::start().await;
    let mut collector = central.collector("plant-r", INTERVAL).await;
    central.site_becomes("plant-r", "online", PATIENCE).await;
    let browser = Browser::opened(&format!("{}/", central.api)).await;
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
    // The operator is told, and the old figures are greyed, still shown.
    let page = browser
        .wait_for("the API-down banner", PATIENCE, |p| {
            let banner = p.banner.as_ref()?;
            (banner.kind == "api" && p.stale).then(|| p.clone())
        })
        .await;
    let banner = page.banner.as_ref().unwrap();
    assert!(
        banner.text.contains("Cannot reach the dashboard API")
            && banner.text.contains("not current"),
        "{banner:#?}"
    );
    assert_eq!(page.row("plant-r").unwrap().connectivity, "online");

    // A new dashboard API on the same port: the page finds it by itself.
    let token = CancellationToken::new();
    let config = healthmon_dashboard_api::Config {
        nats: central.nats_config(),
        http_addr: addr,
        aggregator_timeout: Duration::from_secs(2),
        auth: healthmon_dashboard_api::auth::AuthMode::Disabled,
        partitions: 1,
        registry: Default::default(),
        prometheus_url: None,
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
            "the live status back to live, the banner gone",
            Duration::from_secs(20),
            |p| {
                (p.live == "live" && p.live_text == "live" && p.banner.is_none() && !p.stale)
                    .then_some(())
            },
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

/// What must hold at every width: nothing scrolls sideways, and every row's
/// site id (whole), status, health and "since" are on screen, with the
/// reason of a row that has one readable beside them.
fn assert_readable(layout: &Layout, with_reason: &[&str]) {
    let width = layout.width;
    assert!(
        layout.page_width <= width + 0.5,
        "the page scrolls sideways at {width}px: {layout:#?}"
    );
    for row in &layout.rows {
        let id = &row.site_id;
        assert!(
            row.site.within(width) && !row.site.clipped,
            "{id}'s site id at {width}px: {row:#?}"
        );
        for (what, rect) in [
            ("connectivity", row.connectivity),
            ("health", row.health),
            ("since", row.since),
        ] {
            assert!(rect.within(width), "{id}'s {what} at {width}px: {row:#?}");
        }
        if with_reason.contains(&id.as_str()) {
            assert!(
                row.reason.within(width) && row.reason.width >= 120.0 && row.reason_text.shown,
                "{id}'s reason at {width}px: {row:#?}"
            );
        }
    }
}

#[tokio::test]
async fn site_status_and_reason_stay_visible_from_phone_to_desktop() {
    let central = Central::start().await;
    let (up, down) = (endpoint_up().await, endpoint_down());
    let _north = site_collector(&central, "plant-north-7", &[("plc-1", up), ("plc-2", down)]).await;
    let mut quiet = site_collector(&central, "depot-c", &[("scada", up)]).await;
    let _fleet = central.simulator(6, INTERVAL).await;
    central.api.wait_summary("online", 8, PATIENCE).await;
    quiet.stop().await;
    central.site_becomes("depot-c", "offline", PATIENCE).await;

    let browser = Browser::opened(&format!("{}/", central.api)).await;
    // The first read, while the page may still be loading, is checked too.
    browser.page().await;
    browser
        .wait_for("eight sites, live", PATIENCE, |p| {
            (p.rows.len() == 8 && p.live == "live" && p.row("depot-c")?.connectivity == "offline")
                .then_some(())
        })
        .await;
    let with_reason = ["depot-c", "plant-north-7"];
    for (width, height) in [(1400, 850), (768, 1024), (360, 740)] {
        browser.set_viewport(width, height).await;
        let layout = eventually_layout(&browser, width).await;
        assert_readable(&layout, &with_reason);
        let hidden: Vec<&str> = layout.hidden_columns.iter().map(String::as_str).collect();
        match width {
            // Every column on a desktop.
            1400 => assert!(!layout.cards && hidden.is_empty(), "{layout:#?}"),
            // A tablet gives up the error rates, buffers, node and
            // connections (the detail has them), keeps the last report.
            768 => assert!(
                !layout.cards
                    && hidden.contains(&"sf_buffer")
                    && hidden.contains(&"active_node")
                    && !hidden.contains(&"last_report"),
                "{layout:#?}"
            ),
            // A phone shows one card per site.
            _ => assert!(layout.cards, "{layout:#?}"),
        }
        browser.page().await;
        let shot = browser.screenshot(&format!("dashboard-{width}.png")).await;
        println!("screenshot: {}", shot.display());
    }

    // On a phone the detail takes the screen, with its close button usable
    // and the site's reason readable.
    browser.row("depot-c").await.click().await.unwrap();
    browser
        .wait_for("depot-c's detail with its reason", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (detail.site_id == "depot-c" && detail.reasons.iter().any(|r| silence(r).is_some()))
                .then_some(())
        })
        .await;
    let layout = browser.layout().await;
    let panel = layout.detail.expect("the detail panel is open");
    assert!(
        panel.within(layout.width) && panel.width >= layout.width - 1.0 && layout.close_on_top,
        "{layout:#?}"
    );
    browser.screenshot("dashboard-360-detail.png").await;
    browser.close().await;
}

/// The layout once the window has taken `width`.
async fn eventually_layout(browser: &Browser, width: u32) -> Layout {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let layout = browser.layout().await;
        if layout.inner_width == f64::from(width) {
            return layout;
        }
        assert!(
            Instant::now() < deadline,
            "the window did not take {width}px: {layout:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_banner_says_when_the_aggregator_is_down_and_figures_grey_until_it_returns() {
    let mut central = Central::start().await;
    let _site = central.collector("plant-s", INTERVAL).await;
    central.site_becomes("plant-s", "online", PATIENCE).await;
    let browser = Browser::start().await;
    // A phone, where a banner is easiest to miss; with the detail open on top.
    browser.set_viewport(360, 740).await;
    browser
        .open(&format!("{}/#site=plant-s", central.api))
        .await;
    browser
        .wait_for("plant-s online and its detail, no banner", PATIENCE, |p| {
            (p.live == "live"
                && p.row("plant-s")?.connectivity == "online"
                && p.detail.as_ref()?.site_id == "plant-s"
                && p.banner.is_none()
                && !p.stale)
                .then_some(())
        })
        .await;

    central.aggregator.stop().await;
    let stopped = Instant::now();
    let page = browser
        .wait_for("the aggregator banner", Duration::from_secs(15), |p| {
            let banner = p.banner.as_ref()?;
            (banner.kind == "aggregator" && p.stale).then(|| p.clone())
        })
        .await;
    println!(
        "banner {:?} after the aggregator stopped",
        stopped.elapsed()
    );
    let banner = page.banner.as_ref().unwrap();
    assert!(
        banner
            .text
            .starts_with("! The aggregator is not answering.")
            && banner.text.contains("503 upstream_unavailable")
            && banner.text.contains("not current"),
        "{banner:#?}"
    );
    // The last figures stay on the page, greyed, rather than vanish.
    assert_eq!(page.counts.total, "1");
    assert_eq!(page.row("plant-s").unwrap().connectivity, "online");

    // Nothing covers the banner, and the panel's close button stays usable,
    // also with the page scrolled.
    browser.scroll_to(2000).await;
    let layout = browser.layout().await;
    let rect = layout.banner.expect("the banner is shown");
    assert!(
        rect.within(layout.width)
            && rect.top >= -0.5
            && rect.bottom <= layout.height
            && layout.banner_on_top
            && layout.close_on_top,
        "{layout:#?}"
    );
    let shot = browser
        .screenshot("dashboard-aggregator-down-360.png")
        .await;
    println!("screenshot: {}", shot.display());

    central.restart_aggregator().await;
    browser
        .wait_for("the banner gone and the figures current", PATIENCE, |p| {
            (p.banner.is_none() && !p.stale && p.row("plant-s")?.connectivity == "online")
                .then_some(())
        })
        .await;
    browser.close().await;
}

/// The page's palette in each theme: `--bg`, and a degraded badge's tint
/// (`--degraded` at `--tint`), as `(r, g, b, alpha)`.
const DARK: (&str, [f64; 4]) = ("rgb(13, 17, 23)", [216.0, 166.0, 38.0, 0.16]);
const LIGHT: (&str, [f64; 4]) = ("rgb(244, 246, 249)", [154.0, 103.0, 0.0, 0.12]);

/// A computed colour (`rgb(…)`, `rgba(…)` or `color(srgb … / a)`) as
/// `(r, g, b, alpha)` with r, g, b in 0–255; None if it is none of those.
fn rgba(css: &str) -> Option<[f64; 4]> {
    let (srgb, inner) = if let Some(rest) = css.strip_prefix("color(srgb ") {
        (true, rest.strip_suffix(')')?)
    } else {
        let rest = css
            .strip_prefix("rgba(")
            .or_else(|| css.strip_prefix("rgb("))?;
        (false, rest.strip_suffix(')')?)
    };
    let parts: Vec<f64> = inner
        .split([',', ' ', '/'])
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let scale = if srgb { 255.0 } else { 1.0 };
    match parts[..] {
        [r, g, b] => Some([r * scale, g * scale, b * scale, 1.0]),
        [r, g, b, a] => Some([r * scale, g * scale, b * scale, a]),
        _ => None,
    }
}

/// Clicks the theme toggle and waits until it says `theme`.
async fn toggle_theme_to(browser: &Browser, theme: &str) {
    browser.click("#theme-toggle").await;
    let want = format!("theme: {theme}");
    healthmon_test_support::eventually(&want, PATIENCE, || async {
        let text = browser.find("#theme-toggle").await.text().await.ok()?;
        (text == want).then_some(())
    })
    .await;
}

/// Asserts the page is drawn in `palette` (`theme` names it in failures):
/// the page's background, and a degraded badge's tint.
async fn assert_palette(browser: &Browser, theme: &str, palette: (&str, [f64; 4])) {
    let (bg, tint) = palette;
    let body = browser.computed_style("body", "background-color").await;
    assert_eq!(body, bg, "the page's background in the {theme} theme");
    let badge = browser
        .computed_style(
            "#site-rows tr[data-site-id=\"plant-t\"] [data-col=health] .badge[data-status=degraded]",
            "background-color",
        )
        .await;
    let got = rgba(&badge).unwrap_or_else(|| panic!("a colour: {badge}"));
    let close = got
        .iter()
        .zip(tint)
        .enumerate()
        .all(|(i, (g, w))| (g - w).abs() <= if i == 3 { 0.005 } else { 0.6 });
    assert!(
        close,
        "the degraded badge's tint in the {theme} theme: {badge}, want {tint:?}"
    );
}

#[tokio::test]
async fn the_theme_toggle_pins_dark_or_light_and_auto_follows_the_system() {
    let central = Central::start().await;
    // One report of the full fixture: online and degraded (its historian is
    // down) for longer than the test takes.
    let mut report = fixtures::full("plant-t");
    report.sent_at_ms = healthmon_common::clock::now_ms();
    let nats = central.nats.client().await;
    let payload = healthmon_proto::encode(&report).into();
    let subject = healthmon_proto::Subjects::default().report("plant-t");
    nats.publish(subject, payload).await.unwrap();
    nats.flush().await.unwrap();
    let browser = Browser::opened(&format!("{}/", central.api)).await;
    browser
        .wait_for("plant-t degraded, live", PATIENCE, |p| {
            (p.live == "live" && p.row("plant-t")?.health == "degraded").then_some(())
        })
        .await;

    // A fresh profile follows the system, which headless Chromium reports
    // as light: so the page is light.
    let toggle = browser.find("#theme-toggle").await.text().await.unwrap();
    assert_eq!(toggle, "theme: auto");
    let system_light = browser
        .client
        .execute(
            "return matchMedia('(prefers-color-scheme: light)').matches;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        system_light,
        serde_json::json!(true),
        "headless Chromium reports prefers-color-scheme: light (what the auto check expects)"
    );
    assert_palette(&browser, "auto (system light)", LIGHT).await;

    // Pinned dark wins over the system's light.
    toggle_theme_to(&browser, "dark").await;
    assert_palette(&browser, "pinned dark", DARK).await;
    let shot = browser.screenshot("dashboard-theme-dark.png").await;
    println!("screenshot: {}", shot.display());

    toggle_theme_to(&browser, "light").await;
    assert_palette(&browser, "pinned light", LIGHT).await;
    let shot = browser.screenshot("dashboard-theme-light.png").await;
    println!("screenshot: {}", shot.display());

    // Back to following the system.
    toggle_theme_to(&browser, "auto").await;
    assert_palette(&browser, "auto again (system light)", LIGHT).await;
    browser.close().await;
}

/// Makes the README's screenshots (`docs/dashboard.png` and, at phone
/// width, `docs/dashboard-phone.png`) of a running system; not part of the
/// suite. Start the demo (`scripts/up.sh`, 50 sites every
/// 5 s; `SIM_FAULT_RATE=0.05` for more to see), wait until a few sites
/// misbehave, some of them silent (late or offline), then:
///
/// ```sh
/// HEALTHMON_URL=http://127.0.0.1:8080/ SCREENSHOT_OUT=$PWD/docs/dashboard.png \
///   cargo nextest run -p healthmon-e2e --run-ignored only -E 'test(readme_screenshot)'
/// ```
#[tokio::test]
#[ignore = "needs a running system: HEALTHMON_URL"]
async fn readme_screenshot() {
    let url = std::env::var("HEALTHMON_URL").expect("HEALTHMON_URL: the dashboard's URL");
    let out = std::env::var_os("SCREENSHOT_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| healthmon_e2e::browser::artifacts_dir().join("readme-dashboard.png"));
    let browser = Browser::opened(&url).await;
    browser.click("#theme-toggle").await; // auto → dark
    let page = browser
        .wait_for("a live fleet", PATIENCE, |p| {
            (p.live == "live" && p.rows.len() >= 10).then(|| p.clone())
        })
        .await;
    // A silent site shows its last known health and a ticking silence; else
    // an online site with a connection down shows the most in its detail.
    // (One that has reported: the roster's never-reported sites have no
    // detail to show.)
    let silent = page
        .rows
        .iter()
        .find(|r| (r.connectivity == "offline" || r.connectivity == "late") && r.health_last_known);
    let unwell = |health: &str| {
        page.rows
            .iter()
            .find(|r| r.connectivity == "online" && r.health == health)
    };
    let site = silent
        .or_else(|| unwell("degraded"))
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
    // Let a live change that just patched a row settle into its place.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let png = browser.client.screenshot().await.expect("a screenshot");
    std::fs::write(&out, png).expect("write the screenshot");
    println!("screenshot: {}", out.display());

    // And the phone's view of the list, beside it (`<name>-phone.png`).
    browser.click("#detail-close").await;
    browser.set_viewport(360, 740).await;
    browser
        .wait_for("the list as cards", PATIENCE, |p| {
            p.detail.is_none().then_some(())
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let phone = out.with_file_name(format!(
        "{}-phone.png",
        out.file_stem().unwrap_or_default().to_string_lossy()
    ));
    let png = browser.client.screenshot().await.expect("a screenshot");
    std::fs::write(&phone, png).expect("write the phone screenshot");
    println!("screenshot: {}", phone.display());
    browser.close().await;
}
