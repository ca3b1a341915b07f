use super::*;

#[test]
fn empty_request_means_defaults() {
    let q: ListQuery = serde_json::from_str("{}").unwrap();
    assert_eq!(q, ListQuery::default());
    let p: PageQuery = serde_json::from_str("{}").unwrap();
    assert_eq!(p.limit, MAX_LIMIT);
}

#[test]
fn filter_matches_any_of_each_list() {
    let q = ListQuery {
        connectivity: vec![Connectivity::Offline, Connectivity::Late],
        health: vec![],
        search: Some("NORTH".into()),
        ..Default::default()
    };
    assert!(q.matches("site-north-1", Connectivity::Late, Health::Healthy));
    assert!(!q.matches("site-north-1", Connectivity::Online, Health::Healthy));
    assert!(!q.matches("site-south-1", Connectivity::Offline, Health::Healthy));
}

#[test]
fn rows_carry_a_bounded_number_of_reasons() {
    let few: Vec<String> = (0..3).map(|i| format!("r{i}")).collect();
    assert_eq!(row_reasons(&few), few);
    let many: Vec<String> = (0..500)
        .map(|i| format!("connection c{i} disconnected"))
        .collect();
    let row = row_reasons(&many);
    assert_eq!(row.len(), MAX_ROW_REASONS + 1);
    assert_eq!(row[..3], many[..3]);
    assert_eq!(row[3], "and 497 more");
}

#[test]
fn limit_is_clamped() {
    let q = ListQuery {
        limit: 10_000_000,
        ..Default::default()
    };
    assert_eq!(q.effective_limit(), MAX_LIMIT);
}

fn row(site_id: &str, connectivity: Connectivity, health: Health) -> SiteSummary {
    SiteSummary::new(site_id, connectivity, health)
}

#[test]
fn rows_sort_worst_first_then_by_id_and_maintenance_last() {
    let mut quiet = row("a-quiet", Connectivity::Offline, Health::Critical);
    quiet.maintenance = true;
    let mut rows = [
        row("c", Connectivity::Online, Health::Healthy),
        quiet,
        row("b", Connectivity::Online, Health::Degraded),
        row("z", Connectivity::Offline, Health::Healthy),
        row("a", Connectivity::Online, Health::Degraded),
    ];
    assert_eq!(
        sorted(&mut rows, SortOrder::Severity),
        ["z", "a", "b", "c", "a-quiet"]
    );
    assert_eq!(
        sorted(&mut rows, SortOrder::SiteId),
        ["a", "a-quiet", "b", "c", "z"]
    );
}

/// The ids of `rows` once sorted by `order`.
fn sorted(rows: &mut [SiteSummary], order: SortOrder) -> Vec<&str> {
    rows.sort_by(|a, b| order.compare(a, b));
    rows.iter().map(|r| r.site_id.as_str()).collect()
}

fn since(mut row: SiteSummary, since_ms: Option<u64>) -> SiteSummary {
    row.status_since_ms = since_ms;
    row
}

/// Checks that `rows`, listed in the order `order` should put them, sort
/// into that order from any start: reversed, and rotated by every step.
#[track_caller]
fn assert_sorts_as_listed(rows: &[SiteSummary], order: SortOrder) {
    let want: Vec<&str> = rows.iter().map(|r| r.site_id.as_str()).collect();
    let mut starts = vec![rows.iter().rev().cloned().collect::<Vec<_>>()];
    for k in 1..rows.len() {
        let mut start = rows.to_vec();
        start.rotate_left(k);
        starts.push(start);
    }
    for mut start in starts {
        assert_eq!(sorted(&mut start, order), want);
    }
}

/// What the issue found on the demo: offline+critical sites scattered
/// among offline+healthy ones by id. Now the last known health ranks
/// offline sites, and within a rank the oldest problem comes first.
#[test]
fn offline_critical_first_and_the_longest_standing_problem_first_within_a_rank() {
    use Connectivity::{Late, Offline, Online};
    use Health::{Critical, Degraded, Healthy};
    let mut maintained = since(row("m", Offline, Critical), Some(1));
    maintained.maintenance = true;
    let rows = [
        since(row("off-crit", Offline, Critical), Some(800)),
        since(row("off-old", Offline, Healthy), Some(100)),
        // A tie in time: by id.
        since(row("off-tie-a", Offline, Healthy), Some(300)),
        since(row("off-tie-b", Offline, Healthy), Some(300)),
        since(row("off-new", Offline, Healthy), Some(500)),
        since(row("off-never", Offline, Healthy), None),
        since(row("crit", Online, Critical), Some(50)),
        since(row("late-degraded", Late, Degraded), Some(700)),
        since(row("late", Late, Healthy), Some(10)),
        // Nothing wrong: by id, however long they have been healthy.
        since(row("a-healthy", Online, Healthy), Some(1)),
        since(row("b-healthy", Online, Healthy), Some(900)),
        maintained,
    ];
    assert_sorts_as_listed(&rows, SortOrder::Severity);
}

#[test]
fn only_problem_ranks_are_timed() {
    let place = |c, h, m, since| SortOrder::Severity.place(c, h, m, false, since);
    assert_eq!(
        place(Connectivity::Online, Health::Healthy, false, Some(5)),
        Place {
            rank: HEALTHY_RANK,
            ..Place::default()
        }
    );
    assert_eq!(
        place(Connectivity::Offline, Health::Healthy, true, Some(5)),
        Place {
            rank: MAINTENANCE_RANK,
            ..Place::default()
        }
    );
    assert_eq!(
        place(Connectivity::Late, Health::Healthy, false, Some(5)).since_ms,
        5
    );
    assert_eq!(
        SortOrder::SiteId.place(Connectivity::Late, Health::Healthy, false, true, Some(5)),
        Place::default()
    );
}

