use super::*;
use healthmon_proto::validate_report;
use proptest::prelude::*;

fn valid(mut r: HealthReport) -> bool {
    let site = r.site_id.clone();
    r.instance = "i".into();
    r.seq = 1;
    validate_report(&r, &site).is_ok()
}

#[test]
fn ids_are_numbered_under_the_prefix() {
    let sim = Simulator::new("plant", 3, 1000, 0.0, Some(1));
    let ids: Vec<_> = (0..3).map(|i| sim.site_id(i).to_owned()).collect();
    assert_eq!(ids, ["plant-00001", "plant-00002", "plant-00003"]);
}

#[test]
fn without_faults_every_site_stays_healthy() {
    let mut sim = Simulator::new("sim", 20, 1000, 0.0, Some(7));
    for _ in 0..200 {
        for i in 0..sim.len() {
            let r = sim.tick(i).expect("never silent");
            assert!(r.connections.iter().all(|c| c.connected));
            assert_eq!(r.active_node().map(str::len), Some(6));
            assert_eq!(r.script_errors.per_min + r.alarm_errors.per_min, 0.0);
            assert!(r.sf_buffer.total() <= 9);
            assert!(valid(r));
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_sites() {
    let mut a = Simulator::new("sim", 5, 1000, 0.5, Some(42));
    let mut b = Simulator::new("sim", 5, 1000, 0.5, Some(42));
    for _ in 0..50 {
        for i in 0..5 {
            assert_eq!(a.tick(i), b.tick(i));
        }
    }
}

#[test]
fn the_default_rate_shows_a_few_problems_among_fifty_sites() {
    let mut sim = Simulator::new("sim", 50, 30_000, 0.02, Some(3));
    let mut faulty = 0;
    let rounds = 400;
    for round in 0..rounds {
        for i in 0..sim.len() {
            sim.tick(i);
        }
        if round >= 50 {
            faulty += sim.faulty();
        }
    }
    let average = faulty as f64 / (rounds - 50) as f64;
    assert!(
        (1.5..=12.0).contains(&average),
        "{average} faulty sites on average"
    );
}

#[test]
fn every_kind_of_fault_happens_and_ends() {
    let mut sim = Simulator::new("sim", 10, 10_000, 1.0, Some(11));
    let (mut down, mut spike, mut backup, mut silent, mut failover) = (0, 0, 0, 0, 0);
    let mut last_active: Vec<Option<String>> = vec![None; 10];
    for _ in 0..300 {
        for (i, last) in last_active.iter_mut().enumerate() {
            match sim.tick(i) {
                None => silent += 1,
                Some(r) => {
                    down += usize::from(r.connections.iter().any(|c| !c.connected));
                    spike += usize::from(r.script_errors.per_min + r.alarm_errors.per_min >= 30.0);
                    backup += usize::from(r.sf_buffer.total() >= 50);
                    let active = r.active_node().map(str::to_owned);
                    failover += usize::from(last.is_some() && *last != active);
                    *last = active;
                    assert!(valid(r));
                }
            }
        }
    }
    assert!(down > 0 && spike > 0 && backup > 0 && silent > 0 && failover > 0);
    // Every fault ends: run on without new faults and all sites recover.
    sim.fault_rate = 0.0;
    for _ in 0..20 {
        for i in 0..sim.len() {
            sim.tick(i);
        }
    }
    assert_eq!(sim.faulty(), 0);
    for i in 0..sim.len() {
        let r = sim.tick(i).unwrap();
        assert!(r.connections.iter().all(|c| c.connected));
        assert!(r.sf_buffer.total() <= 9);
    }
}

proptest! {
    #[test]
    fn every_report_is_valid(seed in any::<u64>(), rate in 0.0f64..=1.0, interval_ms in 100u64..100_000) {
        let mut sim = Simulator::new("p", 3, interval_ms, rate, Some(seed));
        for _ in 0..40 {
            for i in 0..3 {
                if let Some(r) = sim.tick(i) {
                    prop_assert!(valid(r));
                }
            }
        }
    }
}
