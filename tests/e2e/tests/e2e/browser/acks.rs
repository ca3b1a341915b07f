//! Issue 13's acknowledgements and issue 12's maintenance windows on the
//! page, in Chromium: acknowledging with a note and withdrawing from the
//! detail (the row moves within its rank, the filter finds it), a window's
//! reason, author and time left ticking, an open-ended window started and
//! ended from the page, and a viewer who tries an admin action reading the
//! API's refusal where they tried it.

use healthmon_dashboard_api::auth::{AuthMode, TokenTable};
use healthmon_e2e::browser::Browser;
use healthmon_e2e::{Central, Options};
use serde_json::json;

use super::{PATIENCE, endpoint_down, endpoint_up, only, seconds, site_collector, wait_only};

/// The remaining time of a window as the detail says it (`ends in 59m 58s`), in seconds.
fn ends_in(section: &str) -> Option<u64> {
    let rest = section.split("ends in ").nth(1)?;
    let mut words = rest.split_whitespace();
    let first = words.next()?;
    match words.next() {
        Some(second) if seconds(second).is_some() => seconds(&format!("{first} {second}")),
        _ => seconds(first),
    }
}

/// Issue 13's acknowledgement and issue 12's maintenance windows, on the
/// page: acknowledging a problem with a note moves its row below the
/// unacknowledged problems of its rank, the detail says who, when and why,
/// the filter finds it, and withdrawing moves it back; a window shows its
/// reason, who set it and the time left, ticking, or "open-ended"; an admin
/// starts and ends one from the page.
#[tokio::test]
async fn acknowledging_from_the_page_moves_the_row_below_its_rank_and_windows_show_their_time() {
    let central = Central::start().await;
    let (up, down) = (endpoint_up().await, endpoint_down());
    // Two degraded sites of one rank, site-a's problem the older.
    let _a = site_collector(&central, "site-a", &[("plc-1", down)]).await;
    central
        .api
        .wait_health("site-a", "degraded", PATIENCE)
        .await;
    let _b = site_collector(&central, "site-b", &[("plc-1", down)]).await;
    central
        .api
        .wait_health("site-b", "degraded", PATIENCE)
        .await;
    let _c = site_collector(&central, "site-c", &[("plc-1", up)]).await;
    central.api.wait_health("site-c", "healthy", PATIENCE).await;

    let browser = Browser::opened(&format!("{}/#site=site-a", central.api)).await;
    browser
        .wait_for("the oldest problem first, its detail open", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (p.site_ids() == ["site-a", "site-b", "site-c"]
                && p.live == "live"
                && detail.site_id == "site-a"
                && detail.ack.contains("Nobody has acknowledged"))
            .then_some(())
        })
        .await;

    browser
        .type_into("#ack-note", "technician on the way", false)
        .await;
    browser.click("#ack-submit").await;
    let page = browser
        .wait_for("site-a acknowledged, below site-b", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (p.site_ids() == ["site-b", "site-a", "site-c"]
                && p.row("site-a")?.acknowledged
                && !p.row("site-b")?.acknowledged
                && detail.ack.contains("technician on the way"))
            .then(|| p.clone())
        })
        .await;
    let detail = page.detail.as_ref().unwrap();
    // Who (the demo's unauthenticated admin) and when.
    assert!(
        detail.ack.contains("by anonymous") && detail.ack.contains(" ago"),
        "{detail:#?}"
    );
    assert!(detail.status_text.contains("acknowledged"), "{detail:#?}");
    let shot = browser.screenshot("dashboard-acknowledged.png").await;
    println!("screenshot: {}", shot.display());

    // The acknowledged filter, both ways, kept in the fragment.
    browser.select("#filter-ack", "true").await;
    let page = browser
        .wait_for("only the acknowledged site", PATIENCE, |p| {
            only(p, &["site-a"]).map(|()| p.clone())
        })
        .await;
    assert!(page.hash.contains("ack=true"), "{}", page.hash);
    browser.select("#filter-ack", "false").await;
    wait_only(&browser, "the others", &["site-b", "site-c"]).await;
    browser.select("#filter-ack", "").await;

    // Withdrawn: back above site-b, where its age puts it.
    browser.click("#ack-withdraw").await;
    browser
        .wait_for("site-a back first, unacknowledged", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (p.site_ids() == ["site-a", "site-b", "site-c"]
                && !p.row("site-a")?.acknowledged
                && detail.ack.contains("Nobody has acknowledged"))
            .then_some(())
        })
        .await;

    // A window set through the API, with a reason and an end an hour away:
    // its row is marked (and last), its detail counts the time down.
    let until = healthmon_common::clock::now_ms() + 3_600_000;
    central
        .api
        .set_maintenance(
            "site-b",
            Some(json!({ "until_ms": until, "reason": "firmware upgrade" })),
        )
        .await;
    browser.row("site-b").await.click().await.unwrap();
    let left = browser
        .wait_for("site-b's window in its detail", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            let row = p.row("site-b")?;
            (detail.site_id == "site-b"
                && row.maintenance
                && p.site_ids().last() == Some(&"site-b")
                && detail.maintenance.contains("firmware upgrade")
                && detail.maintenance.contains("set by anonymous"))
            .then(|| ends_in(&detail.maintenance))
            .flatten()
        })
        .await;
    assert!((3_500..=3_600).contains(&left), "{left}s left");
    browser
        .wait_for("the time left ticking down", PATIENCE, |p| {
            let now = ends_in(&p.detail.as_ref()?.maintenance)?;
            (now + 2 <= left).then_some(())
        })
        .await;
    let shot = browser.screenshot("dashboard-maintenance.png").await;
    println!("screenshot: {}", shot.display());

    // An open-ended window started from the page, then ended from it.
    browser.row("site-a").await.click().await.unwrap();
    browser
        .wait_for("site-a's detail, not in maintenance", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (detail.site_id == "site-a" && detail.maintenance.contains("Not in maintenance"))
                .then_some(())
        })
        .await;
    browser.click("#site-detail details.admin summary").await;
    browser.select("#maintenance-duration", "0").await;
    browser
        .type_into("#maintenance-reason", "replacing the PLC", false)
        .await;
    browser.click("#maintenance-start").await;
    browser
        .wait_for("site-a in open-ended maintenance", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (p.row("site-a")?.maintenance
                && detail.maintenance.contains("open-ended")
                && detail.maintenance.contains("replacing the PLC"))
            .then_some(())
        })
        .await;
    browser.click("#maintenance-end").await;
    browser
        .wait_for("site-a out of maintenance", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (!p.row("site-a")?.maintenance && detail.maintenance.contains("Not in maintenance"))
                .then_some(())
        })
        .await;
    browser.close().await;
}

