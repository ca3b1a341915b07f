//! The Central UI: the fleet page at `/` and its assets under `/ui/`.
//!
//! The files of `services/dashboard-api/ui/` are compiled into the binary, so
//! running the page needs no web server, no Node build step and no internet
//! access. The page is plain HTML, CSS and JavaScript modules; it talks only
//! to this service's `/api/v1` (JSON and the `/api/v1/events` stream).
//!
//! Caching: every response carries an `ETag` (a hash of the embedded bytes,
//! computed at compile time) and `Cache-Control: no-cache`, so a browser keeps
//! its copy but revalidates it: a cheap `304` while the binary is unchanged,
//! the new files right after an upgrade.

#[cfg(test)]
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
#[cfg(test)]
use axum::routing::get;

use crate::error::ApiError;

/// One embedded file, served as `/ui/<name>` (and `index.html` also as `/`).
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    etag: &'static str,
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {{
        const BODY: &[u8] = include_bytes!(concat!("../ui/", $name));
        const HASH: [u8; 18] = etag_of(BODY);
        Asset {
            name: $name,
            content_type: $content_type,
            body: BODY,
            etag: match std::str::from_utf8(&HASH) {
                Ok(s) => s,
                Err(_) => panic!("an etag is ASCII"),
            },
        }
    }};
}

/// The page's ES modules, one per concern (see the header of `app.js`); the
/// browser loads them by their `import`s, so there is nothing to bundle.
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("banner.js", "text/javascript; charset=utf-8"),
    asset!("controls.js", "text/javascript; charset=utf-8"),
    asset!("detail.js", "text/javascript; charset=utf-8"),
    asset!("dom.js", "text/javascript; charset=utf-8"),
    asset!("fleet.js", "text/javascript; charset=utf-8"),
    asset!("format.js", "text/javascript; charset=utf-8"),
    asset!("groups.js", "text/javascript; charset=utf-8"),
    asset!("incidents.js", "text/javascript; charset=utf-8"),
    asset!("judgement.js", "text/javascript; charset=utf-8"),
    asset!("labels.js", "text/javascript; charset=utf-8"),
    asset!("live.js", "text/javascript; charset=utf-8"),
    asset!("rows.js", "text/javascript; charset=utf-8"),
    asset!("sections.js", "text/javascript; charset=utf-8"),
    asset!("state.js", "text/javascript; charset=utf-8"),
    asset!("summary.js", "text/javascript; charset=utf-8"),
    asset!("table.js", "text/javascript; charset=utf-8"),
    asset!("theme.js", "text/javascript; charset=utf-8"),
    asset!("timing.js", "text/javascript; charset=utf-8"),
    asset!("uptime.js", "text/javascript; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
];

/// The page may load and connect to nothing but this service: no CDN, no
/// inline script, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// `GET /` (the page) and `GET /ui/{file}` (its assets), for the unit tests:
/// the app registers [`index`] and [`asset`] in `app::routes`, with their
/// OpenAPI descriptions.
#[cfg(test)]
pub fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/ui/{file}", get(asset))
}

#[utoipa::path(
    get,
    path = "/",
    summary = "The web dashboard",
    tag = "page",
    responses(
        (status = 200, description = "The live fleet page", content_type = "text/html; charset=utf-8", body = String),
        (status = 304, description = "Unchanged since the `ETag` in `If-None-Match`"),
    )
)]
pub(crate) async fn index(headers: HeaderMap) -> Response {
    match find("index.html") {
        Some(page) => serve(page, &headers),
        None => not_found("index.html"),
    }
}

#[utoipa::path(
    get,
    path = "/ui/{file}",
    summary = "An asset of the web dashboard",
    tag = "page",
    params(("file" = String, Path, description = "An asset of the page, e.g. `app.js`")),
    responses(
        (status = 200, description = "The asset", content(
            (String = "text/html; charset=utf-8"),
            (String = "text/javascript; charset=utf-8"),
            (String = "text/css; charset=utf-8"),
            (String = "image/svg+xml"),
        )),
        (status = 304, description = "Unchanged since the `ETag` in `If-None-Match`"),
        (status = 404, description = "No such asset", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match find(&file) {
        Some(found) => serve(found, &headers),
        None => not_found(&file),
    }
}

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

fn serve(asset: &'static Asset, request: &HeaderMap) -> Response {
    let mut response = if matches_etag(request, asset.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if asset.name == "index.html" {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

/// `If-None-Match` lists our tag (weak or strong) or is `*`.
fn matches_etag(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// The same JSON error shape as the API, so clients parse one format.
fn not_found(file: &str) -> Response {
    let name: String = file.chars().take(64).collect();
    ApiError::NotFound(format!("no UI asset named {name:?}")).into_response()
}

/// `"` + 16 hex digits of the FNV-1a 64 hash of `bytes` + `"`, at compile time.
const fn etag_of(bytes: &[u8]) -> [u8; 18] {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'"'; 18];
    let mut d = 0;
    while d < 16 {
        out[1 + d] = HEX[((hash >> (60 - 4 * d)) & 0xf) as usize];
        d += 1;
    }
    out
}

#[cfg(test)]
mod tests;
