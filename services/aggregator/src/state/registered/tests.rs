use super::*;
use healthmon_proto::fixtures;
use healthmon_proto::{Connectivity, Health, HealthReport, StatusEvent};

fn record(first_report_ms: Option<u64>) -> SiteRecord {
    let mut r = SiteRecord::declared(1, Source::Roster);
    r.first_report_ms = first_report_ms;
    r
}

fn window(until_ms: Option<u64>) -> Maintenance {
    Maintenance {
        since_ms: 100,
        until_ms,
        reason: Some("firmware".into()),
        by: "alice".into(),
    }
}

#[test]
fn a_registered_site_not_heard_from_is_shown_unknown_with_why() {
    let mut t = SiteTable::new();
    t.apply_record("quiet", Some(record(Some(5))), 1_000);
    t.apply_record("new", Some(record(None)), 1_000);
    let mut spare = record(None);
    spare.expected = false;
    t.apply_record("spare", Some(spare), 1_000);

    for (site, reason) in [
        ("quiet", NO_REPORT_SINCE_START),
        ("new", NEVER_REPORTED),
        ("spare", NOT_EXPECTED),
    ] {
        let d = t.detail(site).unwrap();
        assert_eq!(
            (d.connectivity, d.health),
            (Connectivity::Unknown, Health::Unknown)
        );
        assert_eq!(d.reasons, vec![reason.to_owned()], "{site}");
        assert!(d.registry.is_some());
    }
    assert_eq!(t.summary().unknown, 3);
}

#[test]
fn the_assessors_judgement_and_a_report_replace_the_registry_reason() {
    let mut t = SiteTable::new();
    t.apply_record("a", Some(record(Some(5))), 1_000);
    t.apply_status(StatusEvent {
        v: 1,
        site_id: "a".into(),
        at_ms: 2_000,
        connectivity: Connectivity::Offline,
        previous_connectivity: Connectivity::Unknown,
        health: Health::Unknown,
        previous_health: Health::Unknown,
        reasons: vec!["no report since the centre started (timeout 90s)".into()],
        last_report_ms: None,
        judgement: Default::default(),
    });
    // A registry change after the judgement does not overwrite it.
    t.apply_record("a", Some(record(Some(5))), 3_000);
    assert_eq!(t.detail("a").unwrap().connectivity, Connectivity::Offline);
    assert!(t.detail("a").unwrap().reasons[0].contains("timeout"));
}

#[test]
fn a_window_opens_and_closes_by_itself_on_time() {
    let mut t = SiteTable::new();
    t.apply_record("a", Some(record(Some(5))), 1_000);
    t.apply_maintenance("a", Some(window(Some(2_000))), 1_000);
    assert!(t.get("a").unwrap().maintenance);
    assert_eq!(t.summary().maintenance, 1);
    assert_eq!(t.next_window_end(), Some(2_000));
    assert_eq!(t.expire_windows(1_999), 0);
    assert_eq!(t.expire_windows(2_000), 1);
    assert!(!t.get("a").unwrap().maintenance);
    assert_eq!(t.summary().maintenance, 0);
    assert_eq!(t.next_window_end(), None);
    assert!(t.detail("a").unwrap().maintenance_window.is_none());
}

#[test]
fn a_window_already_over_when_it_arrives_is_not_open() {
    let mut t = SiteTable::new();
    t.apply_maintenance("a", Some(window(Some(500))), 1_000);
    assert!(!t.get("a").unwrap().maintenance);
    assert_eq!(t.next_window_end(), None);
}

#[test]
fn a_replaced_or_cleared_window_leaves_no_stale_end() {
    let mut t = SiteTable::new();
    t.apply_maintenance("a", Some(window(Some(5_000))), 1_000);
    t.apply_maintenance("a", Some(window(None)), 1_100);
    assert_eq!(t.next_window_end(), None, "open-ended now");
    t.apply_maintenance("a", None, 1_200);
    assert!(!t.get("a").unwrap().maintenance);
    assert_eq!(t.expire_windows(10_000), 0);
}

