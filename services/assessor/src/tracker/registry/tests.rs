//! The registry's sites in the tracker: judged before they report, capped
//! intervals, expected intervals, forget, and admission.

use std::time::Duration;

use healthmon_proto::fleet::{SiteRecord, Source};
use healthmon_proto::query::PageQuery;
use healthmon_proto::{Connectivity, HealthReport, Rejection};
use healthmon_test_support::fixtures::connectivity_change;

use super::super::Tracker;
use super::super::clock::{Clock, T0_MS, start, tracker};

fn record(interval_ms: Option<u64>, first_report_ms: Option<u64>) -> SiteRecord {
    SiteRecord {
        expected: true,
        labels: Default::default(),
        interval_ms,
        registered_ms: T0_MS,
        source: Source::Roster,
        declared_interval_ms: None,
        declared_labels: Default::default(),
        first_report_ms,
    }
}

fn report(site: &str, seq: u64, interval_ms: u64) -> HealthReport {
    let mut r = HealthReport::new(site, "inst-a", seq);
    r.interval_ms = interval_ms;
    r
}

fn count(t: &Tracker, c: Connectivity) -> usize {
    t.counts().find(|(k, _)| *k == c).map_or(0, |(_, n)| n)
}

#[test]
fn a_registered_site_never_heard_goes_offline_after_its_window_saying_why() {
    let (mut clock, mut t, now, now_ms) = start();
    // Reported before (first_report_ms set), expected every 1 s.
    let o = t
        .apply_record(
            "quiet",
            Some(&record(Some(1000), Some(T0_MS - 5000))),
            now,
            now_ms,
        )
        .unwrap();
    assert_eq!(o.event, None, "unknown is where it starts: no news");
    assert_eq!(
        o.deadline,
        Some(clock.after(1500)),
        "late after 1.5 intervals"
    );
    assert_eq!(count(&t, Connectivity::Unknown), 1);

    // Late, then offline, each saying the centre never heard it.
    for (connectivity, deadline) in [
        (Connectivity::Late, "late after 1.5s"),
        (Connectivity::Offline, "timeout 3s"),
    ] {
        let (now, now_ms) = clock.advance(1500);
        let e = t.on_deadline(o.site, now, now_ms).event.unwrap();
        assert_eq!(e.connectivity, connectivity);
        assert_eq!(
            e.reasons[0],
            format!("no report since the centre started ({deadline})")
        );
        assert_eq!(e.last_report_ms, None, "no report heard by this centre");
    }
}

#[test]
fn a_site_that_never_reported_says_so_and_one_not_expected_is_left_alone() {
    let (mut clock, mut t, now, now_ms) = start();
    let new = t
        .apply_record("new", Some(&record(Some(1000), None)), now, now_ms)
        .unwrap();
    let spare = SiteRecord {
        expected: false,
        ..record(Some(1000), None)
    };
    let spare = t.apply_record("spare", Some(&spare), now, now_ms).unwrap();
    assert_eq!(
        spare.deadline, None,
        "never judged for silence before it reports"
    );

    let (now, now_ms) = clock.advance(1500);
    t.on_deadline(new.site, now, now_ms);
    let (now, now_ms) = clock.advance(1500);
    let e = t.on_deadline(new.site, now, now_ms).event.unwrap();
    assert_eq!(e.connectivity, Connectivity::Offline);
    let row = |t: &mut Tracker, id: &str| {
        t.statuses(PageQuery::default(), now_ms)
            .items
            .into_iter()
            .find(|r| r.site_id == id)
            .unwrap()
    };
    let new_row = row(&mut t, "new");
    assert_eq!(new_row.connectivity, Connectivity::Offline);
    assert_eq!(new_row.reasons[0], "never reported (timeout 3s)");
    let spare_row = row(&mut t, "spare");
    assert_eq!(spare_row.connectivity, Connectivity::Unknown);
    assert_eq!(spare_row.reasons, ["not expected to report"]);

    // Once it reports, a spare is judged like any other site.
    let o = t
        .on_view(&report("spare", 1, 1000).view(), now, now_ms)
        .unwrap();
    assert_eq!(o.deadline, Some(clock.after(3000 + 1500)));
}

