//! Issue 15's incidents per group, end to end and on the page: an assessor
//! given `--incident-label region`, sites reporting straight onto NATS with
//! their region labels. When the three sites of region north fall silent
//! together, `health.incident` says so once (kind `group`), the summary of
//! the whole fleet lists it (a view of another region does not), and the
//! page shows a row above the table whose button filters the table to the
//! region; when they report again the incident closes and the row goes.

use std::time::Duration;

use futures::StreamExt;
use healthmon_e2e::browser::{Browser, Page};
use healthmon_e2e::{Central, Options};
use healthmon_proto::{HealthReport, Incident, IncidentState, decode, encode};

use super::PATIENCE;

const EVERY: Duration = Duration::from_millis(300);
const NORTH: [&str; 3] = ["north-1", "north-2", "north-3"];

async fn publish(nats: &async_nats::Client, site: &str, region: &str, seq: u64) {
    let mut r = HealthReport::new(site, "incident-test", seq);
    r.interval_ms = EVERY.as_millis() as u64;
    r.labels = [("region".to_owned(), region.to_owned())].into();
    nats.publish(format!("health.report.{site}"), encode(&r).into())
        .await
        .unwrap();
}

/// Keeps `sites` reporting every interval until the task is aborted.
fn keep_reporting(
    nats: &async_nats::Client,
    sites: &[(&'static str, &'static str)],
    from_seq: u64,
) -> tokio::task::JoinHandle<()> {
    let (nats, sites) = (nats.clone(), sites.to_vec());
    tokio::spawn(async move {
        for seq in from_seq.. {
            for (site, region) in &sites {
                publish(&nats, site, region, seq).await;
            }
            let _ = nats.flush().await;
            tokio::time::sleep(EVERY).await;
        }
    })
}

async fn next_incident(sub: &mut async_nats::Subscriber) -> Incident {
    let msg = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .expect("an incident in time")
        .expect("the subscription lives");
    decode(&msg.payload).expect("an incident decodes")
}

#[tokio::test]
async fn a_region_falling_silent_is_one_incident_with_a_row_on_the_page_until_it_reports() {
    let central = Central::start_with(
        Options::default().assessor(|c| c.rules.incidents.label = Some("region".into())),
    )
    .await;
    let nats = central.nats.client().await;
    let mut incidents = nats.subscribe("health.incident").await.unwrap();
    let south = keep_reporting(&nats, &[("south-1", "south")], 1);
    let north: Vec<_> = NORTH.iter().map(|s| (*s, "north")).collect();
    let reporting = keep_reporting(&nats, &north, 1);
    for site in NORTH {
        central.site_becomes(site, "online", PATIENCE).await;
    }
    let browser = Browser::start().await;
    browser.open(&central.api.to_string()).await;
    let page = browser
        .wait_for("four sites, no incident", PATIENCE, |p| {
            (p.rows.len() == 4).then(|| p.clone())
        })
        .await;
    assert!(page.incidents.is_empty(), "{:?}", page.incidents);

    // The north region falls silent: one incident for the three.
    reporting.abort();
    let opened = next_incident(&mut incidents).await;
    assert_eq!(
        (opened.id.as_str(), opened.kind.as_str(), opened.state),
        ("region=north", "group", IncidentState::Open)
    );
    assert_eq!((opened.sites, opened.silent), (3, 3));
    assert_eq!(opened.reason, "3 of 3 sites with region=north fell silent");
    let summary = central.api.summary().await;
    assert_eq!(summary["incidents"][0]["id"], "region=north", "{summary}");
    let (_, south_view) = central.api.get("/api/v1/summary?label=region=south").await;
    assert!(south_view.get("incidents").is_none(), "{south_view}");

    let has_row = |p: &Page| (!p.incidents.is_empty()).then(|| p.clone());
    let page = browser
        .wait_for("the incident's row", PATIENCE, has_row)
        .await;
    let row = &page.incidents[0];
    assert_eq!(
        (row.id.as_str(), row.kind.as_str()),
        ("region=north", "group")
    );
    assert_eq!(row.heading, "1 open incident");
    assert!(
        row.text
            .contains("3 of 3 sites with region=north fell silent"),
        "{}",
        row.text
    );
    assert!(row.text.contains("3 of 3 silent"), "{}", row.text);
    assert!(row.text.contains("since "), "{}", row.text);
    browser.screenshot("incident-open.png").await;
    // On a phone the row wraps rather than making the page scroll sideways.
    browser.set_viewport(360, 740).await;
    let layout = browser.layout().await;
    assert!(layout.page_width <= layout.width + 1.0, "{layout:#?}");
    browser.screenshot("incident-open-360.png").await;
    browser.set_viewport(1400, 850).await;

    // Its button shows only the region's sites.
    browser.click("#incidents .incident-show").await;
    let page = browser
        .wait_for("the table filtered to region=north", PATIENCE, |p| {
            (p.label_filters == ["region=north"] && p.rows.len() == 3).then(|| p.clone())
        })
        .await;
    assert!(page.site_ids().iter().all(|id| id.starts_with("north-")));

    // They report again: the incident closes and the row goes.
    let back = keep_reporting(&nats, &north, 1_000);
    let closed = next_incident(&mut incidents).await;
    assert_eq!(
        (closed.id.as_str(), closed.state, closed.at_ms),
        ("region=north", IncidentState::Closed, opened.at_ms)
    );
    assert!(closed.closed_ms.is_some_and(|ms| ms >= opened.at_ms));
    browser
        .wait_for("no incident row", PATIENCE, |p| {
            p.incidents.is_empty().then_some(())
        })
        .await;
    assert!(central.api.summary().await.get("incidents").is_none());
    let metrics = central.metrics().await;
    assert!(
        metrics.contains("healthmon_assessor_incidents_total{kind=\"group\"} 1"),
        "{metrics}"
    );
    back.abort();
    south.abort();
    browser.close().await;
}
