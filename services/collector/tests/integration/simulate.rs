//! `--simulate N`: many made-up sites from one process.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::support::*;

#[tokio::test]
async fn twenty_simulated_sites_report_spread_over_the_interval() {
    let (server, inbox) = server_with_inbox().await;
    let config = simulated(&server, "", 20, Duration::from_secs(1));
    let collector = start(config).await;

    let got = inbox.wait_for(20, Duration::from_secs(5)).await;
    let first_round = &got[..20];
    let ids: BTreeSet<_> = first_round
        .iter()
        .map(|r| r.report.site_id.clone())
        .collect();
    let expected: BTreeSet<_> = (1..=20).map(|i| format!("sim-{i:05}")).collect();
    assert_eq!(ids, expected, "one report from each of 20 distinct sites");
    let instances: BTreeSet<_> = first_round
        .iter()
        .map(|r| r.report.instance.clone())
        .collect();
    assert_eq!(instances.len(), 20, "each site has its own instance");
    for r in first_round {
        assert_eq!(r.subject, format!("health.report.{}", r.report.site_id));
        assert_eq!(r.report.seq, 1);
        assert_eq!(r.report.interval_ms, 1000);
        // Fault rate 0: every site healthy.
        assert!(r.report.connections.iter().all(|c| c.connected));
        assert!(r.report.active_node().is_some());
    }
    let spread = first_round[19].at - first_round[0].at;
    assert!(
        spread >= Duration::from_millis(600),
        "first round took only {spread:?}: not spread out"
    );

    // Every site keeps its own seq.
    let got = inbox.wait_for(60, Duration::from_secs(5)).await;
    let mut seqs: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for r in got {
        seqs.entry(r.report.site_id).or_default().push(r.report.seq);
    }
    for (site, seq) in seqs {
        assert_eq!(seq, (1..=seq.len() as u64).collect::<Vec<_>>(), "{site}");
    }
    collector.stop().await;
}

#[tokio::test]
async fn simulated_sites_answer_resend_under_their_prefix() {
    let (server, inbox, collector) =
        start_plant(5, Duration::from_secs(30), Duration::from_millis(300)).await;
    // Only the first site's slot comes at once; the rest are spread over 30 s.
    inbox.wait_for(1, Duration::from_secs(5)).await;

    ask_resend(&server, 1, None).await;
    let got = inbox.wait_for(6, Duration::from_secs(2)).await;
    let ids: BTreeSet<_> = got.iter().map(|r| r.report.site_id.clone()).collect();
    let expected: BTreeSet<_> = (1..=5).map(|i| format!("plant-{i:05}")).collect();
    assert_eq!(ids, expected);
    collector.stop().await;
}
