//! Central's resend requests (`health.cmd.resend`).

use std::time::Duration;

use crate::support::*;

#[tokio::test]
async fn a_burst_of_resends_is_answered_once_within_the_jitter() {
    let (server, inbox) = server_with_inbox().await;
    // A long interval: any second report can only be the answer to the resend.
    let mut config = config(&server, "plant-4", Duration::from_secs(30));
    config.resend_jitter = Duration::from_millis(400);
    let collector = start(config).await;
    let first = inbox.wait_for(1, Duration::from_secs(5)).await[0].clone();
    assert_eq!(first.report.seq, 1);

    let client = server.client().await;
    let asked = tokio::time::Instant::now();
    for _ in 0..5 {
        client
            .publish("health.cmd.resend", "".into())
            .await
            .unwrap();
    }
    client.flush().await.unwrap();
    let answer = inbox
        .wait_after("the resend answer", 1, Duration::from_secs(3))
        .await;
    assert_eq!(answer.report.seq, 2);
    assert_eq!(answer.report.instance, first.report.instance);
    let waited = answer.at - asked;
    assert!(
        waited <= Duration::from_millis(400 + 300),
        "answered after {waited:?}"
    );

    // The five requests coalesced into that one answer.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(inbox.len(), 2, "one report per burst of resend requests");
    collector
        .assert_total("healthmon_collector_resend_requests_total", 5.0)
        .await;
    collector.stop().await;
}
