//! Probes: `/healthz` (the process answers HTTP) and `/readyz` (it can serve
//! data: NATS is connected and the aggregator answers `summary` within
//! `--aggregator-timeout`). A load balancer should route on `/readyz`; an
//! orchestrator should restart only on `/healthz`, since a missing aggregator
//! is not cured by restarting the dashboard API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::app::AppState;
use crate::openapi::{Liveness, Readiness};

#[utoipa::path(
    get,
    path = "/healthz",
    summary = "Liveness: the process answers",
    tag = "operations",
    responses((status = 200, description = "The process answers HTTP", body = Liveness))
)]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 `{"status":"ready","checks":{"nats":"ok","aggregator":"ok"}}`, or 503
/// `{"status":"not_ready","failed":[...],"checks":{...}}` where each failed
/// check says what is wrong.
#[utoipa::path(
    get,
    path = "/readyz",
    summary = "Readiness: NATS connected and the aggregator answering",
    tag = "operations",
    responses(
        (status = 200, description = "NATS is connected and the aggregator answers", body = Readiness),
        (status = 503, description = "Not ready; `failed` names the checks and `checks` says why", body = Readiness),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let nats = if state.link.borrow().connected {
        Ok(())
    } else {
        Err("not connected to NATS".to_owned())
    };
    let aggregator = match &nats {
        Ok(()) => state
            .aggregator
            .summary()
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Err(_) => Err("not checked: NATS is not connected".to_owned()),
    };
    readiness(&[("nats", nats), ("aggregator", aggregator)])
}

fn readiness(checks: &[(&str, Result<(), String>)]) -> Response {
    let mut details = Map::new();
    let mut failed = Vec::new();
    for (name, result) in checks {
        let detail = match result {
            Ok(()) => "ok".to_owned(),
            Err(reason) => {
                failed.push(*name);
                reason.clone()
            }
        };
        details.insert((*name).to_owned(), Value::String(detail));
    }
    if failed.is_empty() {
        let body = json!({ "status": "ready", "checks": details });
        (StatusCode::OK, Json(body)).into_response()
    } else {
        let body = json!({ "status": "not_ready", "failed": failed, "checks": details });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests;
