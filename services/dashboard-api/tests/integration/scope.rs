//! Tokens scoped to a label selector see and change only the sites it
//! selects: other sites are left out of lists and counts and are 404s
//! (as if they did not exist), and a change that would move a site out of
//! the scope is a 403. (The event stream's filter is tested in `events`.)

use healthmon_common::clock::now_ms;
use healthmon_proto::fleet::{SiteRecord, Source};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{FakeAggregator, Harness, error_message, labels, site_ids};

const ADMIN: &str = "0123456789abcdef0123456789abcdef-admin";
const NORTH_ADMIN: &str = "0123456789abcdef0123456789abcdef-north";
const NORTH_VIEWER: &str = "0123456789abcdef0123456789abcdef-nview";

fn tokens() -> String {
    format!(
        "admin root {ADMIN}\nadmin north-ops {NORTH_ADMIN} region=north\nviewer north-view {NORTH_VIEWER} region=north\n"
    )
}

/// Registers the fixture's sites with their region label, and waits until
/// the API's copy of the registry has them.
pub async fn label_sites(h: &Harness) {
    let registry = h.registry();
    let sites = ["north-1", "north-2", "south-1", "south-2"];
    for id in sites {
        let mut record = SiteRecord::declared(now_ms(), Source::Report);
        record.declared_labels = labels(&[("region", id.split('-').next().unwrap())]);
        registry.put_site(id, &record).await.unwrap();
    }
    h.wait_registry_sites(sites.len()).await;
}

#[tokio::test]
async fn a_scoped_viewer_sees_only_its_sites() {
    let h = Harness::with_tokens(&tokens()).await;
    let _aggregator = FakeAggregator::start(&h.nats).await;
    let as_north = |path: &'static str| h.call(Method::GET, path, Some(NORTH_VIEWER), None);

    let (status, page) = as_north("/api/v1/sites").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 2);
    let ids = site_ids(&page);
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(|id| id.starts_with("north-")), "{ids:?}");

    let (status, page) = as_north("/api/v1/sites?label=region=south").await;
    assert_eq!((status, page["total"].clone()), (200, json!(0)));

    let (status, summary) = as_north("/api/v1/summary?by=region").await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["total"], 2);
    assert_eq!(summary["groups"].as_array().unwrap().len(), 1);
    assert_eq!(summary["groups"][0]["value"], "north");

    let (status, _) = as_north("/api/v1/sites/north-1").await;
    assert_eq!(status, 200);
    let (status, body) = as_north("/api/v1/sites/south-1").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        error_message(&body, "not_found"),
        "unknown site \"south-1\"",
        "the same answer as for a site that does not exist"
    );

    // The unscoped admin sees everything.
    let (_, page) = h
        .call(Method::GET, "/api/v1/sites", Some(ADMIN), None)
        .await;
    assert_eq!(page["total"], 4);
}

#[tokio::test]
async fn a_scoped_admin_changes_only_its_sites() {
    let h = Harness::with_tokens(&tokens()).await;
    let _aggregator = FakeAggregator::start(&h.nats).await;
    label_sites(&h).await;
    let call =
        |method: Method, path: &'static str, body| h.call(method, path, Some(NORTH_ADMIN), body);

    let (status, body) = call(Method::PUT, "/api/v1/sites/south-1/maintenance", None).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = call(Method::DELETE, "/api/v1/sites/south-1", None).await;
    assert_eq!(status, 404, "{body}");
    assert!(h.registry().site("south-1").await.unwrap().is_some());

    let (status, body) = call(Method::PUT, "/api/v1/sites/north-1/maintenance", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["maintenance"]["by"], "north-ops");

    // A bulk action outside its scope selects nothing; inside, only its sites.
    let (status, body) = call(
        Method::PUT,
        "/api/v1/maintenance?selector=region=south",
        None,
    )
    .await;
    assert_eq!((status, body["count"].clone()), (200, json!(0)), "{body}");
    let (status, body) = call(
        Method::DELETE,
        "/api/v1/maintenance?selector=region=north",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sites"], json!(["north-1", "north-2"]));

    // Labels that would take a site out of its scope are refused.
    let relabel = |labels: Value| {
        let body = json!({ "labels": labels });
        call(Method::PUT, "/api/v1/sites/north-2/labels", Some(body))
    };
    let (status, body) = relabel(json!({"region": "south"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(error_message(&body, "forbidden").contains("scope"));
    let (status, body) = relabel(json!({"tier": "gold"})).await;
    assert_eq!(status, 200, "{body}");

    // A scoped viewer may not write at all.
    let (status, body) = h
        .call(
            Method::PUT,
            "/api/v1/sites/north-1/maintenance",
            Some(NORTH_VIEWER),
            None,
        )
        .await;
    assert_eq!(status, 403, "{body}");
}
