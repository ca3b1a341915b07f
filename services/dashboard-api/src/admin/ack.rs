//! Acknowledge a site's current problem: "someone is on it", with who,
//! when and a short note. An acknowledgement names the state it was given
//! for (connectivity, health and since when); once the site's state
//! changes it no longer applies, without anyone clearing it, so a new
//! problem is never hidden by an old acknowledgement.
//!
//! Admin only, like every write: it changes what every operator sees (the
//! row moves below unacknowledged problems of its rank).

use axum::Json;
use axum::body::Bytes;
use healthmon_common::clock::now_ms;
use healthmon_proto::audit::AuditAction;
use healthmon_proto::fleet::Ack;
use healthmon_proto::{Connectivity, Health};
use healthmon_registry::Registry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{SiteAction, body, on_site, on_site_remove};
use crate::error::{ApiError, Conflict, NotFound, Unavailable, WriteErrors};
use crate::site_path::SitePath;

/// Body of `PUT .../ack`; may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// What is being done about it.
    #[serde(default)]
    #[schema(pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]{0,200}$")]
    pub note: String,
}

/// A site's acknowledgement now (`null` once cleared).
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteAck {
    pub site_id: String,
    pub ack: Option<Ack>,
}

/// Acknowledge a site's current problem (admin)
#[utoipa::path(
    put,
    path = "/api/v1/sites/{site_id}/ack",
    operation_id = "acknowledge",
    description = "Records who acknowledged the site's current state, when, and a note. It holds \
        while the site stays in that state (same connectivity, health and `status_since_ms`) and \
        no longer applies once it changes. A site that is online and healthy has nothing to \
        acknowledge (409).",
    tag = "admin",
    params(SitePath),
    request_body(content = Option<AckRequest>, content_type = "application/json"),
    responses(
        (status = 200, description = "The acknowledgement now in the registry", body = SiteAck),
        WriteErrors, NotFound, Conflict, Unavailable,
    ),
)]
pub async fn set(request: SiteAction, bytes: Bytes) -> Result<Json<SiteAck>, ApiError> {
    let action = AuditAction::Acknowledge;
    on_site(request, action, async |state, caller, site_id| {
        let note = body::<AckRequest>(&bytes)?.note.trim().to_owned();
        Ack::check_note(&note)
            .map_err(|e| ApiError::BadRequest(format!("invalid request body: {e}")))?;
        state.fleet.writable()?;
        let detail = state.aggregator.get(&site_id).await?;
        if detail.connectivity == Connectivity::Online && detail.health == Health::Healthy {
            return Err(ApiError::Conflict(format!(
                "nothing to acknowledge: \"{site_id}\" is online and healthy"
            )));
        }
        let Some(since_ms) = detail.status_since_ms else {
            return Err(ApiError::Conflict(format!(
                "nothing to acknowledge yet: \"{site_id}\" has no status to acknowledge"
            )));
        };
        let ack = Ack {
            at_ms: now_ms(),
            by: caller.principal.name.clone(),
            note,
            connectivity: detail.connectivity,
            health: detail.health,
            since_ms,
        };
        ack.check()
            .map_err(|e| ApiError::BadRequest(format!("invalid request body: {e}")))?;
        state.fleet.registry.set_ack(&site_id, &ack).await?;
        Ok(SiteAck {
            site_id,
            ack: Some(ack),
        })
    })
    .await
}

/// Withdraw a site's acknowledgement (admin)
#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site_id}/ack",
    operation_id = "clear_acknowledgement",
    tag = "admin",
    params(SitePath),
    responses(
        (status = 200, description = "The site has no acknowledgement any more", body = SiteAck),
        WriteErrors, NotFound,
    ),
)]
pub async fn clear(request: SiteAction) -> Result<Json<SiteAck>, ApiError> {
    let action = AuditAction::ClearAcknowledgement;
    let cleared = |site_id| SiteAck { site_id, ack: None };
    on_site_remove(request, action, Registry::clear_ack, cleared).await
}