#[test]
fn deleting_the_record_forgets_the_site() {
    let mut t = SiteTable::new();
    t.apply_report(&fixtures::healthy("a").view(), 10).unwrap();
    t.apply_record("a", Some(record(Some(10))), 20);
    t.apply_maintenance("a", Some(window(Some(9_000))), 20);
    t.apply_record("a", None, 30);
    assert!(t.get("a").is_none());
    assert_eq!(t.next_window_end(), None);
    // Its report brings it back.
    t.apply_report(&fixtures::healthy("a").view(), 40).unwrap();
    assert!(t.get("a").is_some());
}

#[test]
fn declared_labels_win_over_those_the_site_sends() {
    let mut t = SiteTable::new();
    let mut report = fixtures::full("a");
    report.labels.insert("rack".into(), "7".into());
    t.apply_report(&report.view(), 10).unwrap();
    // Before the registry knows the site: its report's labels.
    assert_eq!(
        t.get("a").unwrap().label("region").as_deref(),
        Some("eu-west")
    );
    let mut r = record(Some(10));
    r.labels.insert("region".into(), "eu-central".into());
    r.declared_labels = report.labels.clone();
    t.apply_record("a", Some(r), 20);
    let entry = t.get("a").unwrap();
    assert_eq!(entry.label("region").as_deref(), Some("eu-central"));
    assert_eq!(entry.label("rack").as_deref(), Some("7"));
    let wanted: Labels = [("region".to_owned(), "eu-central".to_owned())].into();
    assert!(entry.has_labels(&wanted));
    let page = t.list(&healthmon_proto::query::ListQuery {
        labels: wanted,
        ..Default::default()
    });
    assert_eq!(page.total, 1);
}

#[test]
fn with_auto_registration_off_only_listed_sites_are_admitted_once_the_registry_is_read() {
    let mut t = SiteTable::new();
    let report = HealthReport::new("stranger", "i", 1);
    assert!(
        t.admit(&report.view(), false).is_ok(),
        "registry not read yet"
    );
    t.set_registry_loaded();
    assert_eq!(
        t.admit(&report.view(), false).unwrap_err().reason(),
        "unregistered"
    );
    assert!(t.admit(&report.view(), true).is_ok());
    t.apply_record("stranger", Some(record(None)), 5);
    assert!(t.admit(&report.view(), false).is_ok());
}

#[test]
fn a_report_offers_what_the_registry_does_not_know_yet_and_nothing_after() {
    let mut t = SiteTable::new();
    let mut report = fixtures::healthy("a");
    t.apply_report(&report.view(), 10).unwrap();
    let offer = t.registration(&report.view(), 10).expect("not registered");
    let written = offer.apply(None).unwrap();
    assert_eq!(written.source, Source::Report);
    assert_eq!(written.first_report_ms, Some(10));
    assert_eq!(written.declared_interval_ms, Some(report.interval_ms));
    t.apply_record("a", Some(written.clone()), 11);
    assert_eq!(t.registration(&report.view(), 20), None, "all known");
    assert_eq!(offer.apply(Some(written.clone())), None, "nothing to write");

    report.interval_ms = 60_000;
    let offer = t.registration(&report.view(), 30).expect("a new interval");
    let updated = offer.apply(Some(written)).unwrap();
    assert_eq!(updated.declared_interval_ms, Some(60_000));
    assert_eq!(updated.first_report_ms, Some(10), "kept");
}

#[test]
fn a_window_or_an_ack_keeps_an_unheard_sites_reason() {
    let mut t = SiteTable::new();
    t.apply_record("new", Some(record(None)), 1_000);
    let mut spare = record(None);
    spare.expected = false;
    t.apply_record("spare", Some(spare), 1_000);

    t.apply_maintenance("new", Some(window(None)), 1_100);
    t.apply_maintenance("new", None, 1_200);
    t.apply_ack("spare", Some(ack_of(&t, "spare")), 1_300);
    assert_eq!(t.detail("new").unwrap().reasons, vec![NEVER_REPORTED]);
    assert_eq!(t.detail("spare").unwrap().reasons, vec![NOT_EXPECTED]);

    // A window that arrives before its site's record (the bucket loads in
    // any order): the record, when it comes, says why.
    t.apply_maintenance("later", Some(window(None)), 1_400);
    t.apply_record("later", Some(record(None)), 1_500);
    assert_eq!(t.detail("later").unwrap().reasons, vec![NEVER_REPORTED]);
}

