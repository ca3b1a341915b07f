use super::*;
use proptest::prelude::*;

fn list(raw: &str) -> Result<ListQuery, ParamError> {
    list_query(Some(raw)).map(|f| f.query)
}

#[test]
fn no_query_means_defaults() {
    assert_eq!(list_query(None).unwrap().query, ListQuery::default());
    assert_eq!(list("").unwrap(), ListQuery::default());
    assert_eq!(list("&&").unwrap(), ListQuery::default());
    assert_eq!(ListQuery::default().limit, 100);
}

#[test]
fn parses_every_list_parameter() {
    let q = list(
        "connectivity=offline,late&health=degraded&search=north&sort=site_id&limit=5&offset=10",
    )
    .unwrap();
    assert_eq!(
        q.connectivity,
        vec![Connectivity::Offline, Connectivity::Late]
    );
    assert_eq!(q.health, vec![Health::Degraded]);
    assert_eq!(q.search.as_deref(), Some("north"));
    assert_eq!(q.sort, SortOrder::SiteId);
    assert_eq!((q.limit, q.offset), (5, 10));
}

#[test]
fn acknowledged_is_true_or_false_once() {
    assert_eq!(list("acknowledged=true").unwrap().acknowledged, Some(true));
    assert_eq!(
        list("acknowledged=false").unwrap().acknowledged,
        Some(false)
    );
    assert_eq!(list("").unwrap().acknowledged, None);
    for bad in ["yes", "1", "TRUE", "null"] {
        let e = list(&format!("acknowledged={bad}")).unwrap_err();
        assert_eq!(
            (e.param.as_str(), e.message),
            (
                "acknowledged",
                format!("invalid acknowledged \"{bad}\": expected true or false")
            )
        );
    }
    let e = list("acknowledged=true&acknowledged=false").unwrap_err();
    assert_eq!(e.message, "parameter acknowledged may be given only once");
}

#[test]
fn list_values_may_repeat_and_are_deduplicated() {
    let q = list("health=degraded&health=critical,degraded&connectivity=%20OFFLINE%20").unwrap();
    assert_eq!(q.health, vec![Health::Degraded, Health::Critical]);
    assert_eq!(q.connectivity, vec![Connectivity::Offline]);
}

#[test]
fn empty_values_are_refused_but_an_empty_search_is_no_search() {
    assert_eq!(list("search=").unwrap(), ListQuery::default());
    for name in [
        "connectivity",
        "health",
        "sort",
        "limit",
        "offset",
        "acknowledged",
    ] {
        let e = list(&format!("{name}=")).unwrap_err();
        assert_eq!(e.param, name);
    }
    assert_eq!(
        list("health=critical,,degraded").unwrap_err().param,
        "health"
    );
    assert_eq!(
        list("connectivity=offline,").unwrap_err().param,
        "connectivity"
    );
}

#[test]
fn offset_bounds() {
    assert_eq!(list("offset=2147483647").unwrap().offset, 2_147_483_647);
    for bad in ["2147483648", "-1", "x"] {
        let e = list(&format!("offset={bad}")).unwrap_err();
        assert_eq!(e.param, "offset", "{bad}");
        assert!(e.message.contains("2147483647"), "{}", e.message);
    }
}

#[test]
fn limit_bounds() {
    assert_eq!(list("limit=0").unwrap().limit, 0);
    assert_eq!(list("limit=1000").unwrap().limit, 1000);
    for bad in [
        "1001",
        "5000",
        "abc",
        "-1",
        "1.5",
        "99999999999999999999999",
    ] {
        let e = list(&format!("limit={bad}")).unwrap_err();
        assert_eq!(e.param, "limit");
        assert!(e.message.contains("from 0 to 1000"), "{}", e.message);
    }
}

#[test]
fn messages_name_the_parameter_and_what_is_expected() {
    let e = list("connectivity=bogus").unwrap_err();
    assert_eq!(
        e.message,
        "invalid connectivity \"bogus\": expected online, late, offline or unknown"
    );
    let e = list("health=ok").unwrap_err();
    assert_eq!(
        e.message,
        "invalid health \"ok\": expected healthy, degraded, critical or unknown"
    );
    let e = list("sort=name").unwrap_err();
    assert_eq!(
        e.message,
        "invalid sort \"name\": expected severity or site_id"
    );
    let e = list("offset=x").unwrap_err();
    assert_eq!(e.param, "offset");
    let e = list(&format!("search={}", "a".repeat(65))).unwrap_err();
    assert_eq!(e.param, "search");
}

#[test]
fn unknown_and_repeated_parameters_are_refused() {
    let e = list("conectivity=offline").unwrap_err();
    assert_eq!(e.param, "conectivity");
    assert_eq!(
        e.message,
        "unknown parameter \"conectivity\": expected connectivity, health, search, sort, limit, offset, label or acknowledged"
    );
    let e = list("limit=1&limit=2").unwrap_err();
    assert_eq!(e.message, "parameter limit may be given only once");
    let e = none(Some("x=1")).unwrap_err();
    assert!(e.message.contains("takes no parameters"), "{}", e.message);
    assert_eq!(none(Some("")), Ok(()));
}

#[test]
fn percent_decoding_follows_forms() {
    assert_eq!(percent_decode("a+b%2Cc").unwrap(), "a b,c");
    assert_eq!(percent_decode("100%").unwrap(), "100%");
    assert_eq!(percent_decode("%zz%4").unwrap(), "%zz%4");
    assert_eq!(percent_decode("%C3%A9").unwrap(), "é");
    assert!(percent_decode("%FF").is_err());
    let e = list("search=%FF").unwrap_err();
    assert_eq!(e.param, "search");
    assert!(e.message.contains("UTF-8"));
}

