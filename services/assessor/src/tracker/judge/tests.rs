//! The judgement as the tracker gives it: flapping with its calm-down,
//! recovering after an outage, and the score, on synthetic instants.

use healthmon_proto::{Connectivity, Health, HealthReport, StatusEvent};
use tokio::time::Instant;

use super::super::clock::{Clock, start};
use super::super::{Outcome, SiteIdx, Tracker};

const INTERVAL: u64 = 200;

fn report(seq: u64, db_write: u64) -> HealthReport {
    let mut r = HealthReport::new("s1", "inst-a", seq);
    r.interval_ms = INTERVAL;
    r.sf_buffer.db_write = db_write;
    r
}

/// Feeds a report now; the event it caused.
fn send(t: &mut Tracker, r: &HealthReport, clock: &Clock) -> Outcome {
    let (now, now_ms) = clock.now();
    t.on_view(&r.view(), now, now_ms).unwrap()
}

/// Lets the site fall silent until offline (3 × 200 ms), firing its
/// deadlines as the engine would; the events on the way.
fn silence(t: &mut Tracker, site: SiteIdx, clock: &mut Clock) -> Vec<StatusEvent> {
    let mut events = Vec::new();
    for _ in 0..2 {
        let (now, _) = clock.now();
        let due = t.next_deadline(site, now, clock.now().1).unwrap();
        clock.advance(ms_until(due, clock));
        let (now, now_ms) = clock.now();
        events.extend(t.on_deadline(site, now, now_ms).event);
    }
    events
}

fn ms_until(at: Instant, clock: &Clock) -> u64 {
    at.saturating_duration_since(clock.now().0).as_millis() as u64
}

#[test]
fn a_site_bouncing_between_online_and_late_is_flagged_flapping_then_calms() {
    let (mut clock, mut t, _, _) = start();
    let mut seq = 0;
    let mut last = None;
    // online → late → online … : two changes a bounce; six make it flap.
    for _ in 0..3 {
        seq += 1;
        let o = send(&mut t, &report(seq, 0), &clock);
        last = o.event.or(last);
        clock.advance(300);
        let (now, now_ms) = clock.now();
        last = t.on_deadline(o.site, now, now_ms).event.or(last);
    }
    seq += 1;
    let o = send(&mut t, &report(seq, 0), &clock);
    let e = o.event.unwrap();
    let flapping = e.judgement.flapping.expect("flapping after 7 changes");
    assert_eq!((flapping.changes, flapping.window_s), (7, 600));
    assert!(
        e.reasons
            .contains(&"flapping: 7 changes in 10 min".to_owned())
    );
    assert!(
        last.unwrap().judgement.flapping.is_some(),
        "flagged from the 6th change"
    );

    // Quiet (and reporting) from now: the flag goes by itself, with an
    // event that changes nothing else, once the count decays below half.
    let site = o.site;
    let mut calm = None;
    for _ in 0..5_000 {
        clock.advance(190);
        seq += 1;
        let o = send(&mut t, &report(seq, 0), &clock);
        assert_eq!(o.event, None, "reports alone say nothing new");
        let due = o.deadline.unwrap();
        if due <= clock.now().0 + std::time::Duration::from_millis(190) {
            clock.advance(ms_until(due, &clock));
            let (now, now_ms) = clock.now();
            if let Some(e) = t.on_deadline(site, now, now_ms).event {
                calm = Some((clock.at, e));
                break;
            }
        }
    }
    let (at, e) = calm.expect("calmed down");
    assert!(e.judgement.flapping.is_none());
    assert_eq!(
        (e.connectivity, e.previous_connectivity),
        (Connectivity::Online, Connectivity::Online)
    );
    // 7 → below 3 takes 600 s · ln(7/3) ≈ 508 s.
    assert!((500_000..520_000).contains(&at), "{at}");
}

