//! Unit and property tests of the site state machine, on synthetic instants.

use super::clock::{Clock, T0_MS, start, tracker};
use super::*;
use healthmon_proto::query::{PageQuery, SiteSummary};
use healthmon_proto::{ConnectionStatus, HealthReport};
use healthmon_test_support::fixtures::{connectivity_change, health_change};
use proptest::prelude::*;

const INTERVAL: u64 = 200;

fn report(site: &str, seq: u64) -> HealthReport {
    let mut r = HealthReport::new(site, "inst-a", seq);
    r.interval_ms = INTERVAL;
    r
}

#[test]
fn first_report_announces_online() {
    let (clock, mut t, now, now_ms) = start();
    let o = t.on_view(&report("s1", 1).view(), now, now_ms).unwrap();
    let e = o.event.unwrap();
    assert_eq!(
        connectivity_change(&e),
        (Connectivity::Unknown, Connectivity::Online)
    );
    assert_eq!(health_change(&e), (Health::Unknown, Health::Healthy));
    assert_eq!(e.last_report_ms, Some(now_ms));
    assert!(e.reasons.is_empty());
    assert_eq!(o.deadline, Some(clock.after(300)));
    // The same state again is not news.
    let o = t.on_view(&report("s1", 2).view(), now, now_ms).unwrap();
    assert_eq!(o.event, None);
}

#[test]
fn silence_makes_late_then_offline_then_a_report_brings_it_back() {
    let (mut clock, mut t, now, now_ms) = start();
    let site = t
        .on_view(&report("s1", 1).view(), now, now_ms)
        .unwrap()
        .site;

    let (now, now_ms) = clock.advance(299);
    let o = t.on_deadline(site, now, now_ms);
    assert_eq!(o.event, None, "not late before 1.5 intervals");
    assert_eq!(o.deadline, Some(clock.after(300)));

    let (now, now_ms) = clock.advance(1);
    let o = t.on_deadline(site, now, now_ms);
    let e = o.event.unwrap();
    assert_eq!(e.connectivity, Connectivity::Late);
    assert_eq!(e.reasons, ["no report for 0.3s (late after 0.3s)"]);
    assert_eq!(o.deadline, Some(clock.after(600)));

    let (now, now_ms) = clock.advance(305);
    let o = t.on_deadline(site, now, now_ms);
    let e = o.event.unwrap();
    assert_eq!(
        connectivity_change(&e),
        (Connectivity::Late, Connectivity::Offline)
    );
    assert_eq!(e.reasons, ["no report for 0.6s (timeout 0.6s)"]);
    assert_eq!(e.last_report_ms, Some(T0_MS));
    assert_eq!(o.deadline, None);
    assert_eq!(o.detection_lag, Some(Duration::from_millis(5)));

    let (now, now_ms) = clock.advance(5_000);
    let e = t
        .on_view(&report("s1", 2).view(), now, now_ms)
        .unwrap()
        .event
        .unwrap();
    assert_eq!(
        connectivity_change(&e),
        (Connectivity::Offline, Connectivity::Online)
    );
    assert_eq!(t.counts().collect::<Vec<_>>()[0], (Connectivity::Online, 1));
}

#[test]
fn stale_seq_of_the_same_instance_is_rejected() {
    let (_clock, mut t, now, now_ms) = start();
    t.on_view(&report("s1", 5).view(), now, now_ms).unwrap();
    let e = t.on_view(&report("s1", 5).view(), now, now_ms).unwrap_err();
    assert_eq!(e.reason(), "stale_seq");
    assert!(t.on_view(&report("s1", 4).view(), now, now_ms).is_err());
    let mut restarted = report("s1", 1);
    restarted.instance = "inst-b".into();
    assert!(t.on_view(&restarted.view(), now, now_ms).is_ok());
}

#[test]
fn finding_keys_changes_are_announced_value_changes_are_not() {
    let (_clock, mut t, now, now_ms) = start();
    let mut r = report("s1", 1);
    r.connections = vec![ConnectionStatus {
        name: "plc-2".into(),
        connected: false,
    }];
    let e = t.on_view(&r.view(), now, now_ms).unwrap().event.unwrap();
    assert_eq!(e.health, Health::Degraded);
    assert_eq!(e.reasons, ["connection plc-2 disconnected"]);

    r.seq = 2;
    r.script_errors.per_min = 12.0;
    let e = t.on_view(&r.view(), now, now_ms).unwrap().event.unwrap();
    assert_eq!(health_change(&e), (Health::Degraded, Health::Degraded));
    assert_eq!(
        e.reasons,
        [
            "connection plc-2 disconnected",
            "script errors 12.0/min over 10/min"
        ]
    );

    r.seq = 3;
    r.script_errors.per_min = 15.0;
    assert_eq!(t.on_view(&r.view(), now, now_ms).unwrap().event, None);
}

