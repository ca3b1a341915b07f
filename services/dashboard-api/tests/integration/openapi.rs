//! `GET /api/v1/openapi.json` from a running dashboard API (with a real NATS
//! micro-service aggregator behind it): an OpenAPI 3.1 document that the
//! `openapi-spec-validator` tool accepts, that lists exactly the routes the
//! service answers — each documented method answers, with a documented
//! content type, and other methods get 405 — and whose schemas have the keys
//! the real answers have.

use std::collections::BTreeSet;
use std::process::Command;

use crate::support::{Harness, error_message};
use serde_json::Value;

/// The routes of the README's HTTP API table, plus the page's assets and
/// this document: what a user can call. A new route goes here and into
/// `app::routes` (with `#[utoipa::path]`).
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/ui/{file}"),
    ("GET", "/api/v1/summary"),
    ("GET", "/api/v1/sites"),
    ("GET", "/api/v1/sites/{site_id}"),
    ("GET", "/api/v1/sites/{site_id}/uptime"),
    ("DELETE", "/api/v1/sites/{site_id}"),
    ("PUT", "/api/v1/sites/{site_id}/maintenance"),
    ("DELETE", "/api/v1/sites/{site_id}/maintenance"),
    ("PUT", "/api/v1/maintenance"),
    ("DELETE", "/api/v1/maintenance"),
    ("PUT", "/api/v1/sites/{site_id}/labels"),
    ("PUT", "/api/v1/sites/{site_id}/ack"),
    ("DELETE", "/api/v1/sites/{site_id}/ack"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn document(h: &Harness) -> Value {
    let (status, doc) = h.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    doc
}

/// (METHOD, path template) of every documented operation.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(*method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// A concrete URL path for a template, with parameters that exist.
fn concrete(template: &str) -> String {
    template
        .replace("{site_id}", "north-1")
        .replace("{file}", "app.js")
}

/// `method` on `template` made [`concrete`], without a body or credentials:
/// the path asked, and the answer.
async fn request(h: &Harness, method: &str, template: &str) -> (String, reqwest::Response) {
    let path = concrete(template);
    let response = h
        .http
        .request(method.parse().unwrap(), h.url(&path))
        .send()
        .await
        .unwrap();
    (path, response)
}

/// Media type without parameters, lowercase.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_service_answers() {
    let (h, _aggregator) = Harness::with_aggregator().await;
    let doc = document(&h).await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let documented = operations(&doc);
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, expected);

    for (method, template) in &documented {
        let (path, response) = request(&h, method, template).await;
        let status = response.status().as_u16();
        if method != "GET" {
            // Routed: not refused as an unknown method or path (it may still
            // want credentials or a body).
            assert_ne!(status, 405, "{method} {path}");
            if status == 404 {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                let message = body["error"]["message"].as_str().unwrap_or("");
                assert!(!message.starts_with("no route"), "{method} {path}: {body}");
            }
            continue;
        }
        if template.ends_with("/uptime") {
            // Served from Prometheus: this harness gives the API none, and
            // the documented 404 says which flag would.
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_eq!(status, 404, "{method} {path}: {body}");
            let message = body["error"]["message"].as_str().unwrap_or("");
            assert!(message.contains("--prometheus-url"), "{body}");
            continue;
        }
        assert_eq!(status, 200, "{method} {path}");
        // The real content type is one the document promises for a 200.
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(media_type)
            .unwrap_or_default();
        let promised: Vec<String> =
            doc["paths"][template][method.to_lowercase()]["responses"]["200"]["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {template}: 200 has content"))
                .keys()
                .map(|k| media_type(k))
                .collect();
        assert!(
            promised.contains(&content_type),
            "{method} {path}: {content_type} not in {promised:?}"
        );
        // Dropping the response also closes the endless SSE stream.
        drop(response);
    }

    // Every method the document does not list for a path is refused, and
    // `Allow` names exactly the documented ones (HEAD comes with GET).
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for template in paths {
        let mut methods: BTreeSet<String> = documented
            .iter()
            .filter(|(_, p)| p == template)
            .map(|(m, _)| m.clone())
            .collect();
        if methods.contains("GET") {
            methods.insert("HEAD".to_owned());
        }
        let probe = ["PATCH", "POST", "PUT", "DELETE"]
            .into_iter()
            .find(|m| !methods.contains(*m))
            .expect("some method is not served");
        let (path, response) = request(&h, probe, template).await;
        assert_eq!(response.status().as_u16(), 405, "{probe} {path}");
        let allow: BTreeSet<String> = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(',')
            .map(|m| m.trim().to_ascii_uppercase())
            .collect();
        assert_eq!(allow, methods, "{path}");
    }

    // And what is not documented is not served.
    let (status, body) = h.get_json("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    error_message(&body, "not_found");
}