#[test]
fn back_from_offline_with_a_backlog_is_recovering_until_it_drains() {
    let (mut clock, mut t, _, _) = start();
    let site = send(&mut t, &report(1, 0), &clock).site;
    let events = silence(&mut t, site, &mut clock);
    assert_eq!(events.last().unwrap().connectivity, Connectivity::Offline);

    let e = send(&mut t, &report(2, 12_000), &clock).event.unwrap();
    assert_eq!(e.connectivity, Connectivity::Online);
    let r = e.judgement.recovering.unwrap();
    assert_eq!((r.depth, r.drain_per_min), (12_000, None));
    assert!(
        e.reasons
            .contains(&"recovering: 12k pending since back online".to_owned())
    );
    assert_eq!(
        e.health,
        Health::Critical,
        "12,000 db_write is over 10,000 still"
    );

    // 30 s on (no deadline is fired here: only what reports say matters).
    clock.advance(30_000);
    let e = send(&mut t, &report(3, 10_000), &clock).event.unwrap();
    let r = e.judgement.recovering.unwrap();
    assert_eq!(
        (r.depth, r.drain_per_min, r.empty_in_s),
        (10_000, Some(4_000.0), Some(150))
    );
    assert!(
        e.reasons
            .contains(&"recovering: 10k pending, draining 4000/min, empty in ~3 min".to_owned())
    );

    clock.advance(30_000);
    let e = send(&mut t, &report(4, 12_500), &clock).event.unwrap();
    assert!(
        e.judgement.recovering.is_none(),
        "growing is not recovering"
    );
    assert!(
        e.reasons
            .contains(&"store-and-forward growing since back online: 10k → 13k pending".to_owned())
    );

    clock.advance(30_000);
    let e = send(&mut t, &report(5, 50), &clock).event.unwrap();
    assert!(e.judgement.recovering.is_none());
    assert_eq!(e.health, Health::Healthy);
    // Online, late, offline, back critical, degraded, critical, healthy:
    // seven changes in 90 s (a count decayed to about six) is flapping,
    // and that is all that is left.
    assert_eq!(e.reasons, ["flapping: 6 changes in 10 min"]);
    assert_eq!(e.judgement.score, Some(80));
}

#[test]
fn a_backlog_without_an_outage_is_not_recovering() {
    let (clock, mut t, _, _) = start();
    let e = send(&mut t, &report(1, 5_000), &clock).event.unwrap();
    assert!(e.judgement.recovering.is_none());
    assert_eq!(e.health, Health::Degraded);
}

#[test]
fn the_score_lists_what_took_points_off_and_marks_silent_findings_stale() {
    let (mut clock, mut t, _, _) = start();
    let mut r = report(1, 2_000);
    r.connections = vec![healthmon_proto::ConnectionStatus {
        name: "plc-2".into(),
        connected: false,
    }];
    let o = send(&mut t, &r, &clock);
    let e = o.event.unwrap();
    assert_eq!(e.judgement.score, Some(70));
    let off: Vec<_> = e
        .judgement
        .score_off
        .iter()
        .map(|d| (d.points, d.reason.as_str()))
        .collect();
    assert_eq!(
        off,
        [
            (15, "degraded: connection plc-2 disconnected"),
            (
                15,
                "degraded: store-and-forward db_write 2000 pending over 1000"
            ),
        ]
    );
    let events = silence(&mut t, o.site, &mut clock);
    let offline = events.last().unwrap();
    assert_eq!(offline.connectivity, Connectivity::Offline);
    assert_eq!(offline.reasons.len(), 1, "{:?}", offline.reasons);
    assert_eq!(offline.judgement.stale_reasons.len(), 2);
    // 60 for offline, 2 × 7.5 → 8 for the stale findings.
    assert_eq!(offline.judgement.score, Some(100 - 60 - 8 - 8));
    assert!(
        offline.judgement.score_off[1]
            .reason
            .starts_with("degraded (stale): ")
    );
}
