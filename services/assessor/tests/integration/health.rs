//! Health rules end to end: reports in, status events with reasons out.

use crate::support::*;
use healthmon_assessor::Rules;
use healthmon_proto::{Connectivity, Health, NodeRole};
use healthmon_test_support::fixtures::{connection, health_change, node};
use healthmon_test_support::{NatsServer, TempDir};

#[tokio::test]
async fn connection_and_node_problems_set_health_with_reasons() {
    let (_server, assessor, client, mut events) = start_default().await;

    let mut r = report("plant", 1, 60_000);
    r.nodes = vec![node("a", NodeRole::Active), node("b", NodeRole::Standby)];
    r.connections = vec![connection("plc-1", true), connection("plc-2", false)];
    publish(&client, &r).await;
    let e = next_event_for(&mut events, "plant", WAIT).await;
    assert_eq!(
        (e.connectivity, e.health),
        (Connectivity::Online, Health::Degraded)
    );
    assert_eq!(e.reasons, ["connection plc-2 disconnected"]);

    r.seq = 2;
    r.connections[1].connected = true;
    r.nodes[1].role = NodeRole::Active;
    publish(&client, &r).await;
    let e = next_event_for(&mut events, "plant", WAIT).await;
    assert_eq!(health_change(&e), (Health::Degraded, Health::Critical));
    assert_eq!(e.reasons, ["2 active nodes: a, b"]);

    r.seq = 3;
    r.nodes[0].role = NodeRole::Standby;
    r.nodes[1].role = NodeRole::Standby;
    publish(&client, &r).await;
    let e = next_event_for(&mut events, "plant", WAIT).await;
    assert_eq!(
        health_change(&e),
        (Health::Critical, Health::Critical),
        "a different critical problem is still news"
    );
    assert_eq!(e.reasons, ["no active node"]);

    r.seq = 4;
    r.nodes[0].role = NodeRole::Active;
    publish(&client, &r).await;
    let e = next_event_for(&mut events, "plant", WAIT).await;
    assert_eq!(health_change(&e), (Health::Critical, Health::Healthy));
    assert!(e.reasons.is_empty());
    assessor
        .assert_metric(
            "healthmon_assessor_health_transitions_total{to=\"healthy\"}",
            1.0,
        )
        .await;
    assessor.stop().await;
}

#[tokio::test]
async fn a_rules_file_with_low_thresholds_makes_buffer_depth_fire() {
    let dir = TempDir::new("assessor-rules").unwrap();
    let path = dir.path.join("rules.toml");
    std::fs::write(&path, "[sf_buffer]\nwarn = 5\ncritical = 50\n").unwrap();
    let rules = Rules::load(&path).unwrap();

    let server = NatsServer::start();
    let assessor = start_with_rules(&server, rules).await;
    let client = server.client().await;
    let mut events = status_events(&client).await;

    let mut r = report("depot", 1, 60_000);
    r.sf_buffer.db_write = 10; // far below the built-in 1000
    publish(&client, &r).await;
    let e = next_event_for(&mut events, "depot", WAIT).await;
    assert_eq!(e.health, Health::Degraded);
    assert_eq!(e.reasons, ["store-and-forward db_write 10 pending over 5"]);

    r.seq = 2;
    r.sf_buffer.db_write = 0;
    r.sf_buffer.notification = 51;
    publish(&client, &r).await;
    let e = next_event_for(&mut events, "depot", WAIT).await;
    assert_eq!(e.health, Health::Critical);
    assert_eq!(
        e.reasons,
        ["store-and-forward notification 51 pending over 50"]
    );
    assessor.stop().await;
}
