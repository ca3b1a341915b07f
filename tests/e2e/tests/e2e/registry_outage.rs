//! The registry unavailable: a 3-server NATS cluster with the bucket at R3
//! loses two servers (no JetStream quorum) while the services, connected
//! to the third, carry on. Reports keep being judged, the outage is said
//! (`/readyz`, `healthmon_registry_available`), admin writes are 503s
//! naming the registry and change nothing; when quorum is back, writes
//! work and what the services learned meanwhile reaches the registry.

use std::time::Duration;

use healthmon_e2e::{Centre, INTERVAL, Options};
use healthmon_registry::{Registry, RegistryConfig};
use healthmon_test_support::{Cluster, eventually};
use reqwest::Method;
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(20);

fn r3() -> RegistryConfig {
    RegistryConfig {
        replicas: 3,
        ..RegistryConfig::default()
    }
}

#[tokio::test]
async fn without_quorum_sites_are_still_judged_and_admin_writes_wait_for_it() {
    let mut cluster = Cluster::start_jetstream();
    cluster.wait_formed(PATIENCE).await;
    let url = cluster.servers[0].url();
    let options = Options::default()
        .aggregator(|c| c.registry = r3())
        .assessor(|c| c.registry = r3())
        .dashboard(|c| c.registry = r3());
    let centre = Centre::start(&url, options).await;
    let steady = centre.collector("plant-steady", INTERVAL).await;
    let mut failing = centre.collector("plant-failing", INTERVAL).await;
    centre
        .site_becomes("plant-failing", "online", PATIENCE)
        .await;
    let registry = Registry::new(cluster.servers[0].client().await, r3());
    eventually("both sites registered", PATIENCE, || async {
        let a = registry.site("plant-steady").await.ok()??;
        registry.site("plant-failing").await.ok()??;
        Some(a)
    })
    .await;

    // Two of three servers go: JetStream has no quorum; core NATS on the
    // third carries on.
    cluster.servers[1].kill();
    cluster.servers[2].kill();
    let ready = eventually(
        "/readyz says the registry is unavailable",
        PATIENCE,
        || async {
            let (status, body) = centre.api.get("/readyz").await;
            (body["checks"]["registry"] != "ok").then_some((status, body))
        },
    )
    .await;
    assert_eq!(ready.0, 200, "reads do not need the registry: {}", ready.1);
    assert_eq!(centre.metric("healthmon_registry_available").await, 0.0);

    // Judging goes on: a site that stops is declared offline, a new one is shown.
    failing.stop().await;
    centre
        .site_becomes("plant-failing", "offline", PATIENCE)
        .await;
    let _newcomer = centre.collector("plant-new", INTERVAL).await;
    centre.site_becomes("plant-new", "online", PATIENCE).await;
    centre
        .site_becomes("plant-steady", "online", PATIENCE)
        .await;

    // Admin writes are refused at once, naming the registry.
    let (status, body) = centre
        .api
        .send(Method::PUT, "/api/v1/sites/plant-steady/maintenance", None)
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "registry_unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("healthmon_sites"),
        "{body}"
    );

    // Quorum back: writes work, and the newcomer learned meanwhile is
    // registered.
    cluster.servers[1].restart();
    cluster.servers[2].restart();
    eventually("the registry available again", PATIENCE, || async {
        let (_, body) = centre.api.get("/readyz").await;
        (body["checks"]["registry"] == "ok").then_some(())
    })
    .await;
    centre
        .api
        .set_maintenance("plant-steady", Some(json!({"reason": "after the outage"})))
        .await;
    centre
        .api
        .wait_site("plant-steady", "under maintenance", PATIENCE, |s| {
            s["maintenance"] == true
        })
        .await;
    eventually(
        "the newcomer registered after the outage",
        PATIENCE,
        || async { registry.site("plant-new").await.ok()? },
    )
    .await;
    drop(steady);
}
