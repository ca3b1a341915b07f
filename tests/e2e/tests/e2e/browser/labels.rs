//! Issue 12 on the page, in Chromium: label filters (from the field, a
//! chip, a summary tile or the detail), the summary grouped by a label key,
//! labels in the detail and the row's tooltip, all kept in the URL
//! fragment. Labels are set through the API, as an admin would.

use healthmon_e2e::Central;
use healthmon_e2e::browser::Browser;
use healthmon_test_support::eventually;
use serde_json::json;

use super::{PATIENCE, endpoint_down, endpoint_up, only, site_collector};

/// Sets a site's labels through the API, as an admin would.
async fn label(central: &Central, site: &str, labels: serde_json::Value) {
    central
        .api
        .put_ok(
            &format!("/api/v1/sites/{site}/labels"),
            Some(json!({ "labels": labels })),
        )
        .await;
}

/// Waits until the API lists `n` sites for a list query (the registry's
/// change has reached the aggregator).
async fn wait_listed(central: &Central, query: &str, n: u64) {
    eventually(
        &format!("{n} sites listed for {query}"),
        PATIENCE,
        || async move {
            let (status, page) = central.api.get(&format!("/api/v1/sites?{query}")).await;
            (status == 200 && page["total"] == n).then_some(())
        },
    )
    .await;
}

