//! Incidents and lost links through the tracker: reports carry the labels,
//! deadlines make sites silent, and the incidents come out of
//! `take_incidents` as the engine would publish them.

use super::super::clock::Clock;
use super::*;
use crate::rules::Rules;
use healthmon_proto::{HealthReport, Incident, IncidentState};

const INTERVAL: u64 = 200;

fn tracker(clock: &Clock) -> Tracker {
    let mut rules = Rules::default();
    rules.incidents.label = Some("region".into());
    Tracker::new(clock.epoch, 3, rules)
}

fn report(site: &str, seq: u64, labels: &[(&str, &str)]) -> HealthReport {
    let mut r = HealthReport::new(site, "inst-a", seq);
    r.interval_ms = INTERVAL;
    r.labels = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    r
}

/// Four sites in region north, two of them behind leaf eu-1; one in south.
fn fleet(clock: &Clock) -> Tracker {
    let mut t = tracker(clock);
    for (site, labels) in [
        ("n1", &[("region", "north"), ("leaf", "eu-1")][..]),
        ("n2", &[("region", "north"), ("leaf", "eu-1")]),
        ("n3", &[("region", "north")]),
        ("n4", &[("region", "north")]),
        ("s1", &[("region", "south")]),
    ] {
        reports(&mut t, clock, &[site], 1, labels);
    }
    t
}

/// `sites` report `seq` with `labels` now.
fn reports(t: &mut Tracker, clock: &Clock, sites: &[&str], seq: u64, labels: &[(&str, &str)]) {
    let (now, now_ms) = clock.now();
    for site in sites {
        t.on_view(&report(site, seq, labels).view(), now, now_ms)
            .unwrap();
    }
}

/// The one incident the last steps closed.
fn closed_one(t: &mut Tracker) -> Incident {
    let mut closed = t.take_incidents();
    assert_eq!(closed.len(), 1, "{closed:?}");
    let incident = closed.remove(0);
    assert_eq!(incident.state, IncidentState::Closed);
    incident
}

fn fire(t: &mut Tracker, clock: &Clock, sites: &[&str]) {
    let (now, now_ms) = clock.now();
    for site in sites {
        let idx = t.site_index(site).unwrap();
        t.on_deadline(idx, now, now_ms);
    }
}

#[test]
fn most_of_a_region_falling_silent_is_one_incident_that_closes_when_they_report() {
    let mut clock = Clock::new();
    let mut t = fleet(&clock);
    assert!(t.take_incidents().is_empty());
    clock.advance(300);
    fire(&mut t, &clock, &["n1", "n2"]);
    assert!(
        t.take_incidents().is_empty(),
        "2 silent sites are not enough"
    );
    fire(&mut t, &clock, &["n3"]);
    let opened = t.take_incidents();
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(
        (opened[0].id.as_str(), opened[0].sites, opened[0].silent),
        ("region=north", 4, 3)
    );
    assert_eq!(t.refresh_incidents(clock.now().1), opened);

    clock.advance(100);
    reports(&mut t, &clock, &["n1", "n2"], 2, &[("region", "north")]);
    assert!(t.take_incidents().is_empty(), "1 of 4 silent is not over");
    let (_, now_ms) = clock.advance(10);
    reports(&mut t, &clock, &["n3"], 2, &[("region", "north")]);
    let closed = closed_one(&mut t);
    assert_eq!((closed.closed_ms, closed.silent), (Some(now_ms), 0));
    assert!(t.refresh_incidents(now_ms).is_empty());
}

#[test]
fn a_lost_leaf_makes_its_sites_late_as_one_link_incident() {
    let mut clock = Clock::new();
    let mut t = fleet(&clock);
    let (now, now_ms) = clock.advance(50);
    let down = LinkDown::Leaf {
        name: "eu-1".into(),
        at_ms: now_ms,
    };
    let outcomes = t.on_link_down(&down, now, now_ms);
    assert_eq!(outcomes.len(), 2);
    assert_eq!(t.late_by_lost_link(), 2);
    let incidents = t.take_incidents();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(
        (incidents[0].id.as_str(), incidents[0].kind.as_str()),
        ("leaf=eu-1", "link")
    );
    assert_eq!((incidents[0].sites, incidents[0].silenced), (2, 2));

    // Offline at the normal timeout: still explained, no longer late.
    clock.advance(550);
    fire(&mut t, &clock, &["n1"]);
    assert_eq!(t.late_by_lost_link(), 1);
    // n2 reports again through another leaf.
    clock.advance(10);
    reports(&mut t, &clock, &["n2"], 2, &[("region", "north")]);
    assert_eq!(t.late_by_lost_link(), 0);
    // One of one silent behind eu-1 is all of it: the incident stays open.
    assert!(t.take_incidents().is_empty());
    clock.advance(10);
    reports(&mut t, &clock, &["n1"], 2, &[("leaf", "eu-1")]);
    assert_eq!(closed_one(&mut t).id, "leaf=eu-1");
}
