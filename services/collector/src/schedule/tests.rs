use super::*;
use proptest::prelude::*;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn drain(s: &mut Schedule, now: Duration) -> Vec<(usize, Due)> {
    std::iter::from_fn(|| s.pop_due(now)).collect()
}

#[test]
fn one_site_reports_at_once_then_every_interval() {
    let mut s = Schedule::new(1, ms(100));
    assert_eq!(s.next_wake(), Some(ms(0)));
    assert_eq!(drain(&mut s, ms(0)), [(0, Due::Periodic)]);
    assert_eq!(s.next_wake(), Some(ms(100)));
    assert_eq!(drain(&mut s, ms(99)), []);
    assert_eq!(drain(&mut s, ms(101)), [(0, Due::Periodic)]);
    assert_eq!(s.next_wake(), Some(ms(200)));
}

#[test]
fn sites_are_spread_over_the_interval() {
    let mut s = Schedule::new(4, ms(100));
    assert_eq!(drain(&mut s, ms(0)), [(0, Due::Periodic)]);
    assert_eq!(s.next_wake(), Some(ms(25)));
    assert_eq!(
        drain(&mut s, ms(60)),
        [(1, Due::Periodic), (2, Due::Periodic)]
    );
    assert_eq!(s.next_wake(), Some(ms(75)));
}

#[test]
fn a_long_stall_sends_once_and_keeps_the_phase() {
    let mut s = Schedule::new(1, ms(100));
    drain(&mut s, ms(0));
    assert_eq!(drain(&mut s, ms(1_050)), [(0, Due::Periodic)]);
    assert_eq!(s.next_wake(), Some(ms(1_100)));
}

#[test]
fn on_demand_requests_coalesce_and_are_cleared_by_any_report() {
    let mut s = Schedule::new(2, ms(1_000));
    drain(&mut s, ms(0));
    s.request(0, ms(300));
    s.request(0, ms(100));
    assert_eq!(s.next_wake(), Some(ms(300)));
    assert_eq!(drain(&mut s, ms(300)), [(0, Due::OnDemand)]);
    assert_eq!(drain(&mut s, ms(400)), []);

    s.request(1, ms(600));
    // Site 1's periodic slot (500 ms) comes first and satisfies the request.
    assert_eq!(drain(&mut s, ms(500)), [(1, Due::Periodic)]);
    s.sent(1);
    assert!(!s.has_pending(1));
    assert_eq!(drain(&mut s, ms(700)), []);
    assert_eq!(s.next_wake(), Some(ms(1_000)));
}

proptest! {
    #[test]
    fn every_site_reports_once_per_interval(sites in 1usize..200, interval_ms in 100u64..10_000) {
        let interval = ms(interval_ms);
        let mut s = Schedule::new(sites, interval);
        let mut counts = vec![0u32; sites];
        let mut now = Duration::ZERO;
        // Three intervals, waking exactly when something is due.
        while let Some(wake) = s.next_wake() {
            if wake >= interval * 3 {
                break;
            }
            now = now.max(wake);
            for (site, due) in drain(&mut s, now) {
                prop_assert_eq!(due, Due::Periodic);
                counts[site] += 1;
            }
        }
        prop_assert!(counts.iter().all(|&c| c == 3), "{counts:?}");
    }
}

#[test]
fn each_site_s_next_periodic_slot_is_known_and_follows_it_on() {
    let mut s = Schedule::new(4, ms(100));
    let next = |s: &Schedule| {
        (0..4)
            .map(|i| s.next_periodic(i).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(next(&s), [ms(0), ms(25), ms(50), ms(75)]);
    drain(&mut s, ms(60));
    assert_eq!(next(&s), [ms(100), ms(125), ms(150), ms(75)]);
    // A stall of more than an interval skips slots: the next one keeps the phase.
    drain(&mut s, ms(390));
    assert_eq!(next(&s), [ms(400), ms(425), ms(450), ms(475)]);
    assert_eq!(s.next_periodic(4), None);
}
