//! The `/api/v1` data routes: each checks its parameters, narrows them to
//! the caller's scope ([`crate::scope`]), asks the aggregator once, and
//! returns its answer as JSON (the `healthmon_proto::query` types, so the
//! HTTP shapes are the NATS shapes).

use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use healthmon_client::QueryError;
use healthmon_proto::query::{FleetSummary, SiteDetail, SitePage, SortOrder};
use healthmon_proto::{Connectivity, Health};

use crate::error::{ApiError, NotFound, ReadErrors};
use crate::guard::Caller;
use crate::site_path::SitePath;
use crate::state::AppState;
use crate::{params, scope};

/// `GET /api/v1/summary`: site counts per connectivity and health.
#[utoipa::path(
    get,
    path = "/api/v1/summary",
    summary = "Site counts per connectivity and health, optionally per label value",
    tag = "sites",
    params(
        ("label" = Option<Vec<String>>, Query, style = Form, explode = true, min_items = 1,
            description = "Only sites with this label, `key=value` (or several pairs, comma-separated); repeatable, all must match"),
        ("by" = Option<String>, Query, pattern = "^[a-z_][a-z0-9_]{0,31}$",
            description = "A label key: also count per value of it (`groups`, worst first; `value` null for sites without it)"),
    ),
    responses(
        (status = 200, description = "Site counts per connectivity and health", body = FleetSummary),
        ReadErrors,
    ),
)]
pub async fn summary(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FleetSummary>, ApiError> {
    let filtered = params::summary_query(raw.as_deref())?;
    match filtered.allowed(|query| scope::summary(query, &caller.principal.scope)) {
        Some(query) => Ok(Json(state.aggregator.summary(&query).await?)),
        None => Ok(Json(FleetSummary {
            by: filtered.query.by,
            ..FleetSummary::default()
        })),
    }
}

/// `GET /api/v1/sites`: one page of sites, filtered and sorted by the aggregator.
#[utoipa::path(
    get,
    path = "/api/v1/sites",
    summary = "One page of sites, filtered and sorted",
    tag = "sites",
    params(
        ("connectivity" = Option<Vec<Connectivity>>, Query, style = Form, explode = false, min_items = 1,
            description = "Only sites with any of these connectivities; comma-separated, or the parameter repeated"),
        ("health" = Option<Vec<Health>>, Query, style = Form, explode = false, min_items = 1,
            description = "Only sites with any of these healths; comma-separated, or the parameter repeated"),
        ("search" = Option<String>, Query, max_length = 64,
            description = "Case-insensitive substring of the site id"),
        ("sort" = Option<SortOrder>, Query,
            description = "`severity` (default), worst first: offline (critical, then degraded, then the rest by last known health), critical, late (degraded, then the rest), degraded, unknown, healthy; within each problem rank the unacknowledged before the acknowledged, each the longest-standing first (oldest `status_since_ms`), then by site id; sites under maintenance last. Or `site_id`"),
        ("limit" = Option<u32>, Query, minimum = 0, maximum = 1000,
            description = "Sites per page (default 100)"),
        ("offset" = Option<u32>, Query, minimum = 0, maximum = 2147483647,
            description = "Sites to skip (default 0)"),
        ("label" = Option<Vec<String>>, Query, style = Form, explode = true, min_items = 1,
            description = "Only sites with this label, `key=value` (or several pairs, comma-separated); repeatable, all must match"),
        ("acknowledged" = Option<bool>, Query,
            description = "`true`: only sites whose current problem is acknowledged; `false`: only sites without an acknowledgement that applies to their current state (an acknowledgement no longer applies once the state changes)"),
    ),
    responses(
        (status = 200, description = "One page of sites, worst first unless sorted by id", body = SitePage),
        ReadErrors,
    ),
)]
pub async fn sites(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SitePage>, ApiError> {
    let filtered = params::list_query(raw.as_deref())?;
    match filtered.allowed(|query| scope::list(query, &caller.principal.scope)) {
        Some(query) => Ok(Json(state.aggregator.list(&query).await?)),
        None => Ok(Json(SitePage {
            total: 0,
            offset: filtered.query.offset,
            limit: filtered.query.effective_limit(),
            sites: Vec::new(),
        })),
    }
}

/// `GET /api/v1/sites/{site_id}`: everything known about one site.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site_id}",
    summary = "Everything known about one site",
    tag = "sites",
    params(SitePath),
    responses(
        (status = 200, description = "The site's state and its latest report (wire keys)", body = SiteDetail),
        ReadErrors, NotFound,
    ),
)]
pub async fn site(VisibleSite(detail): VisibleSite) -> Json<SiteDetail> {
    Json(detail)
}

/// The site a `/sites/{site_id}…` route names, as the caller may see it:
/// its path checked ([`SitePath`]), and 404 for a site that is unknown or
/// outside the caller's scope (there, a site does not exist).
pub struct VisibleSite(pub SiteDetail);

impl FromRequestParts<AppState> for VisibleSite {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let site = SitePath::from_request_parts(parts, state).await;
        let site_id = site.map_err(IntoResponse::into_response)?.site_id;
        let unknown = || ApiError::NotFound(format!("unknown site \"{site_id}\""));
        let detail = match state.aggregator.get(&site_id).await {
            Ok(detail) if scope::sees(&caller.principal.scope, &detail.labels) => Ok(detail),
            Ok(_) | Err(QueryError::Service { code: 404, .. }) => Err(unknown()),
            Err(e) => Err(e.into()),
        };
        detail.map(VisibleSite).map_err(IntoResponse::into_response)
    }
}
