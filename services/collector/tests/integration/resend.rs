//! Central's resend requests (`health.cmd.resend`).

use std::time::Duration;

use crate::support::*;

/// The collector's own window for answering a resend, narrow next to the
/// centre's spread.
const JITTER: Duration = Duration::from_millis(100);

#[tokio::test]
async fn a_burst_of_resends_is_answered_once_within_the_jitter() {
    let (server, inbox) = server_with_inbox().await;
    // A long interval: any second report can only be the answer to the resend.
    let mut config = config(&server, "plant-4", Duration::from_secs(30));
    config.resend_jitter = Duration::from_millis(400);
    let collector = start(config).await;
    let first = inbox.wait_for(1, Duration::from_secs(5)).await[0].clone();
    assert_eq!(first.report.seq, 1);

    let asked = ask_resend(&server, 5, None).await;
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

/// Simulated sites, so one collector answers for many.
#[tokio::test]
async fn the_centres_spread_header_widens_the_window_the_sites_answer_in() {
    // A long interval and its slots spread over it: within the test's few
    // seconds nearly every report is an answer to the resend.
    let (server, inbox, collector) = start_plant(40, Duration::from_secs(600), JITTER).await;
    inbox.wait_for(1, Duration::from_secs(5)).await;
    let before = inbox.len();

    let asked = ask_resend(&server, 1, Some(Duration::from_millis(1_500))).await;
    let got = inbox.wait_for(before + 40, Duration::from_secs(4)).await;
    let answers: Vec<_> = got[before..].iter().map(|r| r.at - asked).collect();
    let (first, last) = (answers.iter().min().unwrap(), answers.iter().max().unwrap());
    // 40 uniform delays over 1.5 s, against the collector's own 0.1 s.
    assert!(*last - *first >= Duration::from_millis(700), "{answers:?}");
    assert!(*last <= Duration::from_millis(1_500 + 400), "{answers:?}");
    collector.stop().await;
}

/// The centre asks for a report within the window, not for an extra one.
#[tokio::test]
async fn sites_due_inside_the_window_answer_with_their_own_report() {
    // 40 sites every 4 s: a slot every 100 ms, so half the sites are due
    // within a 2 s window.
    let (server, inbox, collector) = start_plant(40, Duration::from_secs(4), JITTER).await;
    inbox.wait_for(40, Duration::from_secs(8)).await;

    let asked = ask_resend(&server, 1, Some(Duration::from_secs(2))).await;
    tokio::time::sleep(Duration::from_millis(2_400)).await;
    let within: Vec<String> = inbox
        .all()
        .iter()
        .filter(|r| r.at >= asked && r.at - asked <= Duration::from_millis(2_300))
        .map(|r| r.report.site_id.clone())
        .collect();
    let sites: std::collections::BTreeSet<&String> = within.iter().collect();
    assert_eq!(sites.len(), 40, "every site reported within the window");
    // One report per site, plus the few slots of the 0.3 s allowance; an
    // extra answer from every site would make it 60.
    assert!(within.len() <= 45, "{} reports", within.len());
    collector.stop().await;
}
