//! The HTTP application: routes, shared state and the layers every request
//! passes through.
//!
//! Routes are listed once, in [`routes`], which also yields the OpenAPI
//! document ([`document`], served at `/api/v1/openapi.json`; its header is
//! [`crate::openapi`]). Layers, outermost first: request logs
//! (`TraceLayer`), metrics per route, JSON for every error, a whole-request
//! timeout, a request body limit, and innermost the guard (authentication,
//! roles).

use std::sync::LazyLock;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router, middleware};
use healthmon_common::metrics_http;
use tower::ServiceBuilder;
use tower::timeout::TimeoutLayer;
use tower::timeout::error::Elapsed;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{self, ApiError};
use crate::guard;
use crate::state::AppState;
use crate::{admin, api, http_metrics, openapi, ready, sse, ui, uptime};

/// Admin bodies are a few hundred bytes; this bounds what a client can make us buffer.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How much longer than an aggregator query a whole request may take.
const REQUEST_TIMEOUT_MARGIN: Duration = Duration::from_secs(5);

/// The complete application: API, probes, `/metrics`, the web page and the
/// OpenAPI document. A whole request may take [`REQUEST_TIMEOUT_MARGIN`]
/// longer than `aggregator_timeout`, the wait for the aggregator's answer.
pub fn router(state: AppState, aggregator_timeout: Duration) -> Router {
    let (routes, _) = routes().split_for_parts();
    let guard = state.guard.clone();
    let request_timeout = aggregator_timeout + REQUEST_TIMEOUT_MARGIN;
    routes
        .with_state(state)
        // Set last so that it wins over any fallback: unknown paths, API or
        // not, get a JSON 404.
        .fallback(not_found)
        // Innermost: unknown /api/ paths need credentials too (no route probing),
        // and its 401/403 are counted and logged by the layers outside.
        .layer(middleware::from_fn_with_state(guard, guard::require))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(timed_out))
                .layer(TimeoutLayer::new(request_timeout)),
        )
        .layer(middleware::from_fn(error::json_errors))
        .layer(middleware::from_fn(http_metrics::record))
        .layer(
            TraceLayer::new_for_http()
                // The path only: a query may carry `access_token` (SSE), and no
                // credential is ever logged.
                .make_span_with(|request: &axum::http::Request<_>| {
                    tracing::span!(
                        Level::INFO,
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_response(log_response)
                // One line per request: 5xx are logged by `log_response`
                // (at WARN), not once more at ERROR as failures.
                .on_failure(()),
        )
}

/// The request log: one line per response, WARN for a server error (with
/// what failed, when an [`ApiError`] said so), INFO otherwise.
fn log_response(response: &Response, latency: Duration, _span: &tracing::Span) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    if response.status().is_server_error() {
        let error = response
            .extensions()
            .get::<error::Logged>()
            .map_or("", |e| e.0.as_str());
        tracing::warn!(status, latency_ms, error, "request failed");
    } else {
        tracing::info!(status, latency_ms, "request done");
    }
}

/// Every route, each with its OpenAPI description: the single list both the
/// router and [`document`] are built from. Add routes here only
/// through `routes!`, never with a plain `.route`, or the document would miss them.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(api::summary))
        .routes(routes!(api::sites))
        .routes(routes!(api::site, admin::site::forget))
        .routes(routes!(uptime::uptime))
        .routes(routes!(admin::maintenance::set, admin::maintenance::clear))
        .routes(routes!(
            admin::maintenance::set_selected,
            admin::maintenance::clear_selected
        ))
        .routes(routes!(admin::site::set_labels))
        .routes(routes!(admin::ack::set, admin::ack::clear))
        .routes(routes!(sse::events))
        .routes(routes!(ready::healthz))
        .routes(routes!(ready::readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi_json))
        .routes(routes!(ui::index))
        .routes(routes!(ui::asset))
}

/// The complete OpenAPI document: header plus every route of [`routes`],
/// with what the guard answers ([`openapi::guarded`]), refined where the
/// attributes cannot say it ([`openapi::refine`]).
pub fn document() -> serde_json::Value {
    let mut openapi = routes().into_openapi();
    openapi::guarded(&mut openapi);
    let mut doc = serde_json::to_value(openapi).unwrap_or_else(
        |e| serde_json::json!({"error": format!("cannot render the OpenAPI document: {e}")}),
    );
    openapi::refine(&mut doc);
    doc
}

/// The document as served, rendered once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| document().to_string());

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    operation_id = "openapi",
    summary = "This OpenAPI document",
    responses(
        (status = 200, description = "This OpenAPI document", content_type = "application/json", body = Object),
    )
)]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

/// `GET /metrics`: the process's Prometheus metrics (`healthmon_dashboard_*`,
/// `healthmon_http_*`, `healthmon_nats_*`).
#[utoipa::path(
    get,
    path = "/metrics",
    summary = "Prometheus metrics of the dashboard API",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4",
            content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
    )
)]
async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, metrics_http::CONTENT_TYPE)],
        metrics_http::render(None),
    )
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    let path: String = uri.path().chars().take(128).collect();
    ApiError::NotFound(format!("no route for {method} {path}"))
}

async fn timed_out(err: BoxError) -> ApiError {
    if err.is::<Elapsed>() {
        ApiError::Timeout
    } else {
        // The timeout is the only layer here that fails; anything else is a bug.
        tracing::error!(error = %err, "request failed inside the middleware stack");
        ApiError::Status(StatusCode::INTERNAL_SERVER_ERROR)
    }
}
