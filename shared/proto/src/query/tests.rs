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
    rows.sort_by(|a, b| SortOrder::Severity.compare(a, b));
    let ids: Vec<&str> = rows.iter().map(|r| r.site_id.as_str()).collect();
    assert_eq!(ids, ["z", "a", "b", "c", "a-quiet"]);
    rows.sort_by(|a, b| SortOrder::SiteId.compare(a, b));
    let ids: Vec<&str> = rows.iter().map(|r| r.site_id.as_str()).collect();
    assert_eq!(ids, ["a", "a-quiet", "b", "c", "z"]);
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