#[test]
fn health_is_kept_while_late_and_its_findings_are_marked_stale() {
    let (mut clock, mut t, now, now_ms) = start();
    let mut r = report("s1", 1);
    r.sf_buffer.db_write = 2_000;
    let site = t.on_view(&r.view(), now, now_ms).unwrap().site;
    let (now, now_ms) = clock.advance(300);
    let e = t.on_deadline(site, now, now_ms).event.unwrap();
    assert_eq!(
        (e.connectivity, e.health),
        (Connectivity::Late, Health::Degraded)
    );
    assert_eq!(e.reasons, ["no report for 0.3s (late after 0.3s)"]);
    assert_eq!(
        e.judgement.stale_reasons,
        ["store-and-forward db_write 2000 pending over 1000"]
    );
}

fn row(site: &str, connectivity: Connectivity, age_ms: u64, now_ms: u64) -> SiteSummary {
    SiteSummary {
        reasons: vec!["connection plc-1 disconnected".into()],
        last_report_ms: Some(now_ms - age_ms),
        status_since_ms: Some(now_ms - age_ms),
        interval_ms: Some(INTERVAL),
        connections_total: 1,
        ..SiteSummary::new(site, connectivity, Health::Degraded)
    }
}

/// Offers `t` the aggregator's [`row`] for `site` at start-up.
fn adopt(
    t: &mut Tracker,
    site: &str,
    connectivity: Connectivity,
    age_ms: u64,
    now: Instant,
    now_ms: u64,
) -> Option<Outcome> {
    t.adopt(&row(site, connectivity, age_ms, now_ms), now, now_ms)
}

#[test]
fn adopted_sites_keep_their_state_and_deadlines_count_from_the_aggregators_receive_time() {
    let mut clock = Clock::new();
    clock.advance(10);
    let mut t = tracker(&clock);
    let (now, now_ms) = clock.now();
    let o = adopt(&mut t, "old", Connectivity::Online, 1_000, now, now_ms).unwrap();
    assert_eq!(o.event, None, "adoption is not announced");
    assert!(o.deadline.unwrap() <= now, "overdue: fire at once");
    let e = t.on_deadline(o.site, now, now_ms).event.unwrap();
    assert_eq!(
        (e.previous_connectivity, e.connectivity, e.health),
        (
            Connectivity::Online,
            Connectivity::Offline,
            Health::Degraded
        )
    );
    // Its findings are the last report's: stale now, and said so apart.
    assert_eq!(e.reasons, ["no report for 1s (timeout 0.6s)"]);
    assert_eq!(e.judgement.stale_reasons, ["connection plc-1 disconnected"]);

    let o = adopt(&mut t, "fresh", Connectivity::Online, 100, now, now_ms).unwrap();
    assert_eq!(o.deadline, Some(clock.after(10 + 200)));
    assert!(adopt(&mut t, "fresh", Connectivity::Offline, 0, now, now_ms).is_none());

    // A live report with the same health is not news; finding keys start counting from here.
    let mut r = report("fresh", 1);
    r.connections = vec![ConnectionStatus {
        name: "plc-1".into(),
        connected: false,
    }];
    assert_eq!(t.on_view(&r.view(), now, now_ms).unwrap().event, None);
}

#[test]
fn a_live_report_wins_over_a_bootstrap_row() {
    let (_clock, mut t, now, now_ms) = start();
    t.on_view(&report("s1", 1).view(), now, now_ms).unwrap();
    assert!(adopt(&mut t, "s1", Connectivity::Offline, 0, now, now_ms).is_none());
    let idx = t.site_index("s1").unwrap();
    assert_eq!(t.state(idx), (Connectivity::Online, Health::Healthy));
}

#[test]
fn restored_link_gives_a_fresh_window() {
    let (mut clock, mut t, now, now_ms) = start();
    let a = t.on_view(&report("a", 1).view(), now, now_ms).unwrap().site;
    let b = t.on_view(&report("b", 1).view(), now, now_ms).unwrap().site;
    let (now, now_ms) = clock.advance(300);
    t.on_deadline(b, now, now_ms);
    let (now, now_ms) = clock.advance(600);
    t.on_deadline(b, now, now_ms);
    assert_eq!(t.state(b).0, Connectivity::Offline);

    // Blind for a while; `a`'s deadlines passed unjudged.
    let (now, now_ms) = clock.advance(5_000);
    let deadlines = t.on_link_restored(now);
    assert_eq!(
        deadlines,
        [(a, clock.after(5_900 + 300))],
        "offline sites stay as they are"
    );
    assert_eq!(t.on_deadline(a, now, now_ms).event, None);
    let (now, now_ms) = clock.advance(300);
    assert_eq!(
        t.on_deadline(a, now, now_ms).event.unwrap().connectivity,
        Connectivity::Late
    );
}

