//! The admin routes: forget a decommissioned site, set or clear a site's
//! maintenance flag. The guard ([`crate::guard`]) has already checked the
//! admin role; each handler asks the aggregator and audits what happened
//! (who, what, when, from where, and how it ended).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use healthmon_client::QueryError;
use healthmon_proto::audit::{AuditAction, AuditOutcome};
use healthmon_proto::query::{Forgotten, SiteDetail};

use crate::audit;
use crate::error::{
    ApiError, BadRequest, Forbidden, NotFound, TimedOut, Unauthorized, Unavailable,
};
use crate::guard::Caller;
use crate::params;
use crate::state::AppState;

/// `DELETE /api/v1/sites/{site_id}`: forget a decommissioned site.
#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site_id}",
    summary = "Forget a decommissioned site (admin)",
    description = "The aggregator drops the site; if it reports again, it comes back.",
    tag = "admin",
    params(
        ("site_id" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "The site's id"),
    ),
    responses(
        (status = 200, description = "The site was forgotten", body = Forgotten),
        BadRequest, Unauthorized, Forbidden, NotFound, Unavailable, TimedOut,
    ),
    security(("bearer" = []))
)]
pub async fn forget(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Forgotten>, ApiError> {
    let site_id = site(path, raw.as_deref())?;
    let result = state.aggregator.forget(&site_id).await;
    let request_path = format!("/api/v1/sites/{site_id}");
    audit(
        &state,
        &caller,
        AuditAction::ForgetSite,
        &site_id,
        "DELETE",
        &request_path,
        &result,
    );
    Ok(Json(result.map_err(|e| not_found_or(e, &site_id))?))
}

/// `PUT /api/v1/sites/{site_id}/maintenance`: the site is under maintenance.
#[utoipa::path(
    put,
    path = "/api/v1/sites/{site_id}/maintenance",
    summary = "Put a site under maintenance (admin)",
    description = "The site is shown with `maintenance: true`, keeps its real status, and is not \
        counted as failing: the summary counts it under `maintenance` only, and it sorts last.",
    tag = "admin",
    params(
        ("site_id" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "The site's id"),
    ),
    responses(
        (status = 200, description = "The site, now under maintenance", body = SiteDetail),
        BadRequest, Unauthorized, Forbidden, NotFound, Unavailable, TimedOut,
    ),
    security(("bearer" = []))
)]
pub async fn set_maintenance(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SiteDetail>, ApiError> {
    maintenance(state, caller, path, raw, true).await
}

/// `DELETE /api/v1/sites/{site_id}/maintenance`: maintenance is over.
#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site_id}/maintenance",
    summary = "End a site's maintenance (admin)",
    tag = "admin",
    params(
        ("site_id" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "The site's id"),
    ),
    responses(
        (status = 200, description = "The site, no longer under maintenance", body = SiteDetail),
        BadRequest, Unauthorized, Forbidden, NotFound, Unavailable, TimedOut,
    ),
    security(("bearer" = []))
)]
pub async fn clear_maintenance(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SiteDetail>, ApiError> {
    maintenance(state, caller, path, raw, false).await
}

async fn maintenance(
    state: AppState,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    raw: Option<String>,
    on: bool,
) -> Result<Json<SiteDetail>, ApiError> {
    let site_id = site(path, raw.as_deref())?;
    let result = state.aggregator.maintenance(&site_id, on).await;
    let (action, method) = if on {
        (AuditAction::SetMaintenance, "PUT")
    } else {
        (AuditAction::ClearMaintenance, "DELETE")
    };
    let request_path = format!("/api/v1/sites/{site_id}/maintenance");
    audit(
        &state,
        &caller,
        action,
        &site_id,
        method,
        &request_path,
        &result,
    );
    Ok(Json(result.map_err(|e| not_found_or(e, &site_id))?))
}

fn site(path: Result<Path<String>, PathRejection>, raw: Option<&str>) -> Result<String, ApiError> {
    let Path(site_id) =
        path.map_err(|e| ApiError::BadRequest(format!("invalid site_id: {}", e.body_text())))?;
    let site_id = params::site_id(&site_id)?;
    params::none(raw)?;
    Ok(site_id)
}

fn not_found_or(e: QueryError, site_id: &str) -> ApiError {
    match e {
        QueryError::Service { code: 404, .. } => {
            ApiError::NotFound(format!("unknown site \"{site_id}\""))
        }
        other => other.into(),
    }
}

fn audit<T>(
    state: &AppState,
    caller: &Caller,
    action: AuditAction,
    site_id: &str,
    method: &str,
    path: &str,
    result: &Result<T, QueryError>,
) {
    let (outcome, detail) = match result {
        Ok(_) => (AuditOutcome::Ok, None),
        Err(QueryError::Service { code: 404, .. }) => (AuditOutcome::NotFound, None),
        Err(e) => (AuditOutcome::Failed, Some(e.to_string())),
    };
    state.audit.record(
        Some(&caller.principal),
        action,
        outcome,
        Some(site_id),
        &audit::Request {
            method,
            path,
            from: &caller.from,
        },
        detail.as_deref(),
    );
}
