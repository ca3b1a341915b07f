use super::*;
use axum::http::HeaderValue;

const ADMIN: &str = "0123456789abcdef0123456789abcdef";
const VIEWER: &str = "fedcba9876543210fedcba9876543210";

const SCOPED: &str = "00000000000000000000000000000000acme";

fn table() -> TokenTable {
    TokenTable::parse(&format!(
        "# users\nadmin alice {ADMIN}\n\n  viewer bob {VIEWER}  \nviewer acme {SCOPED} customer=acme,tier=gold\n"
    ))
    .unwrap()
}

fn headers(auth: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
    h
}

#[test]
fn tokens_map_to_users_and_roles() {
    let mode = AuthMode::Tokens(table());
    let p = mode
        .authenticate(&headers(&format!("Bearer {ADMIN}")), None)
        .unwrap();
    assert_eq!((p.name.as_str(), p.role), ("alice", Role::Admin));
    let p = mode
        .authenticate(&headers(&format!("bearer  {VIEWER}")), None)
        .unwrap();
    assert_eq!((p.name.as_str(), p.role), ("bob", Role::Viewer));
    assert!(p.scope.is_empty());
    let p = mode
        .authenticate(&headers(&format!("Bearer {SCOPED}")), None)
        .unwrap();
    assert_eq!(p.scope.to_string(), "customer=acme,tier=gold");
    assert_eq!(
        mode.authenticate(&HeaderMap::new(), Some(VIEWER))
            .unwrap()
            .name,
        "bob"
    );
}

#[test]
fn failures_say_why_without_the_token() {
    let mode = AuthMode::Tokens(table());
    let wrong = "x".repeat(40);
    let cases = [
        (HeaderMap::new(), Failure::Missing),
        (headers(&format!("Basic {ADMIN}")), Failure::NotBearer),
        (headers(&format!("Bearer {wrong}")), Failure::UnknownToken),
        (headers(&format!("Bearer {ADMIN}x")), Failure::UnknownToken),
    ];
    for (h, want) in cases {
        let got = mode.authenticate(&h, None).unwrap_err();
        assert_eq!(got, want);
        assert!(!got.detail().contains(ADMIN) && !got.detail().contains(&wrong));
    }
}

#[test]
fn bad_token_files_name_the_line_not_the_token() {
    let short = "abc";
    for (text, want) in [
        ("admin alice".to_owned(), "line 1: expected"),
        (format!("viewer alice {ADMIN} customer"), "line 1: selector"),
        (format!("viewer alice {ADMIN} a=b c=d"), "line 1: expected"),
        (format!("root alice {ADMIN}"), "line 1: role"),
        (format!("admin al:ce {ADMIN}"), "line 1: name"),
        (format!("\nviewer bob {short}"), "line 2: token"),
        (
            format!("admin a {ADMIN}\nviewer b {ADMIN}"),
            "line 2: this token",
        ),
        ("# nothing\n".to_owned(), "no users"),
    ] {
        let e = TokenTable::parse(&text).unwrap_err().to_string();
        assert!(e.contains(want), "{text:?}: {e}");
        assert!(!e.contains(ADMIN), "{e}");
    }
    assert!(!format!("{:?}", table()).contains(ADMIN));
}

#[test]
fn proxy_mode_reads_user_and_role_headers() {
    let mode = AuthMode::Proxy(ProxyHeaders {
        user: HeaderName::from_static("x-forwarded-user"),
        role: HeaderName::from_static("x-forwarded-role"),
        scope: Some(HeaderName::from_static("x-forwarded-scope")),
    });
    let mut h = HeaderMap::new();
    assert_eq!(mode.authenticate(&h, None), Err(Failure::Missing));
    h.insert(
        "x-forwarded-user",
        HeaderValue::from_static("carol@example.com"),
    );
    assert_eq!(mode.authenticate(&h, None), Err(Failure::BadProxyRole));
    h.insert("x-forwarded-role", HeaderValue::from_static("admin"));
    let p = mode.authenticate(&h, None).unwrap();
    assert_eq!(
        (p.name.as_str(), p.role),
        ("carol@example.com", Role::Admin)
    );
    assert!(p.scope.is_empty(), "no scope header: the whole fleet");
    h.insert(
        "x-forwarded-scope",
        HeaderValue::from_static("customer=acme"),
    );
    let p = mode.authenticate(&h, None).unwrap();
    assert_eq!(p.scope.to_string(), "customer=acme");
    h.insert("x-forwarded-scope", HeaderValue::from_static("customer"));
    assert_eq!(mode.authenticate(&h, None), Err(Failure::BadProxyScope));
    // The query token is not a proxy credential.
    assert_eq!(
        mode.authenticate(&HeaderMap::new(), Some(ADMIN)),
        Err(Failure::Missing)
    );
}

#[test]
fn exactly_one_mode_must_be_chosen() {
    let none = AuthMode::from_flags(None, None, "X-Forwarded-Role", None, false)
        .unwrap_err()
        .to_string();
    assert!(
        none.contains("--auth-tokens") && none.contains("--insecure-no-auth"),
        "{none}"
    );
    assert!(matches!(
        AuthMode::from_flags(None, None, "X-Forwarded-Role", None, true),
        Ok(AuthMode::Disabled)
    ));
    assert!(matches!(
        AuthMode::from_flags(
            None,
            Some("X-Forwarded-User"),
            "X-Forwarded-Role",
            None,
            false
        ),
        Ok(AuthMode::Proxy(_))
    ));
    let both = AuthMode::from_flags(None, Some("X-User"), "X-Role", None, true)
        .unwrap_err()
        .to_string();
    assert!(both.contains("choose one"), "{both}");
    let bad = AuthMode::from_flags(None, Some("not a header"), "X-Role", None, false)
        .unwrap_err()
        .to_string();
    assert!(bad.contains("--trust-proxy-header"), "{bad}");
    let bad = AuthMode::from_flags(None, Some("X-User"), "X-Role", Some("bad header"), false)
        .unwrap_err()
        .to_string();
    assert!(bad.contains("--proxy-scope-header"), "{bad}");
    let missing = AuthMode::from_flags(
        Some(Path::new("/nonexistent/tokens")),
        None,
        "X-Role",
        None,
        false,
    )
    .unwrap_err();
    assert!(missing.to_string().contains("--auth-tokens"), "{missing}");
}

#[test]
fn reading_needs_viewer_changing_needs_admin() {
    assert_eq!(required_role(&Method::GET), Role::Viewer);
    assert_eq!(required_role(&Method::HEAD), Role::Viewer);
    for m in [Method::PUT, Method::DELETE, Method::POST, Method::PATCH] {
        assert_eq!(required_role(&m), Role::Admin);
    }
    assert!(Role::Admin > Role::Viewer);
    assert!(is_protected("/api/v1/sites"));
    assert!(is_protected("/api/v1/events"));
    assert!(!is_protected("/api/v1/openapi.json"));
    for open in ["/", "/ui/app.js", "/healthz", "/readyz", "/metrics"] {
        assert!(!is_protected(open));
    }
}
