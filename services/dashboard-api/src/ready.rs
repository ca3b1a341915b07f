//! Probes: `/healthz` (the process answers HTTP) and `/readyz` (it can serve
//! data: NATS is connected and the aggregator answers `summary` within
//! `--aggregator-timeout`). A load balancer should route on `/readyz`; an
//! orchestrator should restart only on `/healthz`, since a missing aggregator
//! is not cured by restarting the dashboard API.
//!
//! `/readyz` also says whether the fleet registry can be written
//! (`checks.registry`), without failing on it: reads are served from what
//! every service last saw, and only admin writes need the registry.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use healthmon_proto::query::SummaryQuery;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// `GET /healthz` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// `GET /readyz` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// Each check (`nats`, `aggregator`, `registry`): `ok`, or what is wrong.
    pub checks: BTreeMap<String, String>,
    /// The failed checks (never `registry`: it does not stop reads); only
    /// when not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub failed: Option<Vec<String>>,
}

#[utoipa::path(
    get,
    path = "/healthz",
    summary = "Liveness: the process answers",
    tag = "operations",
    responses((status = 200, description = "The process answers HTTP", body = Liveness))
)]
pub async fn healthz() -> Json<Liveness> {
    Json(Liveness { status: "ok" })
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
            .summary(&SummaryQuery::default())
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Err(_) => Err("not checked: NATS is not connected".to_owned()),
    };
    let registry = state.fleet.writable().map_err(|e| e.to_string());
    readiness(&[
        ("nats", nats, true),
        ("aggregator", aggregator, true),
        ("registry", registry, false),
    ])
}

/// The answer from each check's result and whether it must pass.
fn readiness(checks: &[(&str, Result<(), String>, bool)]) -> Response {
    let mut details = BTreeMap::new();
    let mut failed = Vec::new();
    for (name, result, required) in checks {
        let detail = match result {
            Ok(()) => "ok".to_owned(),
            Err(reason) => {
                if *required {
                    failed.push((*name).to_owned());
                }
                reason.clone()
            }
        };
        details.insert((*name).to_owned(), detail);
    }
    let (status, body) = if failed.is_empty() {
        (
            StatusCode::OK,
            Readiness {
                status: "ready",
                checks: details,
                failed: None,
            },
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Readiness {
                status: "not_ready",
                checks: details,
                failed: Some(failed),
            },
        )
    };
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests;
