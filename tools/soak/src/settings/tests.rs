use super::*;

fn ok() -> Settings {
    Settings {
        sites: 100_000,
        interval: Duration::from_secs(5),
        duration: Duration::from_secs(600),
        warmup: Duration::from_secs(120),
        sample_every: Duration::from_secs(10),
        bin_dir: "target/release".into(),
        nats_server: "nats-server".into(),
        run_dir: "/tmp/x".into(),
        rss_growth_pct: 10.0,
        scrape_every: None,
        restart: None,
    }
}

#[test]
fn the_issue_s_run_is_valid_and_sends_20k_per_second() {
    assert_eq!(ok().validate(), Ok(()));
    assert_eq!(ok().rate(), 20_000.0);
}

#[test]
fn bad_values_name_their_flag() {
    type Break = fn(&mut Settings);
    let cases: [(&str, Break); 8] = [
        ("--sites", |s| s.sites = 0),
        ("--interval", |s| s.interval = Duration::from_millis(10)),
        ("--duration", |s| s.duration = Duration::from_secs(9)),
        ("--warmup", |s| s.warmup = s.duration),
        ("--rss-growth", |s| s.rss_growth_pct = f64::NAN),
        ("--restart-at", |s| {
            s.restart = Some((Restart::Aggregator, Duration::from_secs(591)))
        }),
        ("--restart-at", |s| {
            s.restart = Some((Restart::Centre, Duration::from_secs(1)))
        }),
        ("--restart", |s| {
            s.restart = Some((Restart::Aggregator, Duration::from_secs(300)));
            s.scrape_every = Some(Duration::from_secs(15));
        }),
    ];
    for (flag, break_it) in cases {
        let mut s = ok();
        break_it(&mut s);
        assert!(
            s.validate().unwrap_err().to_string().contains(flag),
            "{flag}"
        );
    }
}

#[test]
fn a_restart_mid_run_is_valid() {
    let mut s = ok();
    s.restart = Some((Restart::Centre, Duration::from_secs(300)));
    assert_eq!(s.validate(), Ok(()));
}

#[test]
fn warmup_is_a_fifth_but_at_least_three_intervals() {
    let s = Duration::from_secs;
    assert_eq!(default_warmup(s(600), s(5)), s(120));
    assert_eq!(default_warmup(s(60), s(5)), s(15));
    assert_eq!(default_warmup(s(20), s(5)), s(10));
}
