//! The `/api/v1` data routes: each checks its parameters, asks the aggregator
//! once, and returns its answer as JSON (the `healthmon_proto::query` types,
//! so the HTTP shapes are the NATS shapes).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use healthmon_common::query::QueryError;
use healthmon_proto::query::{SiteDetail, SitePage, Summary};

use crate::app::AppState;
use crate::error::ApiError;
use crate::params;

/// `GET /api/v1/summary`: site counts per connectivity and health.
pub async fn summary(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Summary>, ApiError> {
    params::none(raw.as_deref())?;
    Ok(Json(state.aggregator.summary().await?))
}

/// `GET /api/v1/sites`: one page of sites, filtered and sorted by the aggregator.
pub async fn sites(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SitePage>, ApiError> {
    let query = params::list_query(raw.as_deref())?;
    Ok(Json(state.aggregator.list(&query).await?))
}

/// `GET /api/v1/sites/{site_id}`: everything known about one site.
pub async fn site(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SiteDetail>, ApiError> {
    let Path(site_id) =
        path.map_err(|e| ApiError::BadRequest(format!("invalid site_id: {}", e.body_text())))?;
    let site_id = params::site_id(&site_id)?;
    params::none(raw.as_deref())?;
    match state.aggregator.get(&site_id).await {
        Ok(detail) => Ok(Json(detail)),
        Err(QueryError::Service { code: 404, .. }) => {
            Err(ApiError::NotFound(format!("unknown site \"{site_id}\"")))
        }
        Err(e) => Err(e.into()),
    }
}
