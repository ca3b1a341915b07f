//! The admin actions on the table: maintenance and forget.

use super::*;
use healthmon_proto::HealthReport;

fn event(site: &str, at_ms: u64, c: Connectivity, h: Health) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms,
        connectivity: c,
        previous_connectivity: Connectivity::Unknown,
        health: h,
        previous_health: Health::Unknown,
        reasons: Vec::new(),
        last_report_ms: None,
    }
}

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

    assert!(t.set_maintenance("down", true));
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

    assert!(t.set_maintenance("down", false));
    assert_eq!(t.summary().offline, 1);
    assert!(!t.set_maintenance("nowhere", true), "unknown site");
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
