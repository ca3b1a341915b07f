//! Fault tests: what healthmon promises when parts of it fail (see
//! docs/FAILURE-MODEL.md). Real nats-server processes are killed (`kill -9`)
//! and restarted, leaf nodes stopped, TCP links cut by a relay, services
//! stopped and started; every service is the real one, in-process.
//!
//! Timing tolerances are constants with the reason for their size: these
//! tests must hold on a loaded 2-core CI machine, where a process can be
//! held up for a few hundred milliseconds at any moment.

use std::time::{Duration, Instant};

use healthmon_assessor::MassSilenceRule;
use healthmon_assessor::centre::{CentreEvent, CentreState};
use healthmon_common::clock::now_ms;
use healthmon_common::nats::NatsConfig;
use healthmon_e2e::flood::{FLOOD_SEQS, FLOOD_SITES, Flood};
use healthmon_e2e::proxy::Proxy;
use healthmon_e2e::recorder::Recorder;
use healthmon_e2e::services::collector_at;
use healthmon_e2e::services::{aggregator_config, start_aggregator};
use healthmon_e2e::sse::SseClient;
use healthmon_e2e::{Central, INTERVAL, OFFLINE_AFTER, Options};
use healthmon_proto::{Connectivity, HealthReport, StatusEvent, encode};
use healthmon_test_support::promtext::value as metric_value;
use healthmon_test_support::{NatsServer, eventually, start_hub, start_leaf, wait_for_leaf_link};

/// For things that normally take well under a second.
const PATIENCE: Duration = Duration::from_secs(10);

/// How much later than its deadline an offline transition may be seen: the
/// deadline queue fires on time, but on a loaded machine the assessor's
/// task, NATS and the test's own subscription can each lag a little.
const LATE_BY: Duration = Duration::from_millis(700);

/// The clients' reconnect back-off tops out at 2 s (healthmon-common), so a
/// restored link is used again within 2 s; plus slack for a loaded machine.
const RECONNECTED_WITHIN: Duration = Duration::from_secs(4);

const STATUS: &str = "health.status.>";

fn is(connectivity: Connectivity) -> impl Fn(&StatusEvent) -> bool {
    move |e| e.connectivity == connectivity
}

// ---------------------------------------------------------------- broker

/// Late after 3 s, offline after 6 s: well inside the 10 s outage, so without
/// the blind rule every site WOULD go offline during it. It must also exceed
/// the 2 s reconnect back-off with room to spare: the assessor may be back up
/// to 2 s before a collector, and its fresh window (late after 1.5 intervals)
/// must not run out before that collector's fresh report arrives.
const OUTAGE_INTERVAL: Duration = Duration::from_secs(2);
const OUTAGE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_broker_killed_for_10s_takes_no_site_offline_and_every_site_is_current_again() {
    let mut centre = Central::start().await;
    let _sim = centre.simulator(5, OUTAGE_INTERVAL).await;
    centre.api.wait_summary("online", 5, PATIENCE).await;
    let before = centre.api.sites().await;
    let events = Recorder::<StatusEvent>::start(&centre.nats, STATUS).await;

    centre.nats.kill();
    let killed = Instant::now();
    eventually("the assessor to notice it is blind", PATIENCE, || async {
        (centre.metric("healthmon_assessor_blind").await == 1.0).then_some(())
    })
    .await;
    tokio::time::sleep(OUTAGE.saturating_sub(killed.elapsed())).await;
    centre.nats.restart();
    let restarted = Instant::now();
    let restarted_ms = now_ms();

    // Within one interval (plus the reconnect back-off and slack) every site
    // has reported again, and the aggregator still knows everything.
    let after = eventually(
        "every site to report after the restart",
        OUTAGE_INTERVAL + RECONNECTED_WITHIN,
        || async {
            let (status, body) = centre
                .api
                .get("/api/v1/sites?sort=site_id&limit=1000")
                .await;
            let sites = body["sites"].as_array()?.clone();
            let current = sites.iter().all(|s| {
                s["last_report_ms"]
                    .as_u64()
                    .is_some_and(|t| t >= restarted_ms)
            });
            (status == 200 && sites.len() == 5 && current).then_some(sites)
        },
    )
    .await;
    eprintln!(
        "every site current {:?} after the broker restart",
        restarted.elapsed()
    );

    // No transition at all: same connectivity, same `since` as before the outage.
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(new["site_id"], old["site_id"]);
        assert_eq!(new["connectivity"], "online", "{new}");
        assert_eq!(new["status_since_ms"], old["status_since_ms"], "{new}");
    }
    let summary = centre.api.summary().await;
    assert_eq!(
        (summary["late"].as_u64(), summary["offline"].as_u64()),
        (Some(0), Some(0))
    );
    let metrics = centre.metrics().await;
    for to in ["late", "offline"] {
        let series = format!("healthmon_assessor_transitions_total{{to=\"{to}\"}}");
        assert_eq!(metric_value(&metrics, &series), Some(0.0), "{series}");
    }
    assert_eq!(
        metric_value(&metrics, "healthmon_assessor_blind"),
        Some(0.0)
    );
    let bad: Vec<_> = events
        .values()
        .into_iter()
        .filter(|e| e.connectivity != Connectivity::Online)
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

