use super::*;
use healthmon_proto::HealthReport;

#[test]
fn keeps_the_report_and_tells_instances_apart() {
    let mut r = HealthReport::new("s", "inst-a", 7);
    r.interval_ms = 5_000;
    let stored = StoredReport::new(&r.view());
    assert_eq!(stored.view().map(|v| v.to_report()), Some(r.clone()));
    assert_eq!(stored.seq(), 7);
    assert!(stored.same_instance(&r.view()));
    let other = HealthReport::new("s", "inst-b", 1);
    assert!(!stored.same_instance(&other.view()));
}
