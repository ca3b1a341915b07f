use super::*;

const TEXT: &str = "\
# TYPE healthmon_aggregator_reports_rejected_total counter
healthmon_aggregator_reports_rejected_total{reason=\"malformed\"} 3
healthmon_aggregator_reports_rejected_total{reason=\"too_large\"} 2
healthmon_aggregator_reports_accepted_total 1200
healthmon_aggregator_reports_accepted_total_extra 99
healthmon_nats_events_total{event=\"slow_consumer\"} 1
";

#[test]
fn sums_every_label_set_of_one_metric_only() {
    assert_eq!(
        sum(TEXT, "healthmon_aggregator_reports_rejected_total"),
        5.0
    );
    assert_eq!(
        sum(TEXT, "healthmon_aggregator_reports_accepted_total"),
        1200.0
    );
    assert_eq!(sum(TEXT, "healthmon_missing"), 0.0);
}

#[test]
fn reads_one_labelled_sample() {
    assert_eq!(
        labelled(
            TEXT,
            "healthmon_nats_events_total",
            "event",
            "slow_consumer"
        ),
        1.0
    );
    assert_eq!(
        labelled(TEXT, "healthmon_nats_events_total", "event", "disconnected"),
        0.0
    );
}