/// An acknowledgement moves a problem below the unacknowledged problems of
/// its rank (however recent they are), never into another rank; where
/// nothing is wrong (healthy, maintenance, or sorting by id) it changes
/// nothing.
#[test]
fn an_acknowledged_problem_sorts_after_the_unacknowledged_of_its_rank() {
    use Connectivity::{Offline, Online};
    use Health::{Critical, Degraded, Healthy};
    let acked = |mut row: SiteSummary| {
        row.acknowledged = true;
        row
    };
    let mut quiet = acked(since(row("m", Offline, Critical), Some(1)));
    quiet.maintenance = true;
    let rows = [
        // Acknowledged, but still the worst rank: first.
        acked(since(row("off-crit-acked", Offline, Critical), Some(10))),
        since(row("off-new", Offline, Healthy), Some(900)),
        since(row("off-newer", Offline, Healthy), Some(950)),
        acked(since(row("off-acked-older", Offline, Healthy), Some(50))),
        acked(since(row("off-old-acked", Offline, Healthy), Some(100))),
        since(row("crit", Online, Critical), Some(10)),
        since(row("deg", Online, Degraded), Some(999)),
        acked(since(row("deg-acked", Online, Degraded), Some(1))),
        acked(since(row("a-healthy", Online, Healthy), Some(1))),
        since(row("b-healthy", Online, Healthy), Some(1)),
        quiet,
    ];
    assert_sorts_as_listed(&rows, SortOrder::Severity);
    assert_eq!(
        SortOrder::Severity.place(Online, Healthy, false, true, Some(1)),
        SortOrder::Severity.place(Online, Healthy, false, false, Some(1)),
        "nothing to acknowledge on a healthy site"
    );
    assert_eq!(
        SortOrder::Severity.place(Offline, Critical, true, true, Some(1)),
        SortOrder::Severity.place(Offline, Critical, true, false, Some(1)),
        "under maintenance, by id"
    );
}

#[test]
fn the_acknowledged_filter() {
    let any = ListQuery::default();
    assert!(any.admits_ack(true) && any.admits_ack(false));
    let only = ListQuery {
        acknowledged: Some(true),
        ..Default::default()
    };
    assert!(only.admits_ack(true) && !only.admits_ack(false));
    let none = ListQuery {
        acknowledged: Some(false),
        ..Default::default()
    };
    assert!(!none.admits_ack(true) && none.admits_ack(false));
    // Absent from the request when not asked for: an older aggregator reads
    // the same request as before.
    assert!(
        !serde_json::to_string(&any)
            .unwrap()
            .contains("acknowledged")
    );
    let parsed: ListQuery = serde_json::from_str(r#"{"acknowledged":false}"#).unwrap();
    assert_eq!(parsed, none);
}

#[test]
fn summary_counts() {
    let mut s = Summary::default();
    s.count(Connectivity::Online, Health::Healthy);
    s.count(Connectivity::Offline, Health::Critical);
    s.count(Connectivity::Unknown, Health::Unknown);
    assert_eq!((s.total, s.online, s.offline, s.unknown), (3, 1, 1, 1));
    assert_eq!((s.healthy, s.critical, s.degraded), (1, 1, 0));
}

#[test]
fn summaries_of_partitions_add_up_per_group_too() {
    let mut a = Summary::default();
    a.count(Connectivity::Online, Health::Healthy);
    a.count_maintenance();
    let mut b = Summary::default();
    b.count(Connectivity::Offline, Health::Critical);
    b.count(Connectivity::Late, Health::Degraded);
    let group = |value: Option<&str>, counts: Summary| SummaryGroup {
        value: value.map(str::to_owned),
        counts,
    };
    let part = |totals: Summary, groups: Vec<SummaryGroup>| FleetSummary {
        totals,
        by: Some("region".into()),
        groups,
        incidents: Vec::new(),
    };
    let merged = FleetSummary::merge([
        part(a, vec![group(Some("eu"), a)]),
        part(
            b,
            vec![group(Some("eu"), b), group(None, Summary::default())],
        ),
    ]);
    let sum = merged.totals;
    assert_eq!((sum.total, sum.maintenance), (4, 1));
    assert_eq!((sum.online, sum.offline, sum.late), (1, 1, 1));
    assert_eq!((sum.healthy, sum.critical, sum.degraded), (1, 1, 1));
    assert_eq!(merged.by.as_deref(), Some("region"));
    // The offline group first; each value once.
    assert_eq!(merged.groups.len(), 2);
    assert_eq!(merged.groups[0].value.as_deref(), Some("eu"));
    assert_eq!(merged.groups[0].counts, sum);
    assert_eq!(merged.groups[1].value, None);
    assert_eq!(FleetSummary::merge([]), FleetSummary::default());
}
#[test]
fn a_row_keeps_three_of_each_list_and_says_how_many_more() {
    let j = crate::judgement::Judgement {
        stale_reasons: (0..5).map(|i| format!("r{i}")).collect(),
        score_off: (0..5)
            .map(|i| Deduction {
                points: 10,
                reason: format!("d{i}"),
            })
            .collect(),
        ..Default::default()
    };
    let row = row_judgement(&j);
    assert_eq!(row.stale_reasons, ["r0", "r1", "r2", "and 2 more"]);
    assert_eq!(row.score_off.len(), 4);
    assert_eq!(row.score_off[3].reason, "and 2 more");
    assert_eq!(row.score_off[3].points, 0);
}