/// Issue 12 on the page: a label filter (several, all must match), the
/// summary grouped by a label key (a tile per value, worst first, each
/// filtering the table), labels in the detail panel, and all of it in the
/// URL fragment, from the controls and from a shared link.
#[tokio::test]
async fn labels_filter_the_page_and_group_its_summary_from_controls_and_from_a_link() {
    let central = Central::start().await;
    let (up, down) = (endpoint_up().await, endpoint_down());
    let _eu1 = site_collector(&central, "eu-1", &[("plc-1", up), ("plc-2", down)]).await;
    let _eu2 = site_collector(&central, "eu-2", &[("plc-1", up)]).await;
    let _us1 = site_collector(&central, "us-1", &[("plc-1", up)]).await;
    let mut us2 = site_collector(&central, "us-2", &[("plc-1", up)]).await;
    let _lab = site_collector(&central, "lab-1", &[("plc-1", up)]).await;
    for site in ["eu-1", "eu-2", "us-1", "us-2", "lab-1"] {
        central.site_becomes(site, "online", PATIENCE).await;
    }
    label(&central, "eu-1", json!({"region": "eu", "tier": "gold"})).await;
    label(&central, "eu-2", json!({"region": "eu"})).await;
    label(&central, "us-1", json!({"region": "us", "tier": "gold"})).await;
    label(&central, "us-2", json!({"region": "us"})).await;
    wait_listed(&central, "label=region=eu", 2).await;
    wait_listed(&central, "label=region=us", 2).await;
    wait_listed(&central, "label=tier=gold", 2).await;
    us2.stop().await;
    central.site_becomes("us-2", "offline", PATIENCE).await;

    let browser = Browser::opened(&format!("{}/", central.api)).await;
    browser
        .wait_for("five sites, live", PATIENCE, |p| {
            (p.rows.len() == 5 && p.live == "live" && p.groups.is_empty()).then_some(())
        })
        .await;

    // A label filter typed in: only those sites, counted as such.
    browser.type_into("#label-add", "region=eu", true).await;
    let page = browser
        .wait_for("only the eu sites", PATIENCE, |p| {
            (only(p, &["eu-1", "eu-2"]).is_some()
                && p.counts.total == "2"
                && p.label_filters == ["region=eu"])
            .then(|| p.clone())
        })
        .await;
    assert!(page.hash.contains("label=region%3Deu"), "{}", page.hash);
    assert!(
        page.page_info.ends_with("with region=eu"),
        "{}",
        page.page_info
    );
    // Another one: all must match.
    browser.type_into("#label-add", "tier=gold", true).await;
    browser
        .wait_for("only eu-1: region=eu and tier=gold", PATIENCE, |p| {
            (only(p, &["eu-1"]).is_some()
                && p.counts.total == "1"
                && p.label_filters == ["region=eu", "tier=gold"])
            .then_some(())
        })
        .await;
    // A chip removes its filter.
    browser.click("#label-chips [data-label='region=eu']").await;
    browser
        .wait_for("the gold sites", PATIENCE, |p| {
            (only(p, &["eu-1", "us-1"]).is_some() && p.label_filters == ["tier=gold"]).then_some(())
        })
        .await;
    browser.click("#label-chips [data-label='tier=gold']").await;
    browser
        .wait_for("every site again", PATIENCE, |p| {
            (p.rows.len() == 5 && p.label_filters.is_empty() && p.counts.total == "5").then_some(())
        })
        .await;

    // Grouped by region: a tile per value, worst first — us has an offline
    // site, eu a degraded one, and lab-1 has no region at all.
    browser.type_into("#group-by", "region", true).await;
    let page = browser
        .wait_for("a tile per region", PATIENCE, |p| {
            (p.groups.len() == 3).then(|| p.clone())
        })
        .await;
    let tiles: Vec<(&str, &str, &str)> = page
        .groups
        .iter()
        .map(|g| (g.value.as_str(), g.total.as_str(), g.band.as_str()))
        .collect();
    assert_eq!(
        tiles,
        [
            ("us", "2", "offline"),
            ("eu", "2", "degraded"),
            ("", "1", "ok")
        ],
        "{page:#?}"
    );
    assert!(page.groups[0].text.contains("1 offline"), "{page:#?}");
    assert!(page.groups[2].text.starts_with("no region"), "{page:#?}");
    assert!(page.hash.contains("by=region"), "{}", page.hash);
    assert_eq!(page.rows.len(), 5, "grouping does not filter");

    // A tile shows only its sites; the other tiles stay, to pick another.
    browser.click("#group-tiles .tile[data-value='eu']").await;
    browser
        .wait_for("the eu tile pressed, the eu sites listed", PATIENCE, |p| {
            (only(p, &["eu-1", "eu-2"]).is_some()
                && p.groups.len() == 3
                && p.groups[1].pressed
                && p.label_filters == ["region=eu"])
            .then_some(())
        })
        .await;
    let shot = browser.screenshot("dashboard-labels.png").await;
    println!("screenshot: {}", shot.display());
    browser.click("#group-tiles .tile[data-value='eu']").await;
    browser
        .wait_for("every site, no tile pressed", PATIENCE, |p| {
            (p.rows.len() == 5 && p.groups.iter().all(|g| !g.pressed)).then_some(())
        })
        .await;

    // A shared link opens the same view: a label filter, the grouping and
    // a site, whose labels the detail lists.
    browser.open("about:blank").await;
    browser
        .open(&format!(
            "{}/#label=tier%3Dgold&by=region&site=eu-1",
            central.api
        ))
        .await;
    let page = browser
        .wait_for("the gold sites by region, eu-1 open", PATIENCE, |p| {
            let detail = p.detail.as_ref()?;
            (only(p, &["eu-1", "us-1"]).is_some()
                && p.label_filters == ["tier=gold"]
                && p.group_by == "region"
                && p.groups.len() == 2
                && detail.site_id == "eu-1"
                && !detail.labels.is_empty())
            .then(|| p.clone())
        })
        .await;
    let values: Vec<&str> = page.groups.iter().map(|g| g.value.as_str()).collect();
    assert_eq!(values, ["eu", "us"], "the degraded one first: {page:#?}");
    assert_eq!(
        page.detail.as_ref().unwrap().labels,
        ["region=eu", "tier=gold"]
    );
    let row = page.row("eu-1").unwrap();
    assert!(
        row.site_title.contains("region=eu · tier=gold"),
        "the row's tooltip carries its labels: {row:#?}"
    );
    // A label of the detail filters by it too.
    browser
        .click("#detail-labels [data-label='region=eu']")
        .await;
    let page = browser
        .wait_for("eu-1 alone: gold and eu", PATIENCE, |p| {
            (only(p, &["eu-1"]).is_some() && p.label_filters == ["tier=gold", "region=eu"])
                .then(|| p.clone())
        })
        .await;
    assert!(
        page.hash.contains("label=tier%3Dgold&label=region%3Deu"),
        "{}",
        page.hash
    );
    browser.close().await;
}
