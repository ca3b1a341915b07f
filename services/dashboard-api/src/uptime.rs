//! `GET /api/v1/sites/{site_id}/uptime`: the last 24 h of a site from
//! Prometheus (when the API was given `--prometheus-url`), for the page's
//! sparkline. The site is looked up first, so a caller sees the history of
//! exactly the sites it may see; without Prometheus the answer is 404
//! `not_found` saying so, and the page draws no sparkline.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::api::VisibleSite;
use crate::error::{ApiError, NotFound, ReadErrors};
use crate::prometheus::{STEP, UptimePoint};
use crate::site_path::SitePath;
use crate::state::AppState;

/// A site's share of each 10 minutes online over the last 24 h.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Uptime {
    pub site_id: String,
    /// Seconds a point covers.
    pub step_s: u64,
    /// Oldest first; steps Prometheus has no data for are missing.
    pub points: Vec<UptimePoint>,
}

/// The last 24 h of a site, from Prometheus
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site_id}/uptime",
    description = "The share of each 10 minutes the site was online (`healthmon_site_up`), \
        queried from the Prometheus server given by `--prometheus-url`; 404 when none is \
        configured. The browser needs no route to Prometheus.",
    tag = "sites",
    params(SitePath),
    responses(
        (status = 200, description = "Points oldest first", body = Uptime),
        ReadErrors, NotFound,
    ),
)]
pub async fn uptime(
    State(state): State<AppState>,
    VisibleSite(site): VisibleSite,
) -> Result<Json<Uptime>, ApiError> {
    let site_id = site.site_id;
    let Some(prometheus) = &state.prometheus else {
        return Err(ApiError::NotFound(
            "no Prometheus configured (--prometheus-url)".to_owned(),
        ));
    };
    let points = prometheus
        .uptime(&site_id, healthmon_common::clock::now_ms())
        .await
        .map_err(|e| ApiError::UpstreamUnavailable(e.to_string()))?;
    Ok(Json(Uptime {
        site_id,
        step_s: STEP.as_secs(),
        points,
    }))
}