#[test]
fn statuses_are_paged_by_site_id() {
    let (_clock, mut t, now, now_ms) = start();
    for s in ["c", "a", "b"] {
        t.on_view(&report(s, 1).view(), now, now_ms).unwrap();
    }
    let page = t.statuses(
        PageQuery {
            offset: 0,
            limit: 2,
        },
        now_ms,
    );
    assert_eq!(page.total, 3);
    let ids: Vec<_> = page.items.iter().map(|r| r.site_id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    t.on_view(&report("aa", 1).view(), now, now_ms).unwrap();
    let page = t.statuses(
        PageQuery {
            offset: 1,
            limit: 10,
        },
        now_ms,
    );
    let ids: Vec<_> = page.items.iter().map(|r| r.site_id.as_str()).collect();
    assert_eq!(ids, ["aa", "b", "c"]);
    assert_eq!(page.items[0].since_ms, now_ms);
    assert_eq!(page.items[0].connectivity, Connectivity::Online);
}

#[test]
fn site_state_stays_compact() {
    // The per-site budget at a million sites is ~150 bytes in all.
    assert!(
        std::mem::size_of::<Site>() <= 80,
        "{}",
        std::mem::size_of::<Site>()
    );
}

#[test]
fn ids_are_stored_once_and_found_again_as_the_index_grows() {
    let (_clock, mut t, now, now_ms) = start();
    let ids: Vec<String> = (0..5_000).map(|i| format!("site-{i:05}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let o = t.on_view(&report(id, 1).view(), now, now_ms).unwrap();
        assert_eq!(o.site as usize, i);
    }
    assert_eq!(t.len(), ids.len());
    assert_eq!(t.ids.len(), ids.iter().map(String::len).sum::<usize>());
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(t.site_index(id), Some(i as SiteIdx));
        assert_eq!(t.site_id(i as SiteIdx), id);
    }
    assert_eq!(t.site_index("site-5"), None);
    assert_eq!(t.site_index("site-050000"), None);
    // A second report finds the site, it does not add one.
    t.on_view(&report(&ids[42], 2).view(), now, now_ms).unwrap();
    assert_eq!(t.len(), ids.len());
}

#[test]
fn healthy_sites_hold_no_findings_and_unhealthy_ones_keep_their_reasons() {
    let (_clock, mut t, now, now_ms) = start();
    let site = t
        .on_view(&report("s1", 1).view(), now, now_ms)
        .unwrap()
        .site;
    assert!(t.sites[site as usize].findings.is_none());
    let mut r = report("s1", 2);
    r.sf_buffer.db_write = 2_000;
    t.on_view(&r.view(), now, now_ms).unwrap();
    let kept: Vec<_> = kept_slice(&t.sites[site as usize].findings)
        .iter()
        .map(|k| &*k.reason)
        .collect();
    assert_eq!(kept, ["store-and-forward db_write 2000 pending over 1000"]);
    // A new value of the same finding is kept (queries show it), unannounced.
    r.seq = 3;
    r.sf_buffer.db_write = 3_000;
    assert_eq!(t.on_view(&r.view(), now, now_ms).unwrap().event, None);
    let kept = &kept_slice(&t.sites[site as usize].findings)[0];
    assert_eq!(
        &*kept.reason,
        "store-and-forward db_write 3000 pending over 1000"
    );
    let e = t
        .on_view(&report("s1", 4).view(), now, now_ms)
        .unwrap()
        .event
        .unwrap();
    assert_eq!(e.health, Health::Healthy);
    assert!(t.sites[site as usize].findings.is_none());
}

#[test]
fn times_in_48_bits_round_trip_and_saturate() {
    for ms in [0, 1, -1, T0_MS as i64, -86_400_000, Ms48::MAX, Ms48::MIN] {
        assert_eq!(Ms48::new(ms).get(), ms);
    }
    assert_eq!(Ms48::new(i64::MAX).get(), Ms48::MAX);
    assert_eq!(Ms48::new(i64::MIN).get(), Ms48::MIN);
    assert_eq!(Ms48::unix(T0_MS).get_unix(), T0_MS);
    assert_eq!(Ms48::unix(u64::MAX).get_unix(), Ms48::MAX as u64);
    assert_eq!(Ms48::new(-5).get_unix(), 0);
}

proptest! {
    #[test]
    fn any_time_in_range_round_trips(ms in Ms48::MIN..=Ms48::MAX) {
        prop_assert_eq!(Ms48::new(ms).get(), ms);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Report {
        site: usize,
        advance: u64,
        healthy: bool,
    },
    Tick {
        advance: u64,
    },
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, 0u64..400, any::<bool>()).prop_map(|(site, advance, healthy)| Op::Report {
            site,
            advance,
            healthy
        }),
        (0u64..700).prop_map(|advance| Op::Tick { advance }),
    ]
}

