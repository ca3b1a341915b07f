use super::*;

const NOW: u64 = 1_700_000_000_000;

fn site(id: &str) -> Target {
    Target {
        site_id: Some(id.into()),
        selector: None,
    }
}

fn selector(text: &str) -> Target {
    Target {
        site_id: None,
        selector: Some(text.parse().unwrap()),
    }
}

#[test]
fn api_urls_are_base_urls() {
    assert_eq!(
        parse_api_url("http://127.0.0.1:8080/"),
        Ok("http://127.0.0.1:8080".into())
    );
    assert_eq!(
        parse_api_url("https://ops.example.com/healthmon"),
        Ok("https://ops.example.com/healthmon".into())
    );
    for bad in [
        "",
        "localhost:8080",
        "ftp://h",
        "http://h/?x=1",
        "http://h/#top",
        "nats://h:4222",
    ] {
        assert!(parse_api_url(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn maintenance_names_a_site_or_a_selector() {
    let r = Request::set_maintenance(
        &site("plant-7"),
        Some(Duration::from_secs(7200)),
        None,
        Some("firmware"),
        NOW,
    )
    .unwrap();
    assert_eq!(r.method, Method::PUT);
    assert_eq!(r.path, "/api/v1/sites/plant-7/maintenance");
    assert_eq!(r.query, None);
    assert_eq!(
        r.body,
        Some(json!({"until_ms": NOW + 7_200_000, "reason": "firmware"}))
    );
    assert_eq!(r.kind, Answer::Maintenance);

    // Open-ended, no reason: an empty object.
    let r = Request::set_maintenance(&site("a"), None, None, None, NOW).unwrap();
    assert_eq!(r.body, Some(json!({})));

    let r = Request::set_maintenance(
        &selector("tier=gold,region=eu-west"),
        None,
        Some(NOW + 1),
        None,
        NOW,
    )
    .unwrap();
    assert_eq!(r.path, "/api/v1/maintenance");
    assert_eq!(
        r.query,
        Some(("selector".into(), "region=eu-west,tier=gold".into()))
    );
    assert_eq!(r.kind, Answer::BulkMaintenance);

    let r = Request::clear_maintenance(&selector("region=x"));
    assert_eq!((r.method, r.body), (Method::DELETE, None));

    let e = Request::set_maintenance(&site("a"), None, Some(NOW - 1), None, NOW)
        .unwrap_err()
        .0;
    assert!(e.contains("not in the future"), "{e}");
}

#[test]
fn the_other_actions_are_one_route_each() {
    let forget = Request::forget("plant-7");
    assert_eq!(
        (forget.method, forget.path.as_str()),
        (Method::DELETE, "/api/v1/sites/plant-7")
    );
    let ack = Request::ack("plant-7", Some("on it"));
    assert_eq!(ack.path, "/api/v1/sites/plant-7/ack");
    assert_eq!(ack.body, Some(json!({"note": "on it"})));
    assert_eq!(Request::ack("a", None).body, None);
    assert_eq!(Request::unack("a").method, Method::DELETE);

    let pairs = vec![
        ("region".to_owned(), "eu-west".to_owned()),
        ("tier".to_owned(), "gold".to_owned()),
    ];
    let labels = Request::labels("plant-7", &pairs, false).unwrap();
    assert_eq!(labels.path, "/api/v1/sites/plant-7/labels");
    assert_eq!(
        labels.body,
        Some(json!({"labels": {"region": "eu-west", "tier": "gold"}}))
    );
    let cleared = Request::labels("plant-7", &[], true).unwrap();
    assert_eq!(cleared.body, Some(json!({"labels": {}})));
    assert!(Request::labels("plant-7", &[], false).is_err());
    let twice = vec![
        ("region".to_owned(), "a".to_owned()),
        ("region".to_owned(), "b".to_owned()),
    ];
    assert!(
        Request::labels("plant-7", &twice, false)
            .unwrap_err()
            .0
            .contains("twice")
    );
    let many: Vec<(String, String)> = (0..17).map(|i| (format!("k{i}"), "v".into())).collect();
    assert!(
        Request::labels("p", &many, false)
            .unwrap_err()
            .0
            .contains("at most 16")
    );
}

#[test]
fn labels_are_checked_as_the_registry_checks_them() {
    assert_eq!(
        parse_label("region=eu-west"),
        Ok(("region".into(), "eu-west".into()))
    );
    assert_eq!(parse_label("note=a=b"), Ok(("note".into(), "a=b".into())));
    for bad in ["region", "Region=x", "site=x", "__x=y", "region=", "=x"] {
        assert!(parse_label(bad).is_err(), "{bad}");
    }
}

fn args(token: Option<&str>, token_file: Option<PathBuf>) -> ApiArgs {
    ApiArgs {
        api: "http://127.0.0.1:1".into(),
        token: token.map(str::to_owned),
        token_file,
        api_ca: None,
        json: false,
    }
}

#[test]
fn the_token_comes_from_one_place() {
    assert_eq!(token(&args(None, None)), Ok(None));
    assert_eq!(
        token(&args(Some(" abc "), None)),
        Ok(Some("abc".to_owned()))
    );
    let dir = healthmon_test_support::TempDir::new("cli-token").unwrap();
    let file = dir.path.join("token");
    std::fs::write(&file, "s3cr3t-token\n").unwrap();
    assert_eq!(
        token(&args(None, Some(file.clone()))),
        Ok(Some("s3cr3t-token".to_owned()))
    );
    assert!(
        token(&args(Some("x"), Some(file.clone())))
            .unwrap_err()
            .0
            .contains("not both")
    );
    std::fs::write(&file, "  \n").unwrap();
    assert!(
        token(&args(None, Some(file.clone())))
            .unwrap_err()
            .0
            .contains("empty")
    );
    std::fs::write(&file, "admin ops s3cr3t\n").unwrap();
    let e = token(&args(None, Some(file.clone()))).unwrap_err().0;
    assert!(e.contains("token alone"), "{e}");
    assert!(!e.contains("s3cr3t"), "never quotes a token: {e}");
    let missing = dir.path.join("missing");
    assert!(
        token(&args(None, Some(missing)))
            .unwrap_err()
            .0
            .contains("cannot read it")
    );
    assert!(token(&args(Some("a b"), None)).is_err());
}

#[test]
fn an_error_answer_is_the_apis_code_and_message() {
    let client = ApiClient::new(&args(None, None), Duration::from_secs(1)).unwrap();
    let e = client.refused(
        StatusCode::FORBIDDEN,
        br#"{"error":{"code":"forbidden","message":"admin role required"}}"#,
    );
    assert_eq!(e.to_string(), "forbidden: admin role required");
    let e = client.refused(
        StatusCode::UNAUTHORIZED,
        br#"{"error":{"code":"unauthorized","message":"missing credentials"}}"#,
    );
    assert!(
        e.to_string().ends_with(
            "missing credentials (no token given: --token, HEALTHMON_TOKEN or --token-file)"
        ),
        "{e}"
    );
    let e = client.refused(StatusCode::BAD_GATEWAY, b"<html>\n<h1>Bad Gateway</h1>\n");
    assert_eq!(
        e.to_string(),
        "http_502: 502 Bad Gateway from http://127.0.0.1:1: <html>"
    );
    let e = client.refused(StatusCode::SERVICE_UNAVAILABLE, b"");
    assert_eq!(
        e.to_string(),
        "http_503: 503 Service Unavailable from http://127.0.0.1:1"
    );
}

#[test]
fn answers_read_as_sentences() {
    let window =
        json!({"since_ms": NOW, "until_ms": NOW + 7_200_000, "reason": "firmware", "by": "ops"});
    let text = describe(
        Answer::Maintenance,
        &json!({"site_id": "plant-7", "maintenance": window}),
        NOW,
    )
    .unwrap();
    assert_eq!(
        text,
        "plant-7: under maintenance until 2023-11-15T00:13:20Z (in 2h00m), by ops: firmware\n"
    );
    let text = describe(
        Answer::Maintenance,
        &json!({"site_id": "plant-7", "maintenance": null}),
        NOW,
    )
    .unwrap();
    assert_eq!(text, "plant-7: maintenance ended\n");
    let text = describe(
        Answer::BulkMaintenance,
        &json!({"selector": "region=eu", "count": 2, "sites": ["a", "b"],
                "maintenance": {"since_ms": NOW, "by": "ops"}}),
        NOW,
    )
    .unwrap();
    assert_eq!(
        text,
        "2 sites matching region=eu under maintenance with no end set, by ops: a, b\n"
    );
    let text = describe(
        Answer::BulkMaintenance,
        &json!({"selector": "region=nowhere", "count": 0, "sites": [], "maintenance": null}),
        NOW,
    )
    .unwrap();
    assert_eq!(text, "0 sites matching region=nowhere: maintenance ended\n");
    let text = describe(
        Answer::Labels,
        &json!({"site_id": "p", "labels": {"region": "eu"}, "effective": {"region": "eu", "rack": "7"}}),
        NOW,
    )
    .unwrap();
    assert_eq!(
        text,
        "p: labels region=eu\np: shows rack=7, region=eu (with those it sends)\n"
    );
    let text = describe(
        Answer::Ack,
        &json!({"site_id": "p", "ack": {"at_ms": NOW, "by": "ops", "note": "on it",
                "connectivity": "offline", "health": "healthy", "since_ms": NOW}}),
        NOW,
    )
    .unwrap();
    assert_eq!(text, "p: acknowledged (offline, healthy) by ops: on it\n");
    assert_eq!(
        describe(Answer::Ack, &json!({"site_id": "p", "ack": null}), NOW).unwrap(),
        "p: acknowledgement withdrawn\n"
    );
    assert!(
        describe(Answer::Forgotten, &json!({"site_id": "p"}), NOW)
            .unwrap()
            .starts_with("p: forgotten")
    );
    let e = describe(Answer::Forgotten, &json!({"nope": 1}), NOW).unwrap_err();
    assert!(e.to_string().starts_with("bad_answer: "), "{e}");
}
