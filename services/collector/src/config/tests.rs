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

#[test]
fn errors_name_the_key() {
    let mut c = config();
    c.interval = Duration::from_millis(50);
    assert_eq!(key_of(&c), "interval");

    let mut c = config();
    c.site_id = "a.b".into();
    assert_eq!(key_of(&c), "site_id");

    let mut c = config();
    c.sources.probe.push(Probe {
        name: "p".into(),
        address: "no-port".into(),
        timeout: Duration::from_secs(1),
    });
    assert_eq!(key_of(&c), "probe[0].address");

    let mut c = config();
    c.sources.scrape.push(ScrapeTarget {
        name: "t".into(),
        url: "https://x/metrics".into(),
        timeout: Duration::from_secs(1),
    });
    assert_eq!(key_of(&c), "scrape[0].url");

    let mut c = config();
    c.sources.custom.insert(
        "g".into(),
        CustomGauge {
            metric: "bad metric".into(),
            labels: BTreeMap::new(),
        },
    );
    assert_eq!(key_of(&c), "custom.g.metric");

    let mut c = config();
    c.sources.custom = (0..=MAX_CUSTOM)
        .map(|i| {
            let g = CustomGauge {
                metric: "m".into(),
                labels: BTreeMap::new(),
            };
            (format!("g{i}"), g)
        })
        .collect();
    assert_eq!(key_of(&c), "custom");
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
