use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("healthmon").chain(args.iter().copied()))
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
    let q = args.query();
    assert_eq!(
        q.connectivity,
        vec![Connectivity::Offline, Connectivity::Late]
    );
    assert_eq!(q.health, vec![Health::Critical]);
    assert_eq!(q.search.as_deref(), Some("north"));
    assert_eq!((q.sort, q.limit, q.offset), (SortOrder::SiteId, 5, 10));
}

#[test]
fn defaults_are_the_aggregator_defaults() {
    let Command::Sites(args) = parse(&["sites"]).unwrap().command else {
        panic!("not sites")
    };
    assert_eq!(args.query(), ListQuery::default());
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
        let err = parse(args).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{args:?}: {err}");
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
        let err = parse(&["summary", "--partitions", bad]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{bad}: {err}");
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
