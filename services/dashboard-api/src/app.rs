//! The HTTP application: routes, shared state and the layers every request
//! passes through.
//!
//! Routes are listed once, in [`routes`], which also yields the OpenAPI
//! document ([`crate::openapi`]). Layers, outermost first: request logs
//! (`TraceLayer`), metrics per route, JSON for every error, a whole-request
//! timeout, a request body limit. Later additions (auth middleware,
//! maintenance routes) slot in here without touching the handlers.

use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::{BoxError, Router, middleware};
use healthmon_common::CancellationToken;
use healthmon_common::metrics_http;
use healthmon_common::nats::LinkState;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower::timeout::TimeoutLayer;
use tower::timeout::error::Elapsed;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::Auditor;
use crate::error::{self, ApiError};
use crate::guard::{self, Guard};
use crate::sse::EventHub;
use crate::upstream::Aggregator;
use crate::{admin, api, http_metrics, openapi, ready, sse, ui};

/// No route takes a body yet; this bounds what a client can make us buffer.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What every handler may use. Cheap to clone: all handles.
#[derive(Clone)]
pub struct AppState {
    pub aggregator: Aggregator,
    pub link: watch::Receiver<LinkState>,
    pub events: EventHub,
    /// Authentication and roles, applied to every request by [`guard::require`].
    pub guard: std::sync::Arc<Guard>,
    /// Where admin handlers record what they did.
    pub audit: Auditor,
    /// Cancelled at shutdown; ends the SSE streams.
    pub shutdown: CancellationToken,
}

/// The complete application: API, probes, `/metrics`, the web page and the
/// OpenAPI document.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let (routes, _) = routes().split_for_parts();
    let guard = state.guard.clone();
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
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// Every route, each with its OpenAPI description: the single list both the
/// router and [`openapi::document`] are built from. Add routes here only
/// through `routes!`, never with a plain `.route`, or the document would miss them.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(api::summary))
        .routes(routes!(api::sites))
        .routes(routes!(api::site, admin::forget))
        .routes(routes!(admin::set_maintenance, admin::clear_maintenance))
        .routes(routes!(sse::events))
        .routes(routes!(ready::healthz))
        .routes(routes!(ready::readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(ui::index))
        .routes(routes!(ui::asset))
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