#[test]
fn events_site_filter() {
    assert_eq!(events_site(None), Ok(None));
    assert_eq!(events_site(Some("site_id=s1")), Ok(Some("s1".into())));
    let e = events_site(Some("site_id=a.b")).unwrap_err();
    assert_eq!(e.param, "site_id");
    assert!(
        e.message.starts_with("invalid site_id \"a.b\""),
        "{}",
        e.message
    );
    assert_eq!(events_site(Some("site=s1")).unwrap_err().param, "site");
    // A site id is never empty: the document's pattern says so, and so do we.
    assert_eq!(events_site(Some("site_id=")).unwrap_err().param, "site_id");
}

/// The message reads as one sentence whichever rule the id breaks (it
/// used to read "expected site id may contain only …").
#[test]
fn a_bad_site_id_message_states_the_rule() {
    let rule = "expected 1 to 64 characters, each A-Z, a-z, 0-9, '_' or '-'";
    let long = "x".repeat(65);
    let long_shown = format!("{}…", "x".repeat(64));
    for (value, shown) in [("a.b", "a.b"), ("a b", "a b"), (&long[..], &long_shown[..])] {
        assert_eq!(
            site_id(value).unwrap_err().message,
            format!("invalid site_id \"{shown}\": {rule}")
        );
    }
}

#[test]
fn long_values_are_shortened_in_messages() {
    let e = list(&format!("sort={}", "x".repeat(10_000))).unwrap_err();
    assert!(e.message.len() < 200, "{}", e.message);
}

proptest! {
    #[test]
    fn any_query_string_parses_or_names_a_parameter(raw in "\\PC{0,80}") {
        match list_query(Some(&raw)) {
            Ok(f) => {
                prop_assert!(f.query.limit <= MAX_LIMIT);
            }
            Err(e) => {
                prop_assert!(e.message.contains(&shorten(&e.param)), "{}", e.message);
                let decoded_names: Vec<String> = raw
                    .split('&')
                    .map(|s| s.split_once('=').map_or(s, |(n, _)| n))
                    .map(|n| percent_decode(n).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
                    .collect();
                prop_assert!(decoded_names.contains(&e.param), "{:?} not in {:?}", e.param, decoded_names);
            }
        }
    }

    #[test]
    fn query_like_strings_never_panic(
        pairs in proptest::collection::vec(
            (
                prop_oneof![
                    Just("connectivity".to_owned()),
                    Just("health".to_owned()),
                    Just("limit".to_owned()),
                    Just("offset".to_owned()),
                    Just("sort".to_owned()),
                    Just("search".to_owned()),
                    "[a-z%+]{0,6}",
                ],
                "[a-zA-Z0-9%+,_.-]{0,12}",
            ),
            0..6,
        )
    ) {
        let raw: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let raw = raw.join("&");
        let _ = events_site(Some(&raw));
        let _ = none(Some(&raw));
        if let Err(e) = list_query(Some(&raw)) {
            prop_assert!(!e.message.is_empty());
            prop_assert!(e.message.contains(&shorten(&e.param)));
        }
    }

    #[test]
    fn valid_limits_round_trip(n in 0usize..=MAX_LIMIT, off in 0..=MAX_OFFSET) {
        let q = list(&format!("limit={n}&offset={off}")).unwrap();
        prop_assert_eq!((q.limit, q.offset), (n, off));
    }
}

#[test]
fn labels_filter_by_every_pair_given() {
    let f = list_query(Some("label=region%3Deu&label=tier=gold,customer=acme")).unwrap();
    assert!(!f.matches_nothing);
    assert_eq!(
        f.query.labels.into_iter().collect::<Vec<_>>(),
        [
            ("customer".to_owned(), "acme".to_owned()),
            ("region".to_owned(), "eu".to_owned()),
            ("tier".to_owned(), "gold".to_owned())
        ]
    );
    // Two values of one key: valid, and nothing can match.
    let f = list_query(Some("label=region=eu&label=region=us")).unwrap();
    assert!(f.matches_nothing);
    for (raw, says) in [
        (
            "label=region",
            "invalid label \"region\": expected key=value",
        ),
        ("label=Region=eu", "invalid label"),
        ("label=site=x", "reserved"),
        ("label=", "invalid label"),
    ] {
        let e = list(raw).unwrap_err();
        assert_eq!(e.param, "label", "{raw}");
        assert!(e.message.contains(says), "{raw}: {}", e.message);
    }
}

#[test]
fn summary_takes_a_label_key_to_group_by() {
    let f = summary_query(Some("by=region&label=tier=gold")).unwrap();
    assert_eq!(f.query.by.as_deref(), Some("region"));
    assert_eq!(f.query.labels.len(), 1);
    for (raw, param) in [
        ("by=Region", "by"),
        ("by=a&by=b", "by"),
        ("group=x", "group"),
    ] {
        assert_eq!(summary_query(Some(raw)).unwrap_err().param, param, "{raw}");
    }
}

#[test]
fn a_bulk_action_needs_a_selector() {
    assert_eq!(
        bulk_selector(Some("selector=region=eu"))
            .unwrap()
            .to_string(),
        "region=eu"
    );
    for raw in [
        "",
        "selector=",
        "selector=region",
        "selector=a=1&selector=b=2",
    ] {
        assert_eq!(
            bulk_selector(Some(raw)).unwrap_err().param,
            "selector",
            "{raw:?}"
        );
    }
}
