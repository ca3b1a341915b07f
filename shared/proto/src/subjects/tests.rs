use super::*;

/// The subjects of the contract under the default prefix, unpartitioned.
#[test]
fn builds_contract_subjects() {
    let s = Subjects::default();
    assert_eq!(s.partition(), None);
    for (subject, want) in [
        (s.report("site-1"), "health.report.site-1"),
        (s.status("site-1"), "health.status.site-1"),
        (s.resend(), "health.cmd.resend"),
        (s.reports(), "health.report.*"),
        (s.statuses(), "health.status.*"),
        (s.aggregator_group(), "health.agg"),
        (s.aggregator("list"), "health.agg.list"),
        (s.assessor_group(), "health.assessor"),
        (s.assessor("statuses"), "health.assessor.statuses"),
        (s.audit(), "health.audit"),
    ] {
        assert_eq!(subject, want);
    }
}

/// A site id is read only from a subject of its own kind, prefix and
/// partition, and only when it is one token.
#[test]
fn extracts_site_from_subject() {
    let acme = Subjects::new("acme.health").unwrap();
    let half = Subjects::default().partitioned("1/2".parse().unwrap());
    for (s, kind, subject, site) in [
        (&acme, "report", "acme.health.report.a_1", Some("a_1")),
        // Another kind or prefix, or not one token.
        (&acme, "report", "acme.health.status.a_1", None),
        (&acme, "report", "acme.health.report.", None),
        (&acme, "report", "acme.health.report.a.b", None),
        (&acme, "report", "health.report.a", None),
        (&acme, "report", "acme.healthy.report.a", None),
        // Another partition, none, or not one token after this one.
        (&half, "report", "health.report.0.a_1", None),
        (&half, "report", "health.report.a_1", None),
        (&half, "report", "health.report.10.a_1", None),
        (&half, "report", "health.report.1.", None),
        (&half, "report", "health.report.1.a.b", None),
        (&half, "report", "health.report.1", None),
        // The partition's own.
        (&half, "report", "health.report.1.a_1", Some("a_1")),
        // Status subjects are not partitioned.
        (&half, "status", "health.status.a_1", Some("a_1")),
        (&half, "status", "health.status.1.a_1", None),
    ] {
        assert_eq!(s.site_of(kind, subject), site, "{kind} {subject}");
    }
}

#[test]
fn partitioned_subjects() {
    let s = Subjects::new("acme.health")
        .unwrap()
        .partitioned("2/3".parse().unwrap());
    assert_eq!(s.partition(), Some(Partition::new(2, 3).unwrap()));
    assert_eq!(s.reports(), "acme.health.report.2.*");
    assert_eq!(s.aggregator_group(), "acme.health.agg.2");
    assert_eq!(s.aggregator("list"), "acme.health.agg.2.list");
    assert_eq!(s.assessor_group(), "acme.health.assessor.2");
    assert_eq!(s.assessor("statuses"), "acme.health.assessor.2.statuses");
    // What publishers and users see does not change.
    assert_eq!(s.report("a"), "acme.health.report.a");
    assert_eq!(s.status("a"), "acme.health.status.a");
    assert_eq!(s.statuses(), "acme.health.status.*");
    assert_eq!(s.resend(), "acme.health.cmd.resend");
    assert_eq!(s.centre_status(), "acme.health.centre.status");
    assert_eq!(s.unpartitioned(), Subjects::new("acme.health").unwrap());
    assert_eq!(
        Subjects::default()
            .for_partition(1, 4)
            .unwrap()
            .aggregator("get"),
        "health.agg.1.get"
    );
    assert!(Subjects::default().for_partition(4, 4).is_err());
}

