//! The HTTP application: routes, shared state and the layers every request
//! passes through.
//!
//! Layers, outermost first: request logs (`TraceLayer`), metrics per route,
//! JSON for every error, a whole-request timeout, a request body limit. Later
//! additions (auth middleware, OpenAPI, maintenance routes) slot in here
//! without touching the handlers.

use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::http::{Method, StatusCode, Uri};
use axum::routing::get;
use axum::{BoxError, Router, middleware};
use healthmon_common::CancellationToken;
use healthmon_common::metrics_http;
use healthmon_common::nats::LinkState;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower::timeout::TimeoutLayer;
use tower::timeout::error::Elapsed;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::{self, ApiError};
use crate::sse::EventHub;
use crate::upstream::Aggregator;
use crate::{api, http_metrics, ready, sse, ui};

/// No route takes a body yet; this bounds what a client can make us buffer.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What every handler may use. Cheap to clone: all handles.
#[derive(Clone)]
pub struct AppState {
    pub aggregator: Aggregator,
    pub link: watch::Receiver<LinkState>,
    pub events: EventHub,
    /// Cancelled at shutdown; ends the SSE streams.
    pub shutdown: CancellationToken,
}

/// The complete application: API, probes, `/metrics` and the web page.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let api = Router::new()
        .route("/api/v1/summary", get(api::summary))
        .route("/api/v1/sites", get(api::sites))
        .route("/api/v1/sites/{site_id}", get(api::site))
        .route("/api/v1/events", get(sse::events))
        .route("/healthz", get(ready::healthz))
        .route("/readyz", get(ready::readyz))
        .with_state(state);
    api.merge(metrics_http::router(None))
        .merge(ui::router())
        // Set last so that it wins over any fallback the page's router brings:
        // unknown paths, API or not, get a JSON 404.
        .fallback(not_found)
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
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
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