// ---------------------------------------------------------------- aggregator

#[tokio::test]
async fn an_aggregator_cut_off_from_nats_keeps_its_state_and_catches_up_via_resend() {
    let nats = NatsServer::start();
    let proxy = Proxy::start(nats.port()).await;
    let centre = Central::start_on(nats, Options::default().aggregator_via(proxy.url())).await;
    // So long an interval that only a resend explains a quick new report.
    let _collector = collector_at(&centre.nats.url(), "far-1", Duration::from_secs(120)).await;
    let before = centre.site_becomes("far-1", "online", PATIENCE).await;

    proxy.cut();
    // Meanwhile the API says the aggregator is unreachable (JSON, not a hang).
    let (status, body) = eventually(
        "the API to report the aggregator missing",
        PATIENCE,
        || async {
            let (status, body) = centre.api.get("/api/v1/summary").await;
            (status == 503 || status == 504).then_some((status, body))
        },
    )
    .await;
    assert!(
        body["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("upstream_"),
        "{status} {body}"
    );

    proxy.restore();
    let restored_ms = now_ms();
    let site = eventually(
        "far-1 to report again after the aggregator's reconnect",
        RECONNECTED_WITHIN,
        || async {
            centre.api.site("far-1").await.filter(|s| {
                s["last_report_ms"]
                    .as_u64()
                    .is_some_and(|t| t >= restored_ms)
            })
        },
    )
    .await;
    // State kept: same status since before; the new report is the resend answer.
    assert_eq!(site["connectivity"], "online");
    assert_eq!(site["status_since_ms"], before["status_since_ms"]);
    assert_eq!(site["report"]["instance"], before["report"]["instance"]);
    assert_eq!(
        site["report"]["seq"].as_u64(),
        before["report"]["seq"].as_u64().map(|s| s + 1)
    );
    assert_eq!(site["lost_reports"], 0);
}

#[tokio::test]
async fn with_aggregator_and_assessor_restarted_sites_are_unknown_until_they_answer_or_time_out() {
    let mut centre = Central::start().await;
    let steady_interval = Duration::from_millis(400);
    let mut steady = collector_at(&centre.nats.url(), "steady", steady_interval).await;
    // Reports rarely: after the restarts only its next periodic report says it is alive.
    let _quiet = collector_at(&centre.nats.url(), "quiet", Duration::from_secs(4)).await;
    centre.site_becomes("steady", "online", PATIENCE).await;
    centre.site_becomes("quiet", "online", PATIENCE).await;

    centre.assessor.stop().await;
    centre.restart_aggregator().await;
    // The registry shows both at once (unknown, "no report since the
    // centre started"), and the resend brings their reports; with no
    // assessor to judge them they stay unknown, not offline.
    for id in ["steady", "quiet"] {
        centre
            .api
            .wait_site(
                id,
                "unknown with its report",
                Duration::from_secs(3),
                |site| {
                    site["connectivity"] == "unknown" && site["report"]["seq"].as_u64().is_some()
                },
            )
            .await;
    }
    assert_eq!(centre.api.summary().await["offline"], 0);

    let events = Recorder::<StatusEvent>::start(&centre.nats, STATUS).await;
    steady.stop().await;
    let silent_ms = now_ms();
    centre.restart_assessor().await;

    // "steady" never answers: offline once its timeout has passed, not before.
    let (_, offline) = events
        .wait_for("steady offline", PATIENCE, |e| {
            e.site_id == "steady" && e.connectivity == Connectivity::Offline
        })
        .await;
    let last = offline.last_report_ms.expect("last receive time");
    let timeout = 3 * steady_interval.as_millis() as u64;
    assert!(last <= silent_ms);
    assert!(
        offline.at_ms >= last + timeout,
        "offline {} ms after the last report",
        offline.at_ms - last
    );
    assert!(
        offline.at_ms <= silent_ms + timeout + LATE_BY.as_millis() as u64 + 2_000,
        "offline {} ms after the collector stopped",
        offline.at_ms - silent_ms
    );
    // "quiet" answers with its next report: online, never late or offline.
    centre
        .site_becomes("quiet", "online", Duration::from_secs(8))
        .await;
    let quiet: Vec<_> = events
        .values()
        .into_iter()
        .filter(|e| e.site_id == "quiet")
        .collect();
    assert!(
        quiet.iter().all(|e| e.connectivity == Connectivity::Online),
        "{quiet:?}"
    );
}

// ---------------------------------------------------------------- mass silence

/// Simulated interval in the mass-silence tests: late after 0.75 s, offline
/// after 1.5 s. Half the sites are late one interval after the silence
/// begins, a full interval before the first offline deadline, which leaves
/// the rule ample time to bite even on a loaded machine.
const MASS_INTERVAL: Duration = Duration::from_millis(500);
const MASS_OFFLINE_AFTER: Duration = Duration::from_millis(1_500);
const FLEET: u64 = 40;

fn mass_rule(hold: Duration) -> Options {
    Options::default().assessor(move |config| {
        config.mass_silence = MassSilenceRule {
            fraction: 0.5,
            min_sites: 20,
            hold,
        }
    })
}

#[tokio::test]
async fn when_most_sites_fall_silent_at_once_the_centre_is_suspected_and_sites_stay_late() {
    let centre = Central::start_with(mass_rule(Duration::from_secs(60))).await;
    let mut sim = centre.simulator(FLEET as usize, MASS_INTERVAL).await;
    centre.api.wait_summary("online", FLEET, PATIENCE).await;
    let events = Recorder::<StatusEvent>::start(&centre.nats, STATUS).await;
    let centre_events = Recorder::<CentreEvent>::start(&centre.nats, "health.centre.status").await;

    sim.stop().await;
    let silent = Instant::now();
    let (_, suspect) = centre_events
        .wait_for("the centre to be suspected", PATIENCE, |e| {
            e.state == CentreState::Suspect
        })
        .await;
    assert_eq!(suspect.cause, "suspected");
    assert_eq!(suspect.watched_sites, FLEET as usize);
    assert!(suspect.silent_sites >= 20, "{suspect:?}");
    assert_eq!(
        centre.metric("healthmon_assessor_central_suspect").await,
        1.0
    );

    // Well past every site's offline deadline: all held at late, none offline.
    centre.api.wait_summary("late", FLEET, PATIENCE).await;
    tokio::time::sleep((MASS_OFFLINE_AFTER + LATE_BY * 2).saturating_sub(silent.elapsed())).await;
    let summary = centre.api.summary().await;
    assert_eq!(
        (summary["late"].as_u64(), summary["offline"].as_u64()),
        (Some(FLEET), Some(0)),
        "{summary}"
    );

    // Reports flow again: the suspicion ends, every site is online.
    let _again = centre.simulator(FLEET as usize, MASS_INTERVAL).await;
    let (_, resumed) = centre_events
        .wait_for("the suspicion to end", PATIENCE, |e| {
            e.state == CentreState::Normal
        })
        .await;
    assert_eq!(resumed.cause, "resumed");
    centre.api.wait_summary("online", FLEET, PATIENCE).await;
    assert_eq!(
        centre.metric("healthmon_assessor_central_suspect").await,
        0.0
    );
    let offline: Vec<_> = events
        .values()
        .into_iter()
        .filter(is(Connectivity::Offline))
        .collect();
    assert!(offline.is_empty(), "{offline:?}");
}

#[tokio::test]
async fn a_mass_silence_longer_than_the_hold_limit_is_reported_offline() {
    let hold = Duration::from_secs(2);
    let centre = Central::start_with(mass_rule(hold)).await;
    let mut sim = centre.simulator(FLEET as usize, MASS_INTERVAL).await;
    centre.api.wait_summary("online", FLEET, PATIENCE).await;
    let events = Recorder::<StatusEvent>::start(&centre.nats, STATUS).await;
    let centre_events = Recorder::<CentreEvent>::start(&centre.nats, "health.centre.status").await;

    sim.stop().await;
    let (_, suspected) = centre_events
        .wait_for("the centre to be suspected", PATIENCE, |e| {
            e.state == CentreState::Suspect
        })
        .await;
    let (_, expired) = centre_events
        .wait_for("the hold to run out", PATIENCE, |e| {
            e.state == CentreState::Normal
        })
        .await;
    assert_eq!(expired.cause, "expired");
    // Times from the assessor's own clock, so no delivery jitter enters.
    assert!(expired.at_ms >= suspected.at_ms + hold.as_millis() as u64);
    centre
        .api
        .wait_summary("offline", FLEET, Duration::from_secs(3))
        .await;
    let offline: Vec<_> = events
        .values()
        .into_iter()
        .filter(is(Connectivity::Offline))
        .collect();
    assert_eq!(offline.len(), FLEET as usize);
    // None before the hold ran out.
    assert!(
        offline.iter().all(|e| e.at_ms >= expired.at_ms),
        "{offline:?}"
    );
    let metrics = centre.metrics().await;
    assert_eq!(
        metric_value(&metrics, "healthmon_assessor_central_suspect"),
        Some(0.0)
    );
    assert_eq!(
        metric_value(
            &metrics,
            "healthmon_assessor_mass_silence_total{cause=\"expired\"}"
        ),
        Some(1.0)
    );
}

// ---------------------------------------------------------------- dashboard API

#[tokio::test]
async fn a_restarted_dashboard_api_serves_again_and_sse_clients_reconnect() {
    let mut centre = Central::start().await;
    let sse = SseClient::start(centre.api.url("/api/v1/events"));
    eventually("the SSE client to connect", PATIENCE, || async {
        (sse.connects() >= 1).then_some(())
    })
    .await;
    let _one = collector_at(&centre.nats.url(), "sse-1", INTERVAL).await;
    sse.wait_for_site("sse-1").await;

    centre.restart_dashboard().await;
    // The old stream ended (so an EventSource reconnects) and a new one is up.
    eventually("the SSE client to reconnect", PATIENCE, || async {
        (sse.ends() >= 1 && sse.connects() >= 2).then_some(())
    })
    .await;
    let _two = collector_at(&centre.nats.url(), "sse-2", INTERVAL).await;
    sse.wait_for_site("sse-2").await;

    // The page and the API answer normally: no error page.
    let page = reqwest::get(centre.api.url("/")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));
    let ready = eventually("readiness", PATIENCE, || async {
        let (status, _) = centre.api.get("/readyz").await;
        (status == 200).then_some(())
    });
    ready.await;
    let summary = centre.api.summary().await;
    assert_eq!(summary["total"], 2);
}

