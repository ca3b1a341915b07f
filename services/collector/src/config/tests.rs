use super::*;

fn config() -> Config {
    Config::new(NatsConfig::local("nats://127.0.0.1:4222"), "site-1")
}

fn key_of(c: &Config) -> String {
    c.validate().unwrap_err().key
}

#[test]
fn defaults_are_valid() {
    assert_eq!(config().validate(), Ok(()));
}

/// Asserts that the error names `key` once `change` has made the default
/// config invalid.
#[track_caller]
fn assert_key_after(key: &str, change: impl FnOnce(&mut Config)) {
    let mut c = config();
    change(&mut c);
    assert_eq!(key_of(&c), key);
}

#[test]
fn errors_name_the_key() {
    assert_key_after("interval", |c| c.interval = Duration::from_millis(50));
    assert_key_after("site_id", |c| c.site_id = "a.b".into());

    let probe = Probe {
        name: "p".into(),
        address: "no-port".into(),
        timeout: Duration::from_secs(1),
    };
    assert_key_after("probe[0].address", |c| c.sources.probe.push(probe));

    let target = ScrapeTarget {
        name: "t".into(),
        url: "https://x/metrics".into(),
        timeout: Duration::from_secs(1),
    };
    assert_key_after("scrape[0].url", |c| c.sources.scrape.push(target));

    let gauge = |metric: &str| CustomGauge {
        metric: metric.into(),
        labels: BTreeMap::new(),
    };
    assert_key_after("custom.g.metric", |c| {
        c.sources.custom.insert("g".into(), gauge("bad metric"));
    });
    assert_key_after("custom", |c| {
        c.sources.custom = (0..=MAX_CUSTOM)
            .map(|i| (format!("g{i}"), gauge("m")))
            .collect();
    });
}

#[test]
fn simulation_needs_no_site_id_but_checks_the_prefix() {
    let mut c = config();
    c.site_id = String::new();
    c.simulate = Some(Simulate {
        sites: 3,
        fault_rate: 0.0,
        seed: None,
    });
    assert_eq!(c.validate(), Ok(()));
    assert_eq!(c.sim_prefix(), "sim");
    c.site_id = "p".repeat(59);
    assert_eq!(key_of(&c), "site_id");
    c.site_id = "plant".into();
    c.simulate.as_mut().unwrap().fault_rate = 1.5;
    assert_eq!(key_of(&c), "fault_rate");
}
