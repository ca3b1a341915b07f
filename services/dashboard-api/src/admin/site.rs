//! Forget a site; set the labels the registry declares for it.

use axum::Json;
use axum::body::Bytes;
use healthmon_common::clock::now_ms;
use healthmon_proto::audit::AuditAction;
use healthmon_proto::fleet::{SiteRecord, Source};
use healthmon_proto::labels::{self, Labels};
use healthmon_proto::query::Forgotten;
use healthmon_registry::Registry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{SiteAction, on_site, on_site_remove, required_body};
use crate::error::{ApiError, Conflict, NotFound, WriteErrors};
use crate::site_path::SitePath;

/// Forget a decommissioned site (admin)
#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site_id}",
    description = "Removes the site from the fleet registry (with its labels, window and \
        acknowledgement) and so from every aggregator and assessor replica: it is no longer \
        shown, counted or judged. If it reports again it comes back, as a new site (when \
        auto-registration is on).",
    tag = "admin",
    params(SitePath),
    responses(
        (status = 200, description = "The site was forgotten", body = Forgotten),
        WriteErrors, NotFound,
    ),
)]
pub async fn forget(request: SiteAction) -> Result<Json<Forgotten>, ApiError> {
    let action = AuditAction::ForgetSite;
    let forgotten = |site_id| Forgotten { site_id };
    on_site_remove(request, action, Registry::forget, forgotten).await
}

/// Body of `PUT .../labels`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelsRequest {
    /// The labels the registry declares for the site, replacing those it
    /// declared before; they win over the labels the site sends. `{}`
    /// removes them. Keys `[a-z_][a-z0-9_]{0,31}` (not `site`), at most
    /// 16, values 1-64 printable characters.
    #[schema(value_type = BTreeMap<String, String>)]
    pub labels: Labels,
}

/// A site's labels after the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteLabels {
    pub site_id: String,
    /// What the registry declares.
    #[schema(value_type = BTreeMap<String, String>)]
    pub labels: Labels,
    /// What the site shows: the declared ones over those the site sends.
    #[schema(value_type = BTreeMap<String, String>)]
    pub effective: Labels,
}

/// Set the labels the registry declares for a site (admin)
///
/// A scoped token may not give a site labels that take it out of its scope (403).
#[utoipa::path(
    put,
    path = "/api/v1/sites/{site_id}/labels",
    tag = "admin",
    params(SitePath),
    request_body(content = LabelsRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The site's labels now", body = SiteLabels),
        WriteErrors, NotFound, Conflict,
    ),
)]
pub async fn set_labels(request: SiteAction, bytes: Bytes) -> Result<Json<SiteLabels>, ApiError> {
    let action = AuditAction::SetLabels;
    on_site(request, action, async |state, caller, site_id| {
        let wanted = required_body::<LabelsRequest>(&bytes)?.labels;
        labels::check(&wanted).map_err(|e| ApiError::BadRequest(format!("invalid labels: {e}")))?;
        let sent = state
            .fleet
            .view()
            .record(&site_id)
            .map(|r| r.declared_labels.clone())
            .unwrap_or_default();
        let scope = &caller.principal.scope;
        if !scope.matches(&labels::effective(&wanted, &sent)) {
            return Err(ApiError::Forbidden(format!(
                "these labels would take the site out of your scope ({scope})"
            )));
        }
        state.fleet.writable()?;
        let record = state
            .fleet
            .registry
            .update_site(&site_id, |record| {
                let mut record =
                    record.unwrap_or_else(|| SiteRecord::declared(now_ms(), Source::Api));
                record.labels = wanted.clone();
                Some(record)
            })
            .await?
            .ok_or_else(|| ApiError::Conflict("the registry refused the change".into()))?;
        Ok(SiteLabels {
            site_id,
            effective: record.effective_labels(),
            labels: record.labels,
        })
    })
    .await
}
