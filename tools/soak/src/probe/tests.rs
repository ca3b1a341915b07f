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

#[test]
fn gets_are_judged_where_asked_and_an_absence_ends_at_the_first_answer() {
    let t0 = Instant::now();
    let at = |ms| t0 + Duration::from_millis(ms);
    let ms = Duration::from_millis;
    let stats = GetStats {
        times: vec![
            (at(0), ms(2)),
            (at(500), GET_TIMEOUT),
            (at(1000), GET_TIMEOUT),
            (at(1500), ms(40)),
            (at(2000), ms(3)),
        ],
        failed: 2,
        failed_at: vec![at(500), at(1000)],
    };
    assert_eq!(stats.away(at(400), at(400)), Some(at(400)..at(1500)));
    // The answer at 0 came from the old aggregator, before the new one was up.
    assert_eq!(stats.away(at(0), at(1200)), Some(at(0)..at(1500)));
    assert_eq!(stats.away(at(2001), at(2001)), None);
    let away = at(400)..at(1500);
    let outside = stats.max_and_p99(|t| !away.contains(t));
    // The first answer after the absence is judged: the storm had begun.
    assert_eq!(outside, Some((ms(40), ms(40), 3)));
    assert_eq!(
        stats.max_and_p99(|_| true).map(|(max, ..)| max),
        Some(GET_TIMEOUT)
    );
    assert_eq!(stats.max_and_p99(|t| *t > at(5000)), None);
}
