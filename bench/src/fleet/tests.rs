use super::*;
use healthmon_proto::validate::decode_report;

#[test]
fn batch_is_round_robin_with_growing_seq() {
    let mut maker = ReportMaker::new("bench-1", Duration::from_secs(10));
    let batch = Batch::rounds(&Subjects::default(), "s", 3, 7, &mut maker);
    assert_eq!(batch.len(), 7);
    let seen: Vec<(String, u64)> = batch
        .iter()
        .map(|(subject, payload)| {
            let r: HealthReport = healthmon_proto::decode(&payload).unwrap();
            assert_eq!(subject.as_str(), format!("health.report.{}", r.site_id));
            (r.site_id, r.seq)
        })
        .collect();
    assert_eq!(seen[0], ("s-0000000".into(), 1));
    assert_eq!(seen[3], ("s-0000000".into(), 2));
    assert_eq!(seen[6], ("s-0000000".into(), 3));
    assert_eq!(batch.last(), Some(("s-0000000", 3)));
}

#[test]
fn typical_report_is_valid_and_full() {
    let mut maker = ReportMaker::new("bench-1", Duration::from_secs(10));
    let payload = maker.encode("site-1", 5, true);
    let report = decode_report(&payload, "site-1").expect("valid report");
    assert_eq!(report.connections.len(), CONNECTIONS);
    assert_eq!(report.connections_up(), CONNECTIONS - 1);
    assert!(report.resources.is_some());
    assert!(payload.len() > 300, "a full report, not a minimal one");
}
