use std::time::Duration;

use super::*;
use crate::storm::settled;

fn settings(restart: Option<(Restart, Duration)>) -> Settings {
    // The fleet of `settled`'s storm.
    Settings {
        sites: 1_000,
        interval: Duration::from_secs(30),
        duration: Duration::from_secs(240),
        warmup: Duration::from_secs(90),
        sample_every: Duration::from_secs(15),
        bin_dir: "target/release".into(),
        nats_server: "nats-server".into(),
        run_dir: "/tmp/x".into(),
        rss_growth_pct: 10.0,
        scrape_every: None,
        restart,
    }
}

#[test]
fn a_storm_record_adds_up_loss_and_keeps_the_slowest_service_s_recovery() {
    let s = settings(Some((Restart::Centre, Duration::from_secs(120))));
    let figures = Figures {
        sent: 8_000,
        accepted_aggregator: 4_990,
        accepted_assessor: 5_100,
        seq_gaps: [10, 0],
        get: Some((Duration::from_millis(24), Duration::from_millis(4), 300)),
        storm: Some(settled(
            Restart::Centre,
            [
                Some(Duration::from_millis(22_500)),
                Some(Duration::from_millis(23_100)),
            ],
        )),
        ..Figures::default()
    };
    let record = Record::new(&s, &figures, "scripts/soak.sh --restart centre".into(), 7);
    assert_eq!(record.run.restart.as_deref(), Some("centre"));
    assert_eq!((record.troubles.lost, record.troubles.seq_gaps), (10, 10));
    assert!(!record.clean());
    assert_eq!(record.current_s, Some(23.1));
    assert_eq!(record.get_ms.map(|g| g.max), Some(24.0));

    let dir = std::env::temp_dir().join(format!("soak-record-{}", std::process::id()));
    let kind = Kind::of(&s);
    assert_eq!(kind, Kind::Restart(Restart::Centre));
    let written = write(&dir, kind, &record).unwrap();
    assert!(written.ends_with("restart-centre.json"));
    assert_eq!(read(&dir, kind), Some(record));
    assert_eq!(read(&dir, Kind::Steady), None, "no steady run recorded");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_service_that_never_caught_up_leaves_no_recovery_time() {
    let figures = Figures {
        storm: Some(settled(
            Restart::Centre,
            [Some(Duration::from_secs(20)), None],
        )),
        ..Figures::default()
    };
    let s = settings(Some((Restart::Centre, Duration::from_secs(120))));
    assert_eq!(Record::new(&s, &figures, String::new(), 0).current_s, None);
    let steady = Record::new(&settings(None), &Figures::default(), String::new(), 0);
    assert_eq!(
        (steady.run.restart.as_deref(), steady.current_s),
        (None, None)
    );
    assert!(steady.clean());
    assert_eq!(steady.rss_peak_mib, None, "no memory samples");
    assert_eq!(Kind::of(&settings(None)), Kind::SteadyUnscraped);
    let scraped = Settings {
        scrape_every: Some(Duration::from_secs(15)),
        ..settings(None)
    };
    assert_eq!(Kind::of(&scraped), Kind::Steady);
}

#[test]
fn the_peak_rss_is_the_higher_half_of_each_service() {
    use crate::figures::Memory;
    let mib = 1024 * 1024;
    let memory = |first: u64, second: u64| Memory {
        first_half_max: first * mib,
        second_half_max: second * mib,
        at_end: second * mib,
    };
    let figures = Figures {
        memory: vec![
            ("aggregator", memory(698, 697)),
            ("assessor", memory(122, 124)),
            ("nats", memory(20, 21)),
        ],
        ..Figures::default()
    };
    let record = Record::new(&settings(None), &figures, String::new(), 0);
    assert_eq!(record.rss_peak_mib, Some([698.0, 124.0]));
    // Old records without the field still read.
    let old = serde_json::to_value(&record).unwrap();
    let mut old = old.as_object().unwrap().clone();
    old.remove("rss_peak_mib");
    let back: Record = serde_json::from_value(old.into()).unwrap();
    assert_eq!(back.rss_peak_mib, None);
}
