use super::*;

fn nats() -> NatsConfig {
    NatsConfig::local("nats://127.0.0.1:4222")
}

fn addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn with_file(text: &str, flags: Overrides) -> Result<Config, String> {
    let file = parse(text).map_err(|e| e.to_string())?;
    assemble(nats(), addr(), flags, Some(("c.toml".into(), file))).map_err(|e| e.to_string())
}

/// The error a broken file's text gives, as the collector prints it.
fn error_of(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

/// Asserts that an error message names each of `words`.
fn assert_names(err: &str, words: &[&str]) {
    for word in words {
        assert!(err.contains(word), "{word:?} not in {err}");
    }
}

#[test]
fn the_example_file_is_valid_and_complete() {
    let text = include_str!("../../collector.example.toml");
    let file = parse(text).unwrap();
    assert_eq!(file.site_id.as_deref(), Some("plant-north-01"));
    assert!(!file.scrape.is_empty() && !file.probe.is_empty() && !file.custom.is_empty());
    let config = with_file(text, Overrides::default()).unwrap();
    assert_eq!(config.interval, Duration::from_secs(30));
    assert_eq!(config.sources.mapping, crate::config::Mapping::default());
}

#[test]
fn unknown_keys_are_named_with_their_line_and_table() {
    let err = error_of(
        "site_id = \"a\"\n\n[[probe]]\nname = \"p\"\naddress = \"h:1\"\ntimeot = \"1s\"\n",
    );
    assert_names(&err, &["line 6", "[[probe]]", "timeot"]);
    assert!(!err.contains('\n'), "{err}");

    let err = error_of("[mapping.sf_buffer]\ncatgory = \"c\"\n");
    assert_names(&err, &["catgory", "[mapping.sf_buffer]"]);

    let err = error_of("intervall = \"5s\"\n");
    assert_names(&err, &["intervall", "line 1"]);
}

#[test]
fn bad_values_are_named() {
    let err = error_of("interval = \"soon\"\n");
    assert_names(&err, &["key `interval`", "soon"]);

    let err = error_of("[custom]\ng = { metric = 5 }\n");
    assert_names(&err, &["key `metric`", "[custom]"]);

    let err = with_file("site_id = \"a b\"\n", Overrides::default()).unwrap_err();
    assert_eq!(
        err,
        "invalid config file c.toml: key site_id: site id may contain only A-Z, a-z, 0-9, '_' and '-'"
    );

    let text = "site_id = \"s\"\n[[scrape]]\nname = \"rt\"\nurl = \"ftp://x\"\n";
    let err = with_file(text, Overrides::default()).unwrap_err();
    assert_names(&err, &["c.toml", "scrape[0].url"]);
}

#[test]
fn flags_override_the_file_and_are_named_when_wrong() {
    let text = "site_id = \"from-file\"\ninterval = \"5s\"\n";
    let flags = Overrides {
        interval: Some(Duration::from_secs(2)),
        ..Default::default()
    };
    let c = with_file(text, flags).unwrap();
    assert_eq!(
        (c.site_id.as_str(), c.interval),
        ("from-file", Duration::from_secs(2))
    );

    let flags = Overrides {
        site_id: Some("from-flag".into()),
        ..Default::default()
    };
    assert_eq!(with_file(text, flags).unwrap().site_id, "from-flag");

    let flags = Overrides {
        interval: Some(Duration::from_millis(10)),
        ..Default::default()
    };
    let err = with_file(text, flags).unwrap_err();
    assert!(err.starts_with("invalid value for --interval:"), "{err}");
}

#[test]
fn site_id_is_required_unless_simulating() {
    let err = assemble(nats(), addr(), Overrides::default(), None).unwrap_err();
    assert!(err.to_string().contains("--site-id"), "{err}");
    let flags = Overrides {
        simulate: Some(5),
        fault_rate: 0.02,
        ..Default::default()
    };
    let c = assemble(nats(), addr(), flags, None).unwrap();
    assert_eq!(c.sim_prefix(), "sim");
    assert_eq!(c.simulate.unwrap().sites, 5);
}

#[test]
fn custom_gauges_and_durations_parse() {
    let text = r#"
[custom]
api_ms = { metric = "app_latency_ms", labels = { endpoint = "/api" } }
queue = { metric = "queue_depth" }

[[scrape]]
name = "runtime"
url = "http://127.0.0.1:9500/metrics"
timeout = "750ms"
"#;
    let f = parse(text).unwrap();
    assert_eq!(f.custom["api_ms"].labels["endpoint"], "/api");
    assert!(f.custom["queue"].labels.is_empty());
    assert_eq!(f.scrape[0].timeout, Duration::from_millis(750));
}

#[test]
fn labels_are_sent_as_given_and_checked_at_start() {
    let config = with_file(
        "site_id = \"a\"\nlabels = { region = \"eu-west\", tier = \"gold\" }\n",
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(config.sources.labels["region"], "eu-west");
    assert_eq!(config.sources.labels.len(), 2);
    for (labels, key, says) in [
        ("{ Region = \"x\" }", "labels.Region", "must match [a-z_]"),
        ("{ site = \"x\" }", "labels.site", "reserved"),
        ("{ __x = \"x\" }", "labels.__x", "reserved"),
        ("{ region = \"\" }", "labels.region", "1-64 printable"),
    ] {
        let err = with_file(
            &format!("site_id = \"a\"\nlabels = {labels}\n"),
            Overrides::default(),
        )
        .unwrap_err();
        assert!(
            err.starts_with(&format!("invalid config file c.toml: key {key}: "))
                && err.contains(says),
            "{labels}: {err}"
        );
    }
    let many: Vec<String> = (0..17).map(|i| format!("k{i} = \"v\"")).collect();
    let err = with_file(
        &format!("site_id = \"a\"\nlabels = {{ {} }}\n", many.join(", ")),
        Overrides::default(),
    )
    .unwrap_err();
    assert!(err.contains("key labels: at most 16 labels"), "{err}");
    let err = error_of("labels = { region = 5 }\n");
    assert_names(&err, &["line 1", "region"]);
}
