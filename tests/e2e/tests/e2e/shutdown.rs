//! Every service stops promptly on SIGTERM (its shutdown token), even when
//! the broker is already gone: a drain that waits for a server that will
//! never come back would leave Kubernetes to kill the pod after its grace
//! period, and docker compose to hang on `down`.

use std::time::Duration;

use healthmon_e2e::{Central, INTERVAL};

/// Well under the 20 s grace period the Kubernetes manifests give.
const PROMPT: Duration = Duration::from_secs(8);

#[tokio::test]
async fn every_service_stops_promptly_when_the_broker_is_gone() {
    let mut central = Central::start().await;
    let mut collector = central.collector("plant-1", INTERVAL).await;
    central
        .site_becomes("plant-1", "online", Duration::from_secs(10))
        .await;

    central.nats.kill();
    // Let every client notice and start reconnecting.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stopped = tokio::time::timeout(PROMPT, async {
        collector.stop().await;
        central.dashboard.stop().await;
        central.assessor.stop().await;
        central.aggregator.stop().await;
    })
    .await;
    assert!(
        stopped.is_ok(),
        "a service did not stop within {PROMPT:?} without a broker"
    );
}
