//! Issue 15's link loss at once, with real nats-servers: the assessor,
//! given a least-privilege system-account user, follows the hub's
//! disconnect advisories. Killing a real leaf node makes the sites behind
//! it (by their `leaf` label) late at once with "link leaf … lost at …",
//! as one incident on `health.incident`; a collector's own connection
//! closing makes its site late at once; both go offline at their normal
//! timeout, and come back with their next report.

use std::time::{Duration, Instant};

use futures::StreamExt;
use healthmon_common::nats::{NatsAuth, NatsConfig};
use healthmon_e2e::services::{Collector, collector_config, start_collector};
use healthmon_e2e::{Central, Options};
use healthmon_test_support::{NatsServer, free_port, wait_for_leaf_link};

const PATIENCE: Duration = Duration::from_secs(15);
/// Long enough that a timeout cannot explain "late" within a second.
const INTERVAL: Duration = Duration::from_secs(3);
const LEAF: &str = "leaf-eu-1";

/// A hub whose services log in as `app` without credentials, with a system
/// account whose only user may subscribe to disconnect advisories.
fn hub(leaf_port: u16) -> NatsServer {
    NatsServer::start_with_config(&format!(
        r#"jetstream {{ store_dir: "{{dir}}/js" }}
accounts {{
  APP {{ jetstream: enabled, users [{{user: app, password: app}}] }}
  SYS {{ users [{{user: advisories, password: adv,
    permissions: {{publish: {{deny: [">"]}}, subscribe: {{allow: ["$SYS.ACCOUNT.*.DISCONNECT"]}}}}}}] }}
}}
system_account: SYS
no_auth_user: app
leafnodes {{ listen: "127.0.0.1:{leaf_port}" }}
"#
    ))
}

fn leaf(leaf_port: u16) -> NatsServer {
    NatsServer::start_with_config(&format!(
        "server_name: {LEAF}\nleafnodes {{\n  reconnect: 1\n  remotes = [ {{ url: \"nats-leaf://app:app@127.0.0.1:{leaf_port}\" }} ]\n}}\n"
    ))
}

async fn collector(url: &str, site: &str, leaf: Option<&str>) -> Collector {
    let mut config = collector_config(NatsConfig::local(url), site, INTERVAL);
    config.sources.host.enabled = false;
    if let Some(leaf) = leaf {
        config.sources.labels = [("leaf".to_owned(), leaf.to_owned())].into_iter().collect();
    }
    start_collector(config).await
}

#[tokio::test]
async fn a_lost_leaf_node_or_collector_connection_makes_its_sites_late_at_once() {
    let leaf_port = free_port().unwrap();
    let hub = hub(leaf_port);
    let hub_url = hub.url();
    let central = Central::start_on(
        hub,
        Options::default().assessor(|c| {
            c.advisories = Some(NatsAuth::UserPassword {
                user: "advisories".into(),
                password: "adv".into(),
            })
        }),
    )
    .await;
    let mut leaf_server = leaf(leaf_port);
    wait_for_leaf_link(&leaf_server, &central.nats, PATIENCE).await;
    let _l1 = collector(&leaf_server.url(), "plant-l1", Some(LEAF)).await;
    let _l2 = collector(&leaf_server.url(), "plant-l2", Some(LEAF)).await;
    let mut direct = collector(&hub_url, "plant-d", None).await;
    let _other = collector(&hub_url, "plant-o", None).await;
    for site in ["plant-l1", "plant-l2", "plant-d", "plant-o"] {
        central.site_becomes(site, "online", PATIENCE).await;
    }
    let nats = central.nats.client().await;
    let mut incidents = nats.subscribe("health.incident").await.unwrap();
    nats.flush().await.unwrap();

    // The leaf node dies: both sites behind it are late within a second,
    // long before their 4.5 s timeout, saying why; one incident says it all.
    let killed = Instant::now();
    leaf_server.kill();
    for site in ["plant-l1", "plant-l2"] {
        let row = central.site_becomes(site, "late", PATIENCE).await;
        let reason = row["reasons"][0].as_str().unwrap_or_default().to_owned();
        assert!(
            reason.starts_with(&format!("link leaf {LEAF} lost at ")),
            "{row}"
        );
    }
    let late_in = killed.elapsed();
    assert!(
        late_in < Duration::from_millis(2_500),
        "late after {late_in:?}"
    );
    let incident = tokio::time::timeout(PATIENCE, incidents.next())
        .await
        .expect("an incident")
        .unwrap();
    assert_eq!(
        incident
            .headers
            .as_ref()
            .and_then(|h| h.get("Healthmon-Incident"))
            .map(|v| v.as_str()),
        Some("link")
    );
    let body: serde_json::Value = rmp_serde::from_slice(&incident.payload).unwrap();
    assert_eq!(body["id"], format!("leaf={LEAF}"));
    assert_eq!(
        (body["sites"].as_u64(), body["silenced"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .ends_with(", 2 sites behind it"),
        "{body}"
    );
    // The others were not touched.
    central.site_becomes("plant-d", "online", PATIENCE).await;
    central.site_becomes("plant-o", "online", PATIENCE).await;

    // A collector's own connection closes: its site alone is late at once.
    let stopped = Instant::now();
    direct.stop().await;
    let row = central.site_becomes("plant-d", "late", PATIENCE).await;
    assert!(
        stopped.elapsed() < Duration::from_millis(2_500),
        "late after {:?}",
        stopped.elapsed()
    );
    assert!(
        row["reasons"][0]
            .as_str()
            .unwrap_or_default()
            .starts_with("link connection of plant-d lost at "),
        "{row}"
    );
    central.site_becomes("plant-o", "online", PATIENCE).await;

    // Offline at the normal timeout (3 × 3 s), the link named first.
    let row = central.site_becomes("plant-l1", "offline", PATIENCE).await;
    let reasons = row["reasons"].to_string();
    assert!(
        reasons.contains("link leaf") && reasons.contains("no report for"),
        "{row}"
    );

    // The leaf comes back: its sites report again and are online.
    leaf_server.restart();
    for site in ["plant-l1", "plant-l2"] {
        central.site_becomes(site, "online", PATIENCE).await;
    }
    let metrics = central.metrics().await;
    assert!(
        metrics.contains("healthmon_assessor_incidents_total{kind=\"link\"} 1"),
        "{metrics}"
    );
}