/// The page has no notion of roles: a viewer may try an admin action, and
/// reads the API's refusal where they tried it.
#[tokio::test]
async fn a_viewer_who_tries_to_acknowledge_reads_why_not() {
    const VIEWER: &str = "viewer-token-0123456789abcdef0123456789";
    let tokens = TokenTable::parse(&format!("viewer vera {VIEWER}\n")).unwrap();
    let options = Options::default().dashboard(move |config| {
        config.auth = AuthMode::Tokens(tokens.clone());
    });
    let central = Central::start_with(options).await;
    let down = endpoint_down();
    let _site = site_collector(&central, "site-v", &[("plc-1", down)]).await;
    central
        .api
        .clone()
        .with_token(VIEWER)
        .wait_health("site-v", "degraded", PATIENCE)
        .await;

    let browser = Browser::start().await;
    // The token first (as the page's prompt would keep it), then the page.
    browser
        .open(&format!("{}/ui/favicon.svg", central.api))
        .await;
    browser.set_token(VIEWER).await;
    browser.open(&format!("{}/#site=site-v", central.api)).await;
    browser
        .wait_for("site-v's detail", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (detail.site_id == "site-v" && detail.ack.contains("Nobody")).then_some(())
        })
        .await;
    browser.type_into("#ack-note", "looking", false).await;
    browser.click("#ack-submit").await;
    let page = browser
        .wait_for("the refusal, said where it was tried", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            detail
                .messages
                .iter()
                .any(|m| m.starts_with("Only an admin can acknowledge."))
                .then(|| p.clone())
        })
        .await;
    let detail = page.detail.as_ref().unwrap();
    assert!(
        detail
            .messages
            .iter()
            .any(|m| m.contains("needs the admin role; role viewer may only read")),
        "{detail:#?}"
    );
    assert!(!page.row("site-v").unwrap().acknowledged);
    // Not a connection problem: no banner.
    assert!(page.banner.is_none(), "{page:#?}");
    browser.close().await;
}
