use super::*;
use axum::body::{Body, to_bytes};
use axum::http::Request;
use tower::ServiceExt;

async fn get(path: &str, if_none_match: Option<&str>) -> Response {
    let mut request = Request::get(path);
    if let Some(tag) = if_none_match {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    router()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn header_of(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn text(response: Response) -> String {
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn root_serves_the_page() {
    let response = get("/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
    assert!(header_of(&response, header::CONTENT_SECURITY_POLICY).contains("default-src 'self'"));
    let html = text(response).await;
    assert!(html.contains(r#"<script type="module" src="/ui/app.js">"#));
    assert!(html.contains(r#"id="live-status""#));
}

#[tokio::test]
async fn assets_have_their_content_types() {
    for (path, content_type) in [
        ("/ui/app.js", "text/javascript; charset=utf-8"),
        ("/ui/table.js", "text/javascript; charset=utf-8"),
        ("/ui/style.css", "text/css; charset=utf-8"),
        ("/ui/favicon.svg", "image/svg+xml"),
    ] {
        let response = get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            content_type,
            "{path}"
        );
        assert_eq!(
            header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert!(!text(response).await.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn unknown_assets_are_a_json_404() {
    for path in ["/ui/nope.js", "/ui/..%2FCargo.toml", "/ui/"] {
        let response = get(path, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        if path != "/ui/" {
            assert!(header_of(&response, header::CONTENT_TYPE).starts_with("application/json"));
            assert!(text(response).await.contains(r#""code":"not_found""#));
        }
    }
}

#[tokio::test]
async fn a_known_etag_gets_304_and_another_gets_the_body() {
    let first = get("/ui/app.js", None).await;
    let etag = header_of(&first, header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() == 18);

    let again = get(
        "/ui/app.js",
        Some(&format!("\"0000000000000000\", W/{etag}")),
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header_of(&again, header::ETAG), etag);
    assert!(text(again).await.is_empty());

    let stale = get("/ui/app.js", Some("\"0000000000000000\"")).await;
    assert_eq!(stale.status(), StatusCode::OK);
}

#[test]
fn etags_differ_with_content() {
    assert_ne!(etag_of(b"a"), etag_of(b"b"));
    let tags: std::collections::HashSet<_> = ASSETS.iter().map(|a| a.etag).collect();
    assert_eq!(tags.len(), ASSETS.len());
}

/// A file added to `ui/` but not to [`ASSETS`] would 404 in the browser.
#[test]
fn every_file_in_the_ui_folder_is_embedded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/ui");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(find(&name).is_some(), "ui/{name} is not in ASSETS");
    }
}

/// Every `/ui/...` the page names and every module a script imports is served.
#[test]
fn every_referenced_asset_is_embedded() {
    for asset in ASSETS {
        let source = std::str::from_utf8(asset.body).unwrap();
        let referenced = source
            .split("\"/ui/")
            .skip(1)
            .chain(source.split("from './").skip(1))
            .map(|rest| rest.split(['"', '\'']).next().unwrap_or(""));
        for name in referenced {
            assert!(
                find(name).is_some(),
                "{} references missing {name}",
                asset.name
            );
        }
    }
}

/// The page's modules each open with a comment saying what they are for,
/// and import one another without a circle (issue 11: one concern per
/// module, layered, like the Rust code).
#[test]
fn scripts_have_headers_and_import_without_circles() {
    let scripts: Vec<&Asset> = ASSETS.iter().filter(|a| a.name.ends_with(".js")).collect();
    let imports = |asset: &Asset| -> Vec<&'static str> {
        let source = std::str::from_utf8(asset.body).unwrap();
        source
            .split("from './")
            .skip(1)
            .filter_map(|rest| rest.split('\'').next())
            .filter_map(|name| find(name).map(|a| a.name))
            .collect()
    };
    for script in &scripts {
        let source = std::str::from_utf8(script.body).unwrap();
        assert!(
            source.starts_with("// "),
            "{} has no header comment",
            script.name
        );
    }
    // Depth-first search for a back edge.
    fn visit(
        name: &'static str,
        edges: &dyn Fn(&'static str) -> Vec<&'static str>,
        path: &mut Vec<&'static str>,
        done: &mut Vec<&'static str>,
    ) {
        if done.contains(&name) {
            return;
        }
        assert!(
            !path.contains(&name),
            "import circle: {} -> {name}",
            path.join(" -> ")
        );
        path.push(name);
        for next in edges(name) {
            visit(next, edges, path, done);
        }
        path.pop();
        done.push(name);
    }
    let edges = |name: &'static str| imports(find(name).unwrap());
    let mut done = Vec::new();
    for script in &scripts {
        visit(script.name, &edges, &mut Vec::new(), &mut done);
    }
    assert!(
        imports(find("app.js").unwrap()).len() >= 8,
        "app.js wires the modules together"
    );
}
