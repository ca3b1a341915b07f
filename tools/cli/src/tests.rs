use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("healthmon").chain(args.iter().copied()))
}

/// Fails unless `args` are refused as a usage error (exit 2, before
/// anything connects); the error.
fn usage_error(args: &[&str]) -> clap::Error {
    let err = parse(args).unwrap_err();
    assert_eq!(err.exit_code(), 2, "{args:?}: {err}");
    err
}

#[test]
fn sites_flags_become_the_aggregator_query() {
    let cli = parse(&[
        "sites",
        "--connectivity",
        "offline,late",
        "--health",
        "critical",
        "--search",
        "north",
        "--sort",
        "site_id",
        "--limit",
        "5",
        "--offset",
        "10",
    ])
    .unwrap();
    let Command::Sites(args) = cli.command else {
        panic!("not sites")
    };
    let q = args.query().unwrap();
    assert_eq!(
        q.connectivity,
        vec![Connectivity::Offline, Connectivity::Late]
    );
    assert_eq!(q.health, vec![Health::Critical]);
    assert_eq!(q.search.as_deref(), Some("north"));
    assert_eq!((q.sort, q.limit, q.offset), (SortOrder::SiteId, 5, 10));
}

#[test]
fn the_acknowledged_filter_is_true_or_false() {
    for (value, want) in [("true", Some(true)), ("false", Some(false))] {
        let Command::Sites(args) = parse(&["sites", "--acknowledged", value]).unwrap().command
        else {
            panic!("not sites")
        };
        assert_eq!(args.query().unwrap().acknowledged, want);
    }
    assert!(parse(&["sites", "--acknowledged", "yes"]).is_err());
    assert!(
        parse(&["sites", "--acknowledged"]).is_err(),
        "a value is required"
    );
}

#[test]
fn defaults_are_the_aggregator_defaults() {
    let Command::Sites(args) = parse(&["sites"]).unwrap().command else {
        panic!("not sites")
    };
    assert_eq!(args.query(), Ok(ListQuery::default()));
    let Command::Summary(args) = parse(&["summary"]).unwrap().command else {
        panic!("not summary")
    };
    assert_eq!(args.query(), Ok(SummaryQuery::default()));
    let cli = parse(&["summary"]).unwrap();
    assert_eq!(cli.timeout, Duration::from_secs(5));
    assert_eq!(cli.nats.nats_connect_timeout, Duration::from_secs(5));
    assert_eq!(cli.nats.subject_prefix, "health");
}

#[test]
fn usage_errors_are_refused_before_connecting() {
    for args in [
        &["sites", "--connectivity", "gone"][..],
        &["sites", "--limit", "1001"],
        &["site", "a.b"],
        &["watch", "health..x"],
        &["watch", "--count", "0"],
        &["summary", "--bogus"],
        &[],
    ] {
        usage_error(args);
    }
}

#[test]
fn flags_may_follow_the_command() {
    let cli = parse(&[
        "summary",
        "--timeout",
        "1s",
        "--json",
        "--nats-url",
        "nats://h:1",
    ])
    .unwrap();
    assert_eq!(cli.timeout, Duration::from_secs(1));
    assert_eq!(cli.nats.nats_url, "nats://h:1");
    let cli = parse(&["--subject-prefix", "acme.health", "watch"]).unwrap();
    assert_eq!(cli.nats.subject_prefix, "acme.health");
}

#[test]
fn partitions_is_a_global_flag_checked_before_connecting() {
    assert_eq!(parse(&["summary"]).unwrap().partitions, 1);
    assert_eq!(
        parse(&["sites", "--partitions", "4"]).unwrap().partitions,
        4
    );
    assert_eq!(
        parse(&["--partitions", "2", "site", "a"])
            .unwrap()
            .partitions,
        2
    );
    for bad in ["0", "1025", "x"] {
        let err = usage_error(&["summary", "--partitions", bad]);
        assert!(err.to_string().contains("--partitions"), "{err}");
    }
}

