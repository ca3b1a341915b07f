use proptest::prelude::*;

use super::*;

const T0: u64 = 1_700_000_000_000;

fn clock() -> JudgingClock {
    let mut c = JudgingClock::default();
    c.begin(T0);
    c
}

#[test]
fn online_and_offline_time_add_up_to_the_judged_time() {
    let c = clock();
    let mut u = Uptime::starting(&c, T0);
    // Online for 60 s, then offline for 30 s, then online again for 10 s.
    u.close(Connectivity::Online, T0, T0 + 60_000, &c);
    u.close(Connectivity::Offline, T0 + 60_000, T0 + 90_000, &c);
    let (online, judged) = u.at(Connectivity::Online, T0 + 90_000, T0 + 100_000, &c);
    assert_eq!((online, judged), (70_000, 100_000));
}

#[test]
fn time_the_centre_could_not_judge_counts_for_no_site() {
    let mut c = clock();
    let mut u = Uptime::starting(&c, T0);
    // Online 10 s, then the centre is blind for 50 s (the site goes
    // offline meanwhile, as far as anyone can tell), then 40 s offline.
    c.set(false, T0 + 10_000);
    c.set(true, T0 + 60_000);
    u.close(Connectivity::Online, T0, T0 + 60_000, &c);
    let (online, judged) = u.at(Connectivity::Offline, T0 + 60_000, T0 + 100_000, &c);
    assert_eq!((online, judged), (10_000, 50_000));
    // While unjudged, nothing grows.
    c.set(false, T0 + 100_000);
    assert_eq!(
        u.at(Connectivity::Offline, T0 + 60_000, T0 + 200_000, &c),
        (10_000, 50_000)
    );
}

#[test]
fn unknown_sites_are_not_judged_and_nothing_counts_before_the_start() {
    let c = clock();
    let u = Uptime::starting(&c, T0);
    assert_eq!(u.at(Connectivity::Unknown, T0, T0 + 50_000, &c), (0, 0));
    // Adopted with a state from before this assessor started.
    assert_eq!(
        u.at(Connectivity::Online, T0 - 3_600_000, T0 + 5_000, &c),
        (5_000, 5_000)
    );
}

proptest! {
    /// Whatever the sequence of changes and centre outages, online time
    /// never exceeds judged time, and judged time never exceeds the time
    /// since the start minus the centre's unjudged time.
    #[test]
    fn online_within_judged_within_elapsed(steps in proptest::collection::vec((0u64..100_000, 0u8..3, any::<bool>()), 1..60)) {
        let mut c = clock();
        let mut u = Uptime::starting(&c, T0);
        let (mut now, mut since, mut state) = (T0, T0, Connectivity::Online);
        for (gap, next, judging) in steps {
            now += gap;
            c.set(judging, now);
            let next = [Connectivity::Online, Connectivity::Late, Connectivity::Offline][next as usize];
            u.close(state, since, now, &c);
            state = next;
            since = now;
            let (online, judged) = u.at(state, since, now, &c);
            prop_assert!(online <= judged);
            // Rounding to 100 ms units loses at most 100 ms a change.
            prop_assert!(judged <= now - T0 - c.unjudged_at(now) + 100);
        }
    }
}
