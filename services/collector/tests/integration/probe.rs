//! Data connections checked by TCP reachability.

use std::time::Duration;

use crate::support::*;
use healthmon_collector::config::Probe;
use healthmon_test_support::fixtures::connection_states;

#[tokio::test]
async fn a_listening_port_is_connected_and_a_closed_one_is_not() {
    let (server, inbox) = server_with_inbox().await;
    let listening = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open = listening.local_addr().unwrap().to_string();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let mut config = config(&server, "plant-3", Duration::from_millis(200));
    for (name, address) in [("plc-open", &open), ("plc-closed", &closed)] {
        config.sources.probe.push(Probe {
            name: name.into(),
            address: address.clone(),
            timeout: Duration::from_millis(500),
        });
    }
    let collector = start(config).await;

    let r = inbox.first().await;
    assert_eq!(
        connection_states(&r),
        [("plc-closed", false), ("plc-open", true)]
    );
    assert_eq!(
        collector
            .metric(
                "healthmon_collector_probe_up",
                &[("connection", "plc-open")]
            )
            .await,
        Some(1.0)
    );
    assert_eq!(
        collector
            .metric(
                "healthmon_collector_probe_up",
                &[("connection", "plc-closed")]
            )
            .await,
        Some(0.0)
    );

    // The endpoint goes away: the next reports show the connection down.
    drop(listening);
    inbox
        .next_match("plc-open disconnected", Duration::from_secs(5), |r| {
            r.report.connections.iter().all(|c| !c.connected)
        })
        .await;
    collector.stop().await;
}
