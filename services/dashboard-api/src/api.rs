//! The `/api/v1` data routes: each checks its parameters, narrows them to
//! the caller's scope ([`crate::scope`]), asks the aggregator once, and
//! returns its answer as JSON (the `healthmon_proto::query` types, so the
//! HTTP shapes are the NATS shapes).

use axum::Json;
use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use healthmon_client::{AggregatorClient, QueryError};
use healthmon_proto::query::{
    FleetSummary, ListQuery, SiteDetail, SitePage, SortOrder, SummaryQuery,
};
use healthmon_proto::{Connectivity, Health};
use healthmon_registry::Selector;
use utoipa::IntoParams;

use crate::error::{ApiError, NotFound, ReadErrors};
use crate::guard::Caller;
use crate::params::{Filtered, ParamError};
use crate::site_path::SitePath;
use crate::state::AppState;
use crate::{params, scope};

/// Site counts per connectivity and health, optionally per label value
#[utoipa::path(
    get,
    path = "/api/v1/summary",
    tag = "sites",
    params(
        LabelFilter,
        ("by" = Option<String>, Query, pattern = "^[a-z_][a-z0-9_]{0,31}$",
            description = "A label key: also count per value of it (`groups`, worst first; `value` null for sites without it)"),
    ),
    responses(
        (status = 200, description = "Site counts per connectivity and health", body = FleetSummary),
        ReadErrors,
    ),
)]
pub async fn summary(read: FleetRead) -> Result<Json<FleetSummary>, ApiError> {
    read.answer(
        params::summary_query,
        scope::summary,
        AggregatorClient::summary,
        no_counts,
    )
    .await
}

/// One page of sites, filtered and sorted
#[utoipa::path(
    get,
    path = "/api/v1/sites",
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
        LabelFilter,
        ("acknowledged" = Option<bool>, Query,
            description = "`true`: only sites whose current problem is acknowledged; `false`: only sites without an acknowledgement that applies to their current state (an acknowledgement no longer applies once the state changes)"),
    ),
    responses(
        (status = 200, description = "One page of sites, worst first unless sorted by id", body = SitePage),
        ReadErrors,
    ),
)]
pub async fn sites(read: FleetRead) -> Result<Json<SitePage>, ApiError> {
    read.answer(
        params::list_query,
        scope::list,
        AggregatorClient::list,
        no_sites,
    )
    .await
}

/// The `label` filter [`summary`] and [`sites`] share.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, style = Form)]
#[expect(
    dead_code,
    reason = "documents the parameter; `params` reads it from the raw query"
)]
struct LabelFilter {
    /// Only sites with this label, `key=value` (or several pairs, comma-separated); repeatable, all must match
    #[param(explode, min_items = 1)]
    label: Option<Vec<String>>,
}

/// A fleet-wide read ([`summary`], [`sites`]), as its handler receives it:
/// the app, who calls, and the raw query string.
pub struct FleetRead {
    state: AppState,
    caller: Caller,
    raw: Option<String>,
}

impl FromRequestParts<AppState> for FleetRead {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let Ok(RawQuery(raw)) = RawQuery::from_request_parts(parts, state).await;
        Ok(FleetRead {
            state: state.clone(),
            caller,
            raw,
        })
    }
}

impl FleetRead {
    /// The aggregator's answer to the query `parse` reads from the
    /// parameters, narrowed to the caller's scope by `narrow`; a query that
    /// can select no site is answered `nothing` without asking.
    async fn answer<Q: Clone, T>(
        self,
        parse: fn(Option<&str>) -> Result<Filtered<Q>, ParamError>,
        narrow: fn(Q, &Selector) -> Option<Q>,
        ask: impl AsyncFnOnce(&AggregatorClient, &Q) -> Result<T, QueryError>,
        nothing: fn(Q) -> T,
    ) -> Result<Json<T>, ApiError> {
        let filtered = parse(self.raw.as_deref())?;
        match filtered.allowed(|query| narrow(query, &self.caller.principal.scope)) {
            Some(query) => Ok(Json(ask(&self.state.aggregator, &query).await?)),
            None => Ok(Json(nothing(filtered.query))),
        }
    }
}

/// The counts of a summary query that selects no site.
fn no_counts(query: SummaryQuery) -> FleetSummary {
    FleetSummary {
        by: query.by,
        ..FleetSummary::default()
    }
}

/// The page of a list query that selects no site.
fn no_sites(query: ListQuery) -> SitePage {
    SitePage {
        total: 0,
        offset: query.offset,
        limit: query.effective_limit(),
        sites: Vec::new(),
    }
}

/// Everything known about one site
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site_id}",
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
