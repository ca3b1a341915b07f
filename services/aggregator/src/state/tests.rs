use std::collections::BTreeSet;

use healthmon_proto::query::{ListQuery, SortOrder, StatusRow};
use proptest::prelude::*;

use super::*;
use healthmon_proto::HealthReport;

/// Opens (or ends) an open-ended maintenance window, as the registry would.
pub(crate) fn maintain(t: &mut SiteTable, site: &str, on: bool) {
    let window = on.then(|| healthmon_proto::fleet::Maintenance {
        since_ms: 1,
        until_ms: None,
        reason: None,
        by: "admin".into(),
    });
    t.apply_maintenance(site, window, 2);
}

fn report(site: &str, instance: &str, seq: u64) -> HealthReport {
    HealthReport::new(site, instance, seq)
}

fn event(site: &str, at_ms: u64, c: Connectivity, h: Health) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms,
        connectivity: c,
        previous_connectivity: Connectivity::Unknown,
        health: h,
        previous_health: Health::Unknown,
        reasons: vec![format!("{c}/{h}")],
        last_report_ms: None,
        judgement: Default::default(),
    }
}

fn row(site: &str, since_ms: u64, c: Connectivity, h: Health) -> StatusRow {
    StatusRow {
        site_id: site.into(),
        connectivity: c,
        health: h,
        reasons: vec!["from assessor".into()],
        last_report_ms: Some(since_ms),
        since_ms,
        judgement: Default::default(),
    }
}

#[test]
fn first_report_creates_an_unknown_site() {
    let mut t = SiteTable::new();
    let applied = t.apply_report(&report("a", "i", 3).view(), 100).unwrap();
    assert_eq!(
        applied,
        Applied {
            new_site: true,
            restarted: false,
            lost: 0
        }
    );
    let e = t.get("a").unwrap();
    assert_eq!(
        (e.connectivity, e.health),
        (Connectivity::Unknown, Health::Unknown)
    );
    assert_eq!(e.last_report_ms, Some(100));
    assert_eq!(
        e.lost_reports, 0,
        "a first report with seq > 1 loses nothing we saw"
    );
}

#[test]
fn stale_seq_is_refused_and_changes_nothing() {
    let mut t = SiteTable::new();
    t.apply_report(&report("a", "i", 5).view(), 100).unwrap();
    for seq in [5, 4, 1] {
        let err = t
            .apply_report(&report("a", "i", seq).view(), 200)
            .unwrap_err();
        assert_eq!(err.reason(), "stale_seq");
    }
    assert_eq!(t.get("a").unwrap().last_report_ms, Some(100));
    assert_eq!(t.get("a").unwrap().report().unwrap().seq, 5);
}

#[test]
fn gaps_count_as_lost_and_a_new_instance_restarts_seq() {
    let mut t = SiteTable::new();
    t.apply_report(&report("a", "i", 1).view(), 1).unwrap();
    assert_eq!(
        t.apply_report(&report("a", "i", 4).view(), 2).unwrap().lost,
        2
    );
    let restart = t.apply_report(&report("a", "j", 1).view(), 3).unwrap();
    assert_eq!(
        restart,
        Applied {
            new_site: false,
            restarted: true,
            lost: 0
        }
    );
    assert_eq!(
        t.apply_report(&report("a", "j", 3).view(), 4).unwrap().lost,
        1
    );
    assert_eq!(t.get("a").unwrap().lost_reports, 3);
}

#[test]
fn status_event_sets_status_and_creates_unseen_sites() {
    let mut t = SiteTable::new();
    assert!(t.apply_status(event("x", 50, Connectivity::Offline, Health::Critical)));
    let e = t.get("x").unwrap();
    assert_eq!(
        (e.connectivity, e.health),
        (Connectivity::Offline, Health::Critical)
    );
    assert_eq!(e.reasons, vec!["offline/critical".to_owned()]);
    assert_eq!(e.status_since_ms, Some(50));
    assert!(e.report.is_none());
}