#[test]
fn partitions_parse_from_i_slash_n() {
    let p: Partition = "0/1".parse().unwrap();
    assert_eq!((p.index(), p.count()), (0, 1));
    let p: Partition = "1023/1024".parse().unwrap();
    assert_eq!((p.index(), p.count()), (1023, 1024));
    assert_eq!(p.to_string(), "1023/1024");
    for (bad, why) in [
        ("", PartitionError::Syntax(String::new())),
        ("1", PartitionError::Syntax("1".into())),
        ("a/2", PartitionError::Syntax("a/2".into())),
        ("1/", PartitionError::Syntax("1/".into())),
        ("/2", PartitionError::Syntax("/2".into())),
        (" 1/2", PartitionError::Syntax(" 1/2".into())),
        ("-1/2", PartitionError::Syntax("-1/2".into())),
        ("+1/2", PartitionError::Syntax("+1/2".into())),
        ("1/2/3", PartitionError::Syntax("1/2/3".into())),
        (
            "99999999999/2",
            PartitionError::Syntax("99999999999/2".into()),
        ),
        ("0/0", PartitionError::Count(0)),
        ("0/1025", PartitionError::Count(1025)),
        ("2/2", PartitionError::Index { index: 2, count: 2 }),
        ("5/3", PartitionError::Index { index: 5, count: 3 }),
    ] {
        assert_eq!(bad.parse::<Partition>(), Err(why), "{bad:?}");
    }
    // The messages say what is expected.
    assert_eq!(
        "x".parse::<Partition>().unwrap_err().to_string(),
        "expected a partition as i/N (e.g. 0/4), got \"x\""
    );
    assert_eq!(
        "3/3".parse::<Partition>().unwrap_err().to_string(),
        "the partition index must be below the count (3), got 3"
    );
    assert_eq!(
        "0/2000".parse::<Partition>().unwrap_err().to_string(),
        "the partition count must be within 1..=1024, got 2000"
    );
}

#[test]
fn all_partitions_of_a_count() {
    let all = Partition::all(3).unwrap();
    assert_eq!(
        all.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        ["0/3", "1/3", "2/3"]
    );
    assert!(Partition::all(0).is_err());
    assert!(Partition::all(1025).is_err());
    assert_eq!(checked_count(1024), Ok(1024));
}

#[test]
fn site_partition_is_what_nats_server_computes() {
    // Observed with nats-server 2.15.1 and the mapping
    // "health.report.*": "health.report.{{partition(3,1)}}.{{wildcard(1)}}"
    // (tests/e2e/tests/partition.rs checks every test site against the
    // running server).
    let observed = [("a", 1), ("b", 1), ("c", 2), ("site-1", 0), ("site-2", 0)];
    for (site, p) in observed {
        assert_eq!(Partition::of_site(site, 3), p, "{site}");
    }
    assert_eq!(Partition::of_site("anything", 1), 0);
    assert!(Partition::new(0, 3).unwrap().holds("site-1"));
    assert!(!Partition::new(1, 3).unwrap().holds("site-1"));
}

#[test]
fn mapping_for_the_server_config() {
    let (from, to) = Subjects::default().report_mapping(4);
    assert_eq!(from, "health.report.*");
    assert_eq!(to, "health.report.{{partition(4,1)}}.{{wildcard(1)}}");
}

#[test]
fn site_id_rules() {
    assert!(validate_site_id("Site_01-a").is_ok());
    assert_eq!(validate_site_id(""), Err(SiteIdError::Empty));
    assert_eq!(validate_site_id(&"a".repeat(65)), Err(SiteIdError::TooLong));
    assert!(validate_site_id(&"a".repeat(64)).is_ok());
    for bad in ["a.b", "a*", ">", "a b", "é", "a\n"] {
        assert_eq!(
            validate_site_id(bad),
            Err(SiteIdError::BadCharacter),
            "{bad:?}"
        );
    }
}

#[test]
fn prefix_rules() {
    assert!(Subjects::new("health").is_ok());
    assert!(Subjects::new("a.b-c").is_ok());
    for bad in ["", "a..b", "a.*", "a.>", ".a", "a b"] {
        assert!(Subjects::new(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_resend_spread_header_is_whole_milliseconds_or_ignored() {
    use std::time::Duration;
    assert_eq!(resend_spread("2500"), Some(Duration::from_millis(2500)));
    assert_eq!(resend_spread(" 0 "), Some(Duration::ZERO));
    for bad in ["", "-5", "1.5", "soon", "99999999999999999999999"] {
        assert_eq!(resend_spread(bad), None, "{bad:?}");
    }
    // What the centre writes reads back, to the millisecond.
    let spread = Duration::from_millis(40_000);
    assert_eq!(resend_spread_value(spread), "40000");
    assert_eq!(resend_spread(&resend_spread_value(spread)), Some(spread));
}