#[tokio::test]
async fn documented_schemas_have_the_keys_of_real_answers() {
    let (h, _aggregator) = Harness::with_aggregator().await;
    let doc = document(&h).await;
    let schemas = &doc["components"]["schemas"];

    let (_, summary) = h.get_json("/api/v1/summary").await;
    same_keys(schemas, "Summary", &summary);
    let (_, page) = h.get_json("/api/v1/sites").await;
    same_keys(schemas, "SitePage", &page);
    same_keys(schemas, "SiteSummary", &page["sites"][0]);
    let (_, detail) = h.get_json("/api/v1/sites/north-1").await;
    same_keys(schemas, "SiteDetail", &detail);
    same_keys(schemas, "HealthReport", &detail["report"]);
    let (status, error) = h.get_json("/api/v1/sites/nowhere").await;
    assert_eq!(status, 404);
    assert!(
        doc["paths"]["/api/v1/sites/{site_id}"]["get"]["responses"]["404"].is_object(),
        "404 is documented"
    );
    same_keys(schemas, "ErrorBody", &error);
    same_keys(schemas, "ErrorDetail", &error["error"]);
    let (_, ready) = h.get_json("/readyz").await;
    same_keys(schemas, "Readiness", &ready);
}

/// Every key of `value` is a documented property of `schema`, and every
/// required property is present.
fn same_keys(schemas: &Value, schema: &str, value: &Value) {
    let documented = &schemas[schema];
    let properties: BTreeSet<&str> = documented["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {schema} has properties"))
        .keys()
        .map(String::as_str)
        .collect();
    let keys: BTreeSet<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("{schema}: an object, got {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    let undocumented: Vec<_> = keys.difference(&properties).collect();
    assert!(
        undocumented.is_empty(),
        "{schema}: undocumented keys {undocumented:?}"
    );
    for required in documented["required"].as_array().into_iter().flatten() {
        let required = required.as_str().unwrap();
        assert!(
            keys.contains(required),
            "{schema}: required {required} missing in {value}"
        );
    }
}

/// Runs `openapi-spec-validator` (PyPI; `scripts/install-deps.sh --doc-tools`)
/// on `doc`: Ok or the validator's complaint.
fn validate(doc: &Value, name: &str) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("healthmon-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    let output = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named openapi_spec_validator"),
        "openapi-spec-validator is not installed: run scripts/install-deps.sh --doc-tools"
    );
    let _ = std::fs::remove_dir_all(&dir);
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{stderr}",
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

#[tokio::test]
async fn the_document_passes_openapi_spec_validator() {
    let h = Harness::start().await;
    let doc = document(&h).await;
    if let Err(complaint) = validate(&doc, "openapi.json") {
        panic!("the served OpenAPI document is invalid:\n{complaint}");
    }

    // The validator really checks: a dangling reference is refused.
    let mut broken = doc.clone();
    broken["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .remove("Summary");
    let complaint = validate(&broken, "broken.json").expect_err("a dangling $ref is refused");
    assert!(complaint.contains("Summary"), "{complaint}");
}
