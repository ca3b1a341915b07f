//! Request counters and latency per route.
//!
//! The `route` label is the matched path template (`/api/v1/sites/{site_id}`),
//! never the raw path, and `unmatched` for anything no route knows, so a
//! scanner probing random URLs cannot blow up the number of series.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tokio::time::Instant;

use crate::metric_names::{HTTP_DURATION, HTTP_REQUESTS};

/// Middleware recording every response, errors included.
///
/// For SSE the duration is the time to the response head, not the stream's life.
pub async fn record(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route).record(started.elapsed().as_secs_f64());
    response
}