#[test]
fn reasons_only_change_keeps_status_since() {
    let mut t = SiteTable::new();
    t.apply_status(event("x", 50, Connectivity::Online, Health::Degraded));
    let mut again = event("x", 80, Connectivity::Online, Health::Degraded);
    again.previous_connectivity = Connectivity::Online;
    again.previous_health = Health::Degraded;
    again.reasons = vec!["other rule".into()];
    assert!(!t.apply_status(again));
    let e = t.get("x").unwrap();
    assert_eq!(e.status_since_ms, Some(50));
    assert_eq!(e.reasons, vec!["other rule".to_owned()]);
}

#[test]
fn bootstrap_never_overrides_a_newer_live_status() {
    let mut t = SiteTable::new();
    t.apply_status(event("live", 100, Connectivity::Offline, Health::Healthy));
    assert_eq!(
        t.apply_bootstrap(row("live", 90, Connectivity::Online, Health::Healthy)),
        None
    );
    assert_eq!(
        t.apply_bootstrap(row("live", 100, Connectivity::Online, Health::Healthy)),
        None
    );
    assert_eq!(t.get("live").unwrap().connectivity, Connectivity::Offline);
    // A strictly newer row (the status changed again before our pull) wins.
    assert_eq!(
        t.apply_bootstrap(row("live", 120, Connectivity::Late, Health::Healthy)),
        Some(false)
    );
    assert_eq!(t.get("live").unwrap().connectivity, Connectivity::Late);
    // Sites only the assessor knows (offline ones) are created.
    assert_eq!(
        t.apply_bootstrap(row("gone", 10, Connectivity::Offline, Health::Unknown)),
        Some(true)
    );
    assert_eq!(t.get("gone").unwrap().last_report_ms, Some(10));
    // And a live event after the pull always applies.
    t.apply_status(event("gone", 5, Connectivity::Online, Health::Healthy));
    assert_eq!(t.get("gone").unwrap().connectivity, Connectivity::Online);
}

#[test]
fn reports_keep_status_and_statuses_keep_reports() {
    let mut t = SiteTable::new();
    t.apply_report(&report("a", "i", 1).view(), 10).unwrap();
    t.apply_status(event("a", 20, Connectivity::Online, Health::Healthy));
    t.apply_report(&report("a", "i", 2).view(), 30).unwrap();
    let e = t.get("a").unwrap();
    assert_eq!(e.connectivity, Connectivity::Online);
    assert_eq!(e.report().unwrap().seq, 2);
    assert_eq!(e.last_report_ms, Some(30));
}

