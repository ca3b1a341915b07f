use super::*;
use healthmon_test_support::fixtures::{connection, connection_states, node};

fn reading(script: u64, conn_up: bool) -> Reading {
    Reading {
        connections: vec![connection("plc", conn_up)],
        nodes: vec![node("a", NodeRole::Active)],
        script_total: Some(script),
        sf: [None, None, Some(7)],
        custom: [("g".to_owned(), 1.5)].into(),
        ..Reading::default()
    }
}

fn report_of(contributions: Vec<Contribution>, probes: &[(String, bool)]) -> HealthReport {
    let mut r = HealthReport::new("s", "i", 1);
    merge(contributions, probes, &mut r);
    r
}

#[test]
fn rates_come_from_the_counter_increase() {
    let mut t = TargetState::new(1);
    t.update(0, Some(reading(100, true)));
    let c = t.update(30_000, Some(reading(130, true)));
    let r = report_of(vec![c], &[]);
    assert_eq!(
        r.script_errors,
        ErrorCounter {
            total: 130,
            per_min: 60.0
        }
    );
    assert_eq!(r.alarm_errors, ErrorCounter::default());
    assert_eq!(r.sf_buffer.db_write, 7);
    assert_eq!(r.custom["g"], 1.5);
}

#[test]
fn a_failed_target_drops_lists_and_keeps_scalars() {
    let mut t = TargetState::new(1);
    t.update(0, Some(reading(10, true)));
    t.update(60_000, Some(reading(20, true)));
    let r = report_of(vec![t.update(120_000, None)], &[]);
    assert!(r.connections.is_empty() && r.nodes.is_empty() && r.custom.is_empty());
    assert_eq!(
        r.script_errors,
        ErrorCounter {
            total: 20,
            per_min: 10.0
        }
    );
    assert_eq!(r.sf_buffer.db_write, 7);
    // Back again: the rate spans the whole gap since the last good scrape.
    let r = report_of(vec![t.update(180_000, Some(reading(50, true)))], &[]);
    assert_eq!(r.script_errors.per_min, 15.0);
}

#[test]
fn targets_add_up_and_probes_and_scrapes_must_agree() {
    let mut a = TargetState::new(1);
    let mut b = TargetState::new(1);
    let ca = a.update(0, Some(reading(5, true)));
    let mut rb = reading(6, false);
    rb.nodes[0].role = NodeRole::Standby;
    let cb = b.update(0, Some(rb));
    let probes = [("plc".to_owned(), true), ("db".to_owned(), false)];
    let r = report_of(vec![ca, cb], &probes);
    assert_eq!(r.script_errors.total, 11);
    assert_eq!(r.sf_buffer.db_write, 14);
    assert_eq!(r.custom["g"], 3.0);
    assert_eq!(connection_states(&r), [("db", false), ("plc", false)]);
    assert_eq!(r.nodes, vec![node("a", NodeRole::Active)]);
}