// ---------------------------------------------------------------- site link

/// Reports received after the link came back must all be fresh: none may
/// have been made while the link was down (allowing `DETECT` for the client
/// to notice the cut, during which a report may still be handed to it).
const DETECT: Duration = Duration::from_millis(250);

fn assert_no_backlog(reports: &Recorder<HealthReport>, cut_ms: u64, restored_ms: u64) {
    let stale: Vec<_> = reports
        .values()
        .into_iter()
        .filter(|r| r.sent_at_ms > cut_ms + DETECT.as_millis() as u64 && r.sent_at_ms < restored_ms)
        .map(|r| (r.seq, r.sent_at_ms))
        .collect();
    assert!(
        stale.is_empty(),
        "reports made during the outage were delivered: {stale:?}"
    );
}

/// Waits for `site` to be online and records its status events and reports;
/// then breaks its link (`cut`), checks that the offline event comes on
/// time, and keeps it cut for five intervals, several reports' worth.
/// Returns the recorders and the unix ms of the cut.
async fn cut_off(
    centre: &Central,
    site: &str,
    cut: impl FnOnce(),
) -> (Recorder<StatusEvent>, Recorder<HealthReport>, u64) {
    centre.site_becomes(site, "online", PATIENCE).await;
    let events = Recorder::start(&centre.nats, &format!("health.status.{site}")).await;
    let reports = Recorder::start(&centre.nats, &format!("health.report.{site}")).await;

    cut();
    let (cut, cut_ms) = (Instant::now(), now_ms());
    let (offline_at, _) = events
        .wait_for(
            &format!("{site} offline"),
            PATIENCE,
            is(Connectivity::Offline),
        )
        .await;
    assert_offline_on_time(offline_at - cut);
    tokio::time::sleep((INTERVAL * 5).saturating_sub(cut.elapsed())).await;
    (events, reports, cut_ms)
}