#[test]
fn get_list_and_summary_views() {
    let mut t = SiteTable::new();
    t.apply_report(&report("b-site", "i", 1).view(), 10)
        .unwrap();
    t.apply_status(event("a-site", 20, Connectivity::Online, Health::Healthy));
    t.apply_status(event("c-site", 20, Connectivity::Offline, Health::Healthy));
    let s = t.summary();
    assert_eq!(
        (s.total, s.online, s.offline, s.unknown, s.healthy),
        (3, 1, 1, 1, 2)
    );
    let ids = |q: ListQuery| {
        t.list(&q)
            .sites
            .into_iter()
            .map(|s| s.site_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(ListQuery::default()), ["c-site", "b-site", "a-site"]);
    assert_eq!(
        ids(ListQuery {
            sort: SortOrder::SiteId,
            ..Default::default()
        }),
        ["a-site", "b-site", "c-site"]
    );
    let page = t.list(&ListQuery {
        search: Some("SITE".into()),
        offset: 1,
        limit: 1,
        ..Default::default()
    });
    assert_eq!((page.total, page.offset, page.limit), (3, 1, 1));
    assert_eq!(page.sites[0].site_id, "b-site");
    let offline = t.list(&ListQuery {
        connectivity: vec![Connectivity::Offline],
        ..Default::default()
    });
    assert_eq!(offline.total, 1);
    assert!(
        t.list(&ListQuery {
            offset: 99,
            ..Default::default()
        })
        .sites
        .is_empty()
    );
    assert_eq!(t.detail("b-site").unwrap().report.unwrap().seq, 1);
    assert!(t.detail("nope").is_none());
}

fn arb_table() -> impl Strategy<Value = SiteTable> {
    proptest::collection::vec(
        (
            "[a-f]{1,3}",
            0usize..4,
            0usize..4,
            any::<bool>(),
            0u8..8,
            // When a status began: few distinct times, so problems of one
            // rank often tie on time and their ids decide.
            0u64..5,
        ),
        0..60,
    )
    .prop_map(|rows| {
        let mut t = SiteTable::new();
        for (i, (site, c, h, reported, flag, at)) in rows.into_iter().enumerate() {
            if reported {
                let _ = t.apply_report(&report(&site, "i", i as u64 + 1).view(), i as u64);
            } else {
                t.apply_status(event(&site, at, Connectivity::ALL[c], Health::ALL[h]));
            }
            // Now and then an admin opens (or ends) a maintenance window,
            // acknowledges the site's current state, or one it has left (a
            // later status of the same site ends what was acknowledged).
            match flag {
                0 | 1 => maintain(&mut t, &site, flag == 0),
                2 | 3 => acknowledge(&mut t, &site, flag == 3),
                _ => {}
            }
        }
        t
    })
}

/// An acknowledgement of the site's current state (or, `stale`, of another).
pub(crate) fn acknowledge(t: &mut SiteTable, site: &str, stale: bool) {
    let Some(entry) = t.get(site) else { return };
    let ack = healthmon_proto::fleet::Ack {
        at_ms: 1,
        by: "admin".into(),
        note: String::new(),
        connectivity: entry.connectivity,
        health: entry.health,
        since_ms: entry.status_since_ms.unwrap_or(0) + u64::from(stale),
    };
    t.apply_ack(site, Some(ack), 2);
}

fn arb_query() -> impl Strategy<Value = ListQuery> {
    (
        proptest::sample::subsequence(Connectivity::ALL.to_vec(), 0..=4),
        proptest::sample::subsequence(Health::ALL.to_vec(), 0..=4),
        proptest::option::of("[a-f]{0,2}"),
        any::<bool>(),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(connectivity, health, search, by_id, acknowledged)| ListQuery {
                connectivity,
                health,
                search,
                acknowledged,
                sort: if by_id {
                    SortOrder::SiteId
                } else {
                    SortOrder::Severity
                },
                ..Default::default()
            },
        )
}

proptest! {
    #[test]
    fn summary_totals_always_equal_site_count(t in arb_table()) {
        let s = t.summary();
        prop_assert_eq!(s.total, t.len());
        prop_assert_eq!(s.online + s.late + s.offline + s.unknown + s.maintenance, s.total);
        prop_assert!(s.healthy + s.degraded + s.critical <= s.total);
    }

    #[test]
    fn pages_never_overlap_and_cover_the_filtered_set_in_order(
        t in arb_table(), q in arb_query(), limit in 1usize..7,
    ) {
        let everything = t.list(&ListQuery { limit: usize::MAX, ..q.clone() });
        let mut paged = Vec::new();
        let mut offset = 0;
        while offset < everything.total + limit {
            let page = t.list(&ListQuery { offset, limit, ..q.clone() });
            prop_assert_eq!(page.total, everything.total);
            prop_assert!(page.sites.len() <= limit);
            paged.extend(page.sites.into_iter().map(|s| s.site_id));
            offset += limit;
        }
        let all: Vec<_> = everything.sites.iter().map(|s| s.site_id.clone()).collect();
        prop_assert_eq!(&paged, &all);
        let unique: BTreeSet<_> = paged.iter().collect();
        prop_assert_eq!(unique.len(), paged.len());
        let expected = t
            .iter()
            .filter(|(id, e)| {
                q.matches(id, e.connectivity, e.health) && q.admits_ack(e.ack().is_some())
            })
            .count();
        prop_assert_eq!(everything.total, expected);
        // In the contract's order (the one partition merges use), strictly.
        prop_assert!(everything.sites.windows(2).all(|w| q.sort.compare(&w[0], &w[1]).is_lt()));
    }

    #[test]
    fn accepted_seq_grows_within_an_instance_and_lost_counts_gaps(
        seqs in proptest::collection::vec((1u64..40, any::<bool>()), 1..40),
    ) {
        let mut t = SiteTable::new();
        let mut last: Option<(bool, u64)> = None;
        let mut lost = 0;
        for (seq, second) in seqs {
            let instance = if second { "b" } else { "a" };
            match t.apply_report(&report("s", instance, seq).view(), 0) {
                Ok(applied) => {
                    if let Some((prev_inst, prev_seq)) = last && prev_inst == second {
                        prop_assert!(seq > prev_seq);
                        prop_assert_eq!(applied.lost, seq - prev_seq - 1);
                    } else {
                        prop_assert_eq!(applied.lost, 0);
                    }
                    lost += applied.lost;
                    last = Some((second, seq));
                }
                Err(e) => {
                    prop_assert_eq!(e.reason(), "stale_seq");
                    let (prev_inst, prev_seq) = last.unwrap();
                    prop_assert!(prev_inst == second && seq <= prev_seq);
                }
            }
        }
        prop_assert_eq!(t.get("s").unwrap().lost_reports, lost);
    }
}

// The admin actions on the table: maintenance and forget.

fn table_with(site: &str, c: Connectivity, h: Health) -> SiteTable {
    let mut t = SiteTable::new();
    t.apply_report(&HealthReport::new(site, "i", 1).view(), 10)
        .unwrap();
    t.apply_status(event(site, 20, c, h));
    t
}

#[test]
fn maintenance_is_shown_and_not_counted_as_failing() {
    let mut t = table_with("down", Connectivity::Offline, Health::Critical);
    t.apply_report(&HealthReport::new("fine", "i", 1).view(), 10)
        .unwrap();
    t.apply_status(event("fine", 20, Connectivity::Online, Health::Healthy));
    assert_eq!(t.summary().offline, 1);

    maintain(&mut t, "down", true);
    let s = t.summary();
    assert_eq!(
        (s.total, s.maintenance, s.offline, s.critical),
        (2, 1, 0, 0)
    );
    assert!(t.detail("down").unwrap().maintenance);
    // It keeps its real status, and sorts after every site that is not in maintenance.
    let page = t.list(&healthmon_proto::query::ListQuery::default());
    let ids: Vec<_> = page.sites.iter().map(|r| r.site_id.as_str()).collect();
    assert_eq!(ids, ["fine", "down"]);
    assert_eq!(page.sites[1].connectivity, Connectivity::Offline);
    assert!(page.sites[1].maintenance);

    maintain(&mut t, "down", false);
    assert_eq!(t.summary().offline, 1);
}

#[test]
fn a_forgotten_site_stays_gone_until_it_reports_again() {
    let mut t = table_with("old", Connectivity::Late, Health::Healthy);
    assert!(t.forget("old"));
    assert!(t.get("old").is_none());
    assert!(!t.forget("old"), "already gone");

    // The assessor still tracks it and announces it offline: ignored.
    assert!(!t.apply_status(event("old", 30, Connectivity::Offline, Health::Healthy)));
    let row = healthmon_proto::query::StatusRow {
        site_id: "old".into(),
        connectivity: Connectivity::Offline,
        health: Health::Healthy,
        reasons: Vec::new(),
        last_report_ms: Some(10),
        since_ms: 40,
        judgement: Default::default(),
    };
    assert_eq!(t.apply_bootstrap(row), None);
    assert!(t.is_empty());

    // A report brings it back, fresh, and its status events count again.
    let applied = t
        .apply_report(&HealthReport::new("old", "j", 1).view(), 50)
        .unwrap();
    assert!(applied.new_site);
    t.apply_status(event("old", 60, Connectivity::Online, Health::Healthy));
    assert_eq!(t.get("old").unwrap().connectivity, Connectivity::Online);
    assert!(!t.get("old").unwrap().maintenance);
}