proptest! {
    /// Drives the tracker like the I/O loop does (one timer per site, fired
    /// when due) and checks every event against the last report time.
    #[test]
    fn transitions_respect_the_thresholds(
        ops in proptest::collection::vec(arb_op(), 1..60),
        missed in 2u32..5,
    ) {
        let mut clock = Clock::new();
        let mut t = Tracker::new(clock.epoch, missed, Rules::default());
        // Independent of `Thresholds`, straight from the rule's wording.
        let th = Expected { late_ms: INTERVAL * 3 / 2, offline_ms: INTERVAL * u64::from(missed) };
        let mut seq = [0u64; 3];
        let mut last_report: [Option<u64>; 3] = [None; 3];
        let mut timers: Vec<Option<Instant>> = vec![None; 3];
        for op in ops {
            match op {
                Op::Report { site, advance, healthy } => {
                    let (now, now_ms) = clock.advance(advance);
                    fire_due(&mut t, &mut timers, &clock, &last_report, th)?;
                    seq[site] += 1;
                    let mut r = report(NAMES[site], seq[site]);
                    r.script_errors.per_min = if healthy { 0.0 } else { 20.0 };
                    let o = t.on_view(&r.view(), now, now_ms).unwrap();
                    last_report[site] = Some(clock.at);
                    if let Some(e) = &o.event {
                        check_event(e, clock.at, &last_report, th)?;
                    }
                    prop_assert_eq!(t.state(o.site).0, Connectivity::Online);
                    timers[o.site as usize] = o.deadline;
                }
                Op::Tick { advance } => {
                    clock.advance(advance);
                    fire_due(&mut t, &mut timers, &clock, &last_report, th)?;
                }
            }
            prop_assert_eq!(t.counts().map(|(_, n)| n).sum::<usize>(), t.len());
            // Nothing is overdue after firing: each site is exactly what its silence says.
            for (i, last) in last_report.iter().enumerate() {
                if let (Some(last), Some(idx)) = (last, t.site_index(NAMES[i])) {
                    let silent = clock.at - last;
                    let want = if silent >= th.offline_ms {
                        Connectivity::Offline
                    } else if silent >= th.late_ms {
                        Connectivity::Late
                    } else {
                        Connectivity::Online
                    };
                    prop_assert_eq!(t.state(idx).0, want);
                }
            }
        }
    }
}

const NAMES: [&str; 3] = ["s0", "s1", "s2"];

#[derive(Debug, Clone, Copy)]
struct Expected {
    late_ms: u64,
    offline_ms: u64,
}

/// Late/offline never before their threshold after the last report; every
/// event changes something.
fn check_event(
    e: &StatusEvent,
    at: u64,
    last_report: &[Option<u64>; 3],
    th: Expected,
) -> Result<(), TestCaseError> {
    prop_assert!(
        e.connectivity != e.previous_connectivity
            || e.health != e.previous_health
            || e.connectivity == Connectivity::Online
    );
    let site = NAMES.iter().position(|n| *n == e.site_id).unwrap();
    let elapsed = at - last_report[site].unwrap();
    match e.connectivity {
        Connectivity::Offline => prop_assert!(elapsed >= th.offline_ms),
        Connectivity::Late => prop_assert!(elapsed >= th.late_ms),
        _ => {}
    }
    Ok(())
}

fn fire_due(
    t: &mut Tracker,
    timers: &mut [Option<Instant>],
    clock: &Clock,
    last_report: &[Option<u64>; 3],
    th: Expected,
) -> Result<(), TestCaseError> {
    let (now, now_ms) = clock.now();
    // Fire each due timer, and again if it re-armed for a time already past.
    while let Some(i) = (0..timers.len()).find(|&i| timers[i].is_some_and(|at| at <= now)) {
        let o = t.on_deadline(i as SiteIdx, now, now_ms);
        if let Some(e) = &o.event {
            check_event(e, clock.at, last_report, th)?;
        }
        timers[i] = o.deadline;
    }
    Ok(())
}

#[test]
fn a_seq_gap_within_one_instance_counts_the_reports_lost() {
    let (_clock, mut t, now, now_ms) = start();
    let mut r = report("s1", 1);
    let lost = |t: &mut Tracker, r: &HealthReport| t.on_view(&r.view(), now, now_ms).unwrap().lost;
    assert_eq!(
        lost(&mut t, &r),
        0,
        "the first report: nothing to compare with"
    );
    r.seq = 2;
    assert_eq!(lost(&mut t, &r), 0);
    r.seq = 5;
    assert_eq!(lost(&mut t, &r), 2, "3 and 4 never arrived");
    r.instance = "restarted".into();
    r.seq = 1;
    assert_eq!(lost(&mut t, &r), 0, "a new instance starts its own count");
}