#[tokio::test]
async fn a_site_whose_link_is_cut_goes_offline_on_time_and_returns_with_a_fresh_report() {
    let centre = Central::start().await;
    let proxy = Proxy::start(centre.nats.port()).await;
    let _collector = collector_at(&proxy.url(), "cut-1", INTERVAL).await;
    let (events, reports, cut_ms) = cut_off(&centre, "cut-1", || proxy.cut()).await;

    proxy.restore();
    let (restored, restored_ms) = (Instant::now(), now_ms());
    let (online_at, _) = events
        .wait_for(
            "cut-1 online again",
            RECONNECTED_WITHIN,
            is(Connectivity::Online),
        )
        .await;
    eprintln!("online {:?} after the link came back", online_at - restored);
    assert_no_backlog(&reports, cut_ms, restored_ms);
    let skipped = centre
        .metric("healthmon_collector_reports_skipped_total")
        .await;
    assert!(
        skipped >= 2.0,
        "the collector skipped reports while cut off: {skipped}"
    );
    // One fresh report on reconnection, then the usual rhythm: no burst.
    tokio::time::sleep(INTERVAL).await;
    let after: Vec<_> = reports
        .all()
        .into_iter()
        .filter(|(at, _)| *at >= restored)
        .collect();
    let first = after.first().expect("a report after the restore").0;
    let burst = after
        .iter()
        .filter(|(at, _)| *at < first + INTERVAL / 2)
        .count();
    assert!(
        burst <= 2,
        "{burst} reports within half an interval of the reconnection"
    );
}

