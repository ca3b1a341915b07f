use super::*;
use axum::body::Body;

#[test]
fn admin_routes_are_named_for_the_audit() {
    let cases = [
        (Method::DELETE, "/api/v1/sites/s1", AuditAction::ForgetSite),
        (
            Method::PUT,
            "/api/v1/sites/s1/maintenance",
            AuditAction::SetMaintenance,
        ),
        (
            Method::DELETE,
            "/api/v1/sites/s1/maintenance",
            AuditAction::ClearMaintenance,
        ),
        (Method::POST, "/api/v1/sites", AuditAction::Access),
        (Method::PUT, "/api/v1/summary", AuditAction::Access),
    ];
    for (method, path, want) in cases {
        assert_eq!(action_of(&method, path), want, "{method} {path}");
    }
    assert_eq!(site_of("/api/v1/sites/s1/maintenance"), Some("s1"));
    assert_eq!(site_of("/api/v1/sites/a.b"), None);
    assert_eq!(site_of("/api/v1/summary"), None);
}

#[test]
fn the_query_token_is_taken_out_of_the_uri() {
    let mut r = Request::new(Body::empty());
    *r.uri_mut() = "/api/v1/events?site=s1&access_token=abc".parse().unwrap();
    assert_eq!(take_query_token(&mut r).as_deref(), Some("abc"));
    assert_eq!(r.uri().to_string(), "/api/v1/events?site=s1");
    *r.uri_mut() = "/api/v1/events?access_token=abc".parse().unwrap();
    assert_eq!(take_query_token(&mut r).as_deref(), Some("abc"));
    assert_eq!(r.uri().to_string(), "/api/v1/events");
    *r.uri_mut() = "/api/v1/events?site=s1".parse().unwrap();
    assert_eq!(take_query_token(&mut r), None);
    assert_eq!(r.uri().to_string(), "/api/v1/events?site=s1");
}