#[test]
fn the_registrys_interval_wins_and_a_declared_one_above_the_maximum_is_capped() {
    let clock = Clock::new();
    let mut t = tracker(&clock).with_max_interval(Duration::from_secs(60));
    let (now, now_ms) = clock.now();
    let day = 24 * 60 * 60 * 1000;

    let o = t
        .on_view(&report("slow", 1, day).view(), now, now_ms)
        .unwrap();
    assert_eq!(
        o.deadline,
        Some(clock.after(90_000)),
        "late after 1.5 × 1 min"
    );
    let e = o.event.unwrap();
    assert_eq!(e.health, healthmon_proto::Health::Degraded);
    assert_eq!(
        e.reasons,
        ["declares a 86400s interval, judged by the 60s maximum (--max-interval)"]
    );

    // An expected interval in the registry overrides both, and the cap's
    // finding goes with the next report.
    let o = t
        .apply_record(
            "slow",
            Some(&record(Some(10_000), Some(T0_MS))),
            now,
            now_ms,
        )
        .unwrap();
    assert_eq!(o.deadline, Some(clock.after(15_000)));
    let o = t
        .on_view(&report("slow", 2, day).view(), now, now_ms)
        .unwrap();
    let e = o.event.unwrap();
    assert_eq!(e.health, healthmon_proto::Health::Healthy);
    assert!(e.reasons.is_empty());
    // Deleting the expected interval brings the cap back.
    let o = t
        .apply_record("slow", Some(&record(None, Some(T0_MS))), now, now_ms)
        .unwrap();
    assert_eq!(o.deadline, Some(clock.after(90_000)));
}

#[test]
fn a_forgotten_site_is_not_judged_counted_or_listed_until_it_reports_again() {
    let (mut clock, mut t, now, now_ms) = start();
    t.on_view(&report("old", 1, 1000).view(), now, now_ms)
        .unwrap();
    t.on_view(&report("kept", 1, 1000).view(), now, now_ms)
        .unwrap();
    assert_eq!(count(&t, Connectivity::Online), 2);

    let o = t.apply_record("old", None, now, now_ms).unwrap();
    assert_eq!(o.deadline, None, "its timer is cancelled");
    assert!(
        t.apply_record("old", None, now, now_ms).is_none(),
        "forgotten once"
    );
    assert!(t.apply_record("never-seen", None, now, now_ms).is_none());
    assert_eq!(count(&t, Connectivity::Online), 1);
    assert_eq!(count(&t, Connectivity::Unknown), 0);
    let page = t.statuses(PageQuery::default(), now_ms);
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].site_id, "kept");

    let (now, now_ms) = clock.advance(10);
    let o = t
        .on_view(&report("old", 2, 1000).view(), now, now_ms)
        .unwrap();
    let e = o.event.unwrap();
    assert_eq!(
        connectivity_change(&e),
        (Connectivity::Unknown, Connectivity::Online)
    );
    assert!(o.deadline.is_some());
    assert_eq!(count(&t, Connectivity::Online), 2);
    assert_eq!(t.statuses(PageQuery::default(), now_ms).total, 2);
}

#[test]
fn a_forgotten_site_listed_again_is_judged_from_then() {
    let (clock, mut t, now, now_ms) = start();
    t.on_view(&report("back", 1, 1000).view(), now, now_ms)
        .unwrap();
    t.apply_record("back", None, now, now_ms);
    let o = t
        .apply_record("back", Some(&record(Some(2000), Some(T0_MS))), now, now_ms)
        .unwrap();
    assert_eq!(o.deadline, Some(clock.after(3000)));
    assert_eq!(count(&t, Connectivity::Unknown), 1);
    assert_eq!(count(&t, Connectivity::Online), 0);
}

#[test]
fn without_auto_registration_only_listed_sites_are_judged_once_the_registry_is_read() {
    let (_clock, mut t, now, now_ms) = start();
    assert_eq!(t.admit("stranger", false), Ok(()), "registry not read yet");
    t.apply_record("listed", Some(&record(None, None)), now, now_ms);
    t.set_registry_loaded();
    assert_eq!(t.admit("listed", false), Ok(()));
    assert_eq!(
        t.admit("stranger", false),
        Err(Rejection::Unregistered("stranger".to_owned()))
    );
    assert_eq!(t.admit("stranger", true), Ok(()));
}