#[tokio::test]
async fn a_stopped_leaf_node_takes_its_site_offline_and_back() {
    let (hub, leaf_port) = start_hub();
    let mut leaf = start_leaf(leaf_port);
    wait_for_leaf_link(&leaf, &hub, PATIENCE).await;
    let centre = Central::start_on(hub, Options::default()).await;
    let _collector = collector_at(&leaf.url(), "leafy", INTERVAL).await;
    let (events, reports, cut_ms) = cut_off(&centre, "leafy", || leaf.kill()).await;

    leaf.restart();
    let restored_ms = now_ms();
    // The leaf redials the hub every second and the collector backs off up
    // to 2 s; whichever is last, the next report after both gets through.
    events
        .wait_for(
            "leafy online again",
            RECONNECTED_WITHIN + Duration::from_secs(1),
            is(Connectivity::Online),
        )
        .await;
    centre.site_becomes("leafy", "online", PATIENCE).await;
    assert_no_backlog(&reports, cut_ms, restored_ms);
}

// ---------------------------------------------------------------- collector identity

#[tokio::test]
async fn a_collector_restart_is_not_loss_and_seq_gaps_count_as_lost_reports() {
    let centre = Central::start().await;
    let mut first = collector_at(&centre.nats.url(), "re-1", INTERVAL).await;
    let before = centre.site_becomes("re-1", "online", PATIENCE).await;
    first.stop().await;
    let _second = collector_at(&centre.nats.url(), "re-1", INTERVAL).await;
    let after = centre
        .api
        .wait_site("re-1", "from the new collector instance", PATIENCE, |s| {
            s["report"]["instance"] != before["report"]["instance"]
        })
        .await;
    assert!(after["report"]["seq"].as_u64().unwrap() <= 2, "{after}");
    assert_eq!(after["lost_reports"], 0);
    assert_eq!(after["connectivity"], "online");
    assert!(
        centre
            .metric("healthmon_aggregator_collector_restarts_total")
            .await
            >= 1.0
    );

    // A third-party publisher skips seqs: each gap counts, per site.
    let nats = centre.nats.client().await;
    for (instance, seq) in [
        ("a", 1),
        ("a", 2),
        ("a", 5),
        ("a", 6),
        ("a", 10),
        ("b", 1),
        ("b", 2),
    ] {
        let mut report = HealthReport::new("gappy", instance, seq);
        report.interval_ms = 60_000;
        nats.publish("health.report.gappy", encode(&report).into())
            .await
            .unwrap();
    }
    nats.flush().await.unwrap();
    let site = centre
        .api
        .wait_site("gappy", "with its last report", PATIENCE, |s| {
            s["report"]["instance"] == "b" && s["report"]["seq"] == 2
        })
        .await;
    // 3 and 4, then 7 to 9; the restart ("b" from 1) is not loss.
    assert_eq!(site["lost_reports"], 5, "{site}");
    let (_, list) = centre.api.get("/api/v1/sites?search=gappy").await;
    assert_eq!(list["sites"][0]["lost_reports"], 5, "{list}");
}