#[test]
fn an_ack_shows_only_while_the_state_it_names_lasts() {
    let mut t = SiteTable::new();
    t.apply_record("a", Some(record(Some(1))), 1_000);
    let since = t.get("a").unwrap().status_since_ms.unwrap();
    t.apply_ack(
        "a",
        Some(Ack {
            at_ms: 1_500,
            by: "bob".into(),
            note: "known".into(),
            connectivity: Connectivity::Unknown,
            health: Health::Unknown,
            since_ms: since,
        }),
        1_500,
    );
    assert!(t.detail("a").unwrap().ack.is_some());
    assert!(t.list(&Default::default()).sites[0].acknowledged);
    t.apply_status(StatusEvent {
        previous_connectivity: Connectivity::Unknown,
        ..offline("a", 2_000, Health::Unknown)
    });
    assert!(t.detail("a").unwrap().ack.is_none(), "a new state");
}

fn offline(site: &str, at_ms: u64, health: Health) -> StatusEvent {
    StatusEvent {
        health,
        previous_health: health,
        reasons: vec![],
        ..fixtures::offline_event(site, at_ms)
    }
}

fn ack_of(t: &SiteTable, site: &str) -> Ack {
    let d = t.detail(site).unwrap();
    Ack {
        at_ms: 5_000,
        by: "bob".into(),
        note: "on it".into(),
        connectivity: d.connectivity,
        health: d.health,
        since_ms: d.status_since_ms.unwrap(),
    }
}

fn listed(t: &SiteTable, acknowledged: Option<bool>) -> Vec<(String, bool)> {
    t.list(&healthmon_proto::query::ListQuery {
        acknowledged,
        ..Default::default()
    })
    .sites
    .into_iter()
    .map(|s| (s.site_id, s.acknowledged))
    .collect()
}

/// Issue 13: an acknowledged problem moves below the unacknowledged
/// problems of its rank; when the site's state changes the acknowledgement
/// no longer applies (it is kept, not deleted) and the site takes its
/// place again among the unacknowledged, at once, with the filter following.
#[test]
fn an_acknowledged_site_sorts_below_its_rank_until_its_state_changes() {
    let mut t = SiteTable::new();
    t.apply_status(offline("old", 1_000, Health::Healthy));
    t.apply_status(offline("new", 2_000, Health::Healthy));
    t.apply_status(offline("crit", 3_000, Health::Critical));
    let own = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
        v.iter().map(|(s, a)| (s.to_string(), *a)).collect()
    };
    assert_eq!(
        listed(&t, None),
        own(&[("crit", false), ("old", false), ("new", false)])
    );

    let ack = ack_of(&t, "old");
    t.apply_ack("old", Some(ack.clone()), 5_000);
    assert_eq!(
        listed(&t, None),
        own(&[("crit", false), ("new", false), ("old", true)])
    );
    assert_eq!(listed(&t, Some(true)), own(&[("old", true)]));
    assert_eq!(
        listed(&t, Some(false)),
        own(&[("crit", false), ("new", false)])
    );
    assert_eq!(t.list(&Default::default()).total, 3);

    // Acknowledging the worst rank keeps it first: the rank still decides.
    t.apply_ack("crit", Some(ack_of(&t, "crit")), 5_000);
    assert_eq!(listed(&t, None)[0], ("crit".to_owned(), true));
    t.apply_ack("crit", None, 5_100);

    // The site's health changes while offline: a new state, no longer the
    // one acknowledged; it is ranked afresh, unacknowledged.
    t.apply_status(StatusEvent {
        previous_health: Health::Healthy,
        ..offline("old", 6_000, Health::Degraded)
    });
    assert_eq!(
        listed(&t, None),
        own(&[("crit", false), ("old", false), ("new", false)])
    );
    assert_eq!(listed(&t, Some(true)), own(&[]));
    // Kept in the registry's part, ignored.
    assert_eq!(
        t.get("old").unwrap().registered().unwrap().ack.as_ref(),
        Some(&ack)
    );
    assert!(t.detail("old").unwrap().ack.is_none());

    // Withdrawn: back among the unacknowledged.
    t.apply_ack("new", Some(ack_of(&t, "new")), 7_000);
    assert_eq!(listed(&t, Some(true)), own(&[("new", true)]));
    t.apply_ack("new", None, 8_000);
    assert_eq!(listed(&t, Some(true)), own(&[]));
    assert_eq!(
        listed(&t, None),
        own(&[("crit", false), ("old", false), ("new", false)])
    );
}
