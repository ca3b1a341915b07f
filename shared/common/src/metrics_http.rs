//! `/metrics` (Prometheus text format) on its own listener.
//!
//! Services with per-site series pass an extra renderer that writes them from
//! current state at scrape time, so nothing is kept twice and a forgotten
//! site's series vanish with it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{ServiceError, telemetry::metrics_handle};

/// Appends more exposition text to the scrape body.
pub type ExtraRenderer = Arc<dyn Fn(&mut String) + Send + Sync>;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The full scrape body: the process's `metrics` recorder, then `extra`.
pub fn render(extra: Option<&ExtraRenderer>) -> String {
    let mut body = metrics_handle().render();
    if let Some(extra) = extra {
        extra(&mut body);
    }
    body
}

/// An axum route serving [`render`], for services that already run HTTP.
pub fn router(extra: Option<ExtraRenderer>) -> Router {
    metrics_handle();
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(extra)
}

/// Rendered on a blocking thread: a large fleet's body takes seconds of
/// CPU, which on an async worker would stall the service's ingest loops
/// (on a 2-core machine, half of its workers) for as long.
async fn scrape(State(extra): State<Option<ExtraRenderer>>) -> impl IntoResponse {
    match tokio::task::spawn_blocking(move || render(extra.as_ref())).await {
        Ok(body) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering /metrics failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Binds `addr` and serves `/metrics` until `shutdown`; returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    extra: Option<ExtraRenderer>,
    shutdown: CancellationToken,
) -> Result<SocketAddr, ServiceError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServiceError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServiceError::Bind { addr, source })?;
    let app = router(extra);
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "metrics endpoint failed");
        }
    });
    tracing::info!(%bound, "serving /metrics");
    Ok(bound)
}