// ---------------------------------------------------------------- slow consumers

#[tokio::test]
async fn an_aggregator_that_cannot_keep_up_says_so_and_counts_what_it_lost() {
    let nats = NatsServer::start();
    // One message of buffer per subscription: any burst overflows it.
    let mut config = aggregator_config(NatsConfig::local(nats.url()));
    config.nats.subscription_capacity = 1;
    let aggregator = start_aggregator(config).await;
    let metrics = aggregator.service().metrics_addr;
    let flood = Flood::new(&nats, metrics).await;
    flood.burst().await;
    // Once the aggregator has taken in what it kept, one more report per
    // site (one at a time) closes every stream, so the last gap counts too.
    flood.settle().await;
    for site in 0..FLOOD_SITES {
        flood.publish_acked(site, FLOOD_SEQS + 1).await;
    }

    let sent = (FLOOD_SEQS + 1) * FLOOD_SITES;
    let kept = flood.accepted().await;
    let lost = flood
        .metric("healthmon_aggregator_lost_reports_total")
        .await;
    assert_eq!(
        kept + lost,
        sent as f64,
        "every report kept or counted lost"
    );
    let slow = flood
        .metric("healthmon_nats_events_total{event=\"slow_consumer\"}")
        .await;
    eprintln!("{sent} sent: {kept} kept, {lost} lost, {slow} slow-consumer events");
    assert!(lost > 0.0, "the flood overflowed a one-message buffer");
    assert!(slow > 0.0, "the drop was reported as a slow consumer");
}

#[tokio::test]
async fn the_default_buffer_absorbs_a_burst_without_loss() {
    let nats = NatsServer::start();
    let aggregator = start_aggregator(aggregator_config(NatsConfig::local(nats.url()))).await;
    let metrics = aggregator.service().metrics_addr;
    let flood = Flood::new(&nats, metrics).await;
    flood.burst().await;
    let sent = (FLOOD_SEQS * FLOOD_SITES) as f64;
    eventually("every report accepted", PATIENCE, || async {
        (flood.accepted().await == sent).then_some(())
    })
    .await;
    let slow = flood
        .metric("healthmon_nats_events_total{event=\"slow_consumer\"}")
        .await;
    assert_eq!(slow, 0.0);
    assert_eq!(
        flood
            .metric("healthmon_aggregator_lost_reports_total")
            .await,
        0.0
    );
}

/// A site cut off from the centre goes offline on time: not before its
/// timeout counted from its last report (at most one interval before the
/// cut), and at most [`LATE_BY`] after it.
fn assert_offline_on_time(waited: Duration) {
    assert!(
        waited >= OFFLINE_AFTER - INTERVAL,
        "offline too early: {waited:?}"
    );
    assert!(
        waited <= OFFLINE_AFTER + LATE_BY,
        "offline too late: {waited:?}"
    );
}
