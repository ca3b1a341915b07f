use std::time::Duration;

use healthmon_proto::HealthReport;

use super::*;
use crate::rules::Rules;

const T0_MS: u64 = 1_700_000_000_000;

fn report(site: &str) -> HealthReport {
    let mut r = HealthReport::new(site, "inst-a", 1);
    r.interval_ms = 200;
    r
}

#[test]
fn a_held_site_stays_late_without_a_deadline_until_released() {
    let epoch = Instant::now();
    let at = |ms: u64| (epoch + Duration::from_millis(ms), T0_MS + ms);
    let mut t = Tracker::new(epoch, 3, Rules::default());
    let (now, now_ms) = at(0);
    let a = t.on_view(&report("a").view(), now, now_ms).unwrap().site;
    let b = t.on_view(&report("b").view(), now, now_ms).unwrap().site;

    let (now, now_ms) = at(300);
    assert_eq!(
        t.on_deadline(a, now, now_ms).event.unwrap().connectivity,
        Connectivity::Late
    );
    t.set_hold_offline(true);
    assert!(t.holding_offline());
    // Due offline (600 ms), but held: late, and nothing armed.
    let (now, now_ms) = at(700);
    let o = t.on_deadline(a, now, now_ms);
    assert_eq!((o.event, o.deadline, o.detection_lag), (None, None, None));
    // A site that skipped late (its deadline fired only now) gets to late.
    let o = t.on_deadline(b, now, now_ms);
    assert_eq!(o.event.unwrap().connectivity, Connectivity::Late);
    assert_eq!(o.deadline, None);
    assert_eq!(t.count(Connectivity::Late), 2);
    assert_eq!(t.late_sites(), [a, b]);

    // Released because reports flow again: a full window from now.
    t.set_hold_offline(false);
    let (now, _) = at(1_000);
    let deadlines = t.fresh_windows_for_late(now);
    assert_eq!(deadlines, [(a, at(1_600).0), (b, at(1_600).0)]);
    let (now, now_ms) = at(1_599);
    assert_eq!(t.on_deadline(a, now, now_ms).event, None);
    let (now, now_ms) = at(1_600);
    let e = t.on_deadline(a, now, now_ms).event.unwrap();
    assert_eq!(e.connectivity, Connectivity::Offline);
    // The reason still counts from the last report, not the fresh window.
    assert_eq!(e.reasons, ["no report for 1.6s (timeout 0.6s)"]);
}