#[test]
fn subjects_are_checked() {
    for ok in ["health.>", "health.status.*", ">", "$SRV.PING", "a.*.c"] {
        assert!(parse_subject(ok).is_ok(), "{ok}");
    }
    for bad in ["", "a..b", "a.>.b", "a b", "a.b*", ".a", "a.>x"] {
        assert!(parse_subject(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn label_filters_add_up_and_contradictions_are_usage_errors() {
    let Command::Sites(args) = parse(&[
        "sites",
        "--label",
        "region=eu-west",
        "--label",
        "tier=gold,customer=acme",
    ])
    .unwrap()
    .command
    else {
        panic!("not sites")
    };
    let q = args.query().unwrap();
    assert_eq!(
        q.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        ["customer=acme", "region=eu-west", "tier=gold"]
    );
    let Command::Sites(args) = parse(&["sites", "--label", "a=1", "--label", "a=2"])
        .unwrap()
        .command
    else {
        panic!("not sites")
    };
    assert!(args.query().unwrap_err().0.contains("--label"));

    let Command::Summary(args) = parse(&["summary", "--by", "region", "--label", "tier=gold"])
        .unwrap()
        .command
    else {
        panic!("not summary")
    };
    let q = args.query().unwrap();
    assert_eq!(q.by.as_deref(), Some("region"));
    assert_eq!(q.labels["tier"], "gold");
    for bad in [
        &["summary", "--by", "Region"][..],
        &["summary", "--by", "site"],
        &["sites", "--label", "region"],
        &["sites", "--label", "Region=x"],
    ] {
        usage_error(bad);
    }
}

#[test]
fn admin_commands_need_the_api_and_one_target() {
    let api = ["--api", "http://127.0.0.1:8080"];
    // A command line as typed (split at spaces), then the API's address.
    let with_api =
        |line: &'static str| -> Vec<&'static str> { line.split_whitespace().chain(api).collect() };
    for ok in [
        with_api("maintenance set plant-7 --for 2h --reason fw"),
        with_api("maintenance set --selector region=eu --until 1900000000000"),
        with_api("maintenance clear plant-7"),
        with_api("maintenance clear --selector region=eu"),
        with_api("forget plant-7"),
        with_api("labels plant-7 region=eu tier=gold"),
        with_api("labels plant-7 --clear"),
        [&["ack", "plant-7", "--note", "on it"][..], &api].concat(),
        with_api("unack plant-7"),
    ] {
        assert!(parse(&ok).is_ok(), "{ok:?}: {}", parse(&ok).unwrap_err());
    }
    for bad in [
        vec!["forget", "plant-7"], // no --api
        with_api("maintenance set"),
        with_api("maintenance set plant-7 --selector a=b"),
        with_api("maintenance set plant-7 --for 2h --until 1900000000000"),
        with_api("maintenance set plant-7 --until tomorrow"),
        with_api("maintenance set plant-7 --for 0s"),
        with_api("maintenance clear --selector Region=x"),
        with_api("labels plant-7"),
        with_api("labels plant-7 region=eu --clear"),
        with_api("labels plant-7 region"),
        with_api("ack not/a/site"),
        vec!["forget", "plant-7", "--api", "localhost:8080"],
    ] {
        usage_error(&bad);
    }
}

#[test]
fn preparing_checks_what_clap_cannot() {
    let cli = parse(&[
        "maintenance",
        "set",
        "plant-7",
        "--until",
        "1000",
        "--api",
        "http://127.0.0.1:1",
    ])
    .unwrap();
    let e = prepare(cli).unwrap_err().0;
    assert!(e.contains("not in the future"), "{e}");
    let cli = parse(&["fleet", "apply", "/nonexistent/fleet.toml"]).unwrap();
    let e = prepare(cli).unwrap_err().0;
    assert!(
        e.starts_with("/nonexistent/fleet.toml: cannot read it"),
        "{e}"
    );
    let cli = parse(&["fleet", "export", "--registry-bucket", "a.b"]).unwrap();
    assert!(prepare(cli).unwrap_err().0.contains("--registry-bucket"));
    let cli = parse(&["sites", "--label", "a=1", "--label", "a=2"]).unwrap();
    assert!(prepare(cli).is_err());
    let cli = parse(&["summary", "--by", "region"]).unwrap();
    let Job::Summary { query, .. } = prepare(cli).unwrap().job else {
        panic!("not summary")
    };
    assert_eq!(query.by.as_deref(), Some("region"));
}
