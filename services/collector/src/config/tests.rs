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

/// The key the error names once `change` has made the default config invalid.
fn key_after(change: impl FnOnce(&mut Config)) -> String {
    let mut c = config();
    change(&mut c);
    key_of(&c)
}

#[test]
fn errors_name_the_key() {
    let interval = key_after(|c| c.interval = Duration::from_millis(50));
    assert_eq!(interval, "interval");
    assert_eq!(key_after(|c| c.site_id = "a.b".into()), "site_id");

    let probe = Probe {
        name: "p".into(),
        address: "no-port".into(),
        timeout: Duration::from_secs(1),
    };
    let key = key_after(|c| c.sources.probe.push(probe));
    assert_eq!(key, "probe[0].address");

    let target = ScrapeTarget {
        name: "t".into(),
        url: "https://x/metrics".into(),
        timeout: Duration::from_secs(1),
    };
    let key = key_after(|c| c.sources.scrape.push(target));
    assert_eq!(key, "scrape[0].url");

    let gauge = |metric: &str| CustomGauge {
        metric: metric.into(),
        labels: BTreeMap::new(),
    };
    let key = key_after(|c| {
        c.sources.custom.insert("g".into(), gauge("bad metric"));
    });
    assert_eq!(key, "custom.g.metric");
    let key = key_after(|c| {
        c.sources.custom = (0..=MAX_CUSTOM)
            .map(|i| (format!("g{i}"), gauge("m")))
            .collect();
    });
    assert_eq!(key, "custom");
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
