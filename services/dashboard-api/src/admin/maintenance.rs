//! Maintenance windows: `{until_ms?, reason?}` set by an admin for one site
//! or for every site a label selector names, with `by` the admin's name.
//! A site under maintenance keeps its real status but is not counted as
//! failing; the window ends by itself at `until_ms` on every replica.

use axum::Json;
use axum::body::Bytes;
use futures::StreamExt;
use healthmon_common::clock::now_ms;
use healthmon_proto::audit::AuditAction;
use healthmon_proto::fleet::Maintenance;
use healthmon_registry::{Registry, RegistryError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AdminRequest, SiteAction, body, on_site, on_site_remove};
use crate::error::{ApiError, NotFound, WriteErrors};
use crate::params;
use crate::site_path::SitePath;

/// Registry writes of a bulk action in flight at once.
const BULK_CONCURRENCY: usize = 64;

/// Body of a `PUT` of maintenance; empty (or `{}`) for an open-ended window.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceRequest {
    /// When the window ends by itself, unix ms; open-ended when absent. A
    /// time already past ends the site's window now, as `DELETE` does.
    #[serde(default, deserialize_with = "super::whole_ms")]
    #[schema(minimum = 0, maximum = 253_402_300_799_999_u64)]
    pub until_ms: Option<u64>,
    /// Why, for whoever looks at the site.
    #[schema(pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]{0,200}$")]
    pub reason: Option<String>,
}

/// The window a site has now (`null` once cleared).
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteMaintenance {
    pub site_id: String,
    pub maintenance: Option<Maintenance>,
}

/// What a bulk action changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkMaintenance {
    /// The selector, as understood (pairs sorted by key).
    #[schema(example = "region=eu-west,tier=gold")]
    pub selector: String,
    /// How many sites it names (and were changed).
    pub count: usize,
    /// Their ids, sorted.
    pub sites: Vec<String>,
    /// The window set; `null` when clearing.
    pub maintenance: Option<Maintenance>,
}

impl MaintenanceRequest {
    /// The window asked for; `None` when it would already be over (an
    /// `until_ms` not after now), which ends any window as a `DELETE` does.
    fn window(self, by: &str) -> Result<Option<Maintenance>, ApiError> {
        let now = now_ms();
        let window = Maintenance {
            since_ms: now,
            until_ms: self.until_ms,
            reason: self.reason.filter(|r| !r.trim().is_empty()),
            by: by.to_owned(),
        };
        let over = window.until_ms.is_some_and(|until| until <= now);
        // Its text is checked either way: a bad request stays a bad request.
        let checked = Maintenance {
            until_ms: window.until_ms.filter(|_| !over),
            ..window.clone()
        };
        checked
            .check()
            .map_err(|e| ApiError::BadRequest(format!("invalid request body: {e}")))?;
        Ok((!over).then_some(window))
    }
}

/// Put a site under maintenance (admin)
#[utoipa::path(
    put,
    path = "/api/v1/sites/{site_id}/maintenance",
    operation_id = "set_maintenance",
    description = "Writes a maintenance window to the fleet registry: every replica shows the site \
        with `maintenance: true` and its window, keeps its real status, and does not count it as \
        failing (the summary counts it under `maintenance` only; it sorts last). With `until_ms` \
        the window ends by itself then. Replaces any window the site had.",
    tag = "admin",
    params(SitePath),
    request_body(content = Option<MaintenanceRequest>, content_type = "application/json",
        description = "Optional: when it ends and why"),
    responses(
        (status = 200, description = "The window now in the registry", body = SiteMaintenance),
        WriteErrors, NotFound,
    ),
)]
pub async fn set(request: SiteAction, bytes: Bytes) -> Result<Json<SiteMaintenance>, ApiError> {
    let action = AuditAction::SetMaintenance;
    on_site(request, action, async |state, caller, site_id| {
        state.fleet.writable()?;
        let window = body::<MaintenanceRequest>(&bytes)?.window(&caller.principal.name)?;
        write(&state.fleet.registry, &site_id, window.as_ref()).await?;
        Ok(SiteMaintenance {
            site_id,
            maintenance: window,
        })
    })
    .await
}

/// End a site's maintenance (admin)
#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site_id}/maintenance",
    operation_id = "clear_maintenance",
    tag = "admin",
    params(SitePath),
    responses(
        (status = 200, description = "The site has no window any more", body = SiteMaintenance),
        WriteErrors, NotFound,
    ),
)]
pub async fn clear(request: SiteAction) -> Result<Json<SiteMaintenance>, ApiError> {
    let action = AuditAction::ClearMaintenance;
    let cleared = |site_id| SiteMaintenance {
        site_id,
        maintenance: None,
    };
    on_site_remove(request, action, Registry::clear_maintenance, cleared).await
}

/// Put every site a label selector names under maintenance (admin)
#[utoipa::path(
    put,
    path = "/api/v1/maintenance",
    operation_id = "set_maintenance_by_selector",
    description = "Sets the same window on every registered site whose labels match `selector` \
        (and the caller's scope), in one request and one audit line; answers how many and which.",
    tag = "admin",
    params(
        ("selector" = String, Query, description = "key=value pairs, comma-separated; all must match (e.g. `region=eu-west,tier=gold`)"),
    ),
    request_body(content = Option<MaintenanceRequest>, content_type = "application/json",
        description = "Optional: when it ends and why"),
    responses(
        (status = 200, description = "The sites changed", body = BulkMaintenance),
        WriteErrors,
    ),
)]
pub async fn set_selected(
    request: AdminRequest,
    bytes: Bytes,
) -> Result<Json<BulkMaintenance>, ApiError> {
    let window = body::<MaintenanceRequest>(&bytes)
        .and_then(|body| body.window(&request.caller.principal.name));
    bulk(request, AuditAction::SetMaintenanceBySelector, window).await
}

/// End the maintenance of every site a label selector names (admin)
#[utoipa::path(
    delete,
    path = "/api/v1/maintenance",
    operation_id = "clear_maintenance_by_selector",
    tag = "admin",
    params(
        ("selector" = String, Query, description = "key=value pairs, comma-separated; all must match"),
    ),
    responses(
        (status = 200, description = "The sites changed", body = BulkMaintenance),
        WriteErrors,
    ),
)]
pub async fn clear_selected(request: AdminRequest) -> Result<Json<BulkMaintenance>, ApiError> {
    bulk(request, AuditAction::ClearMaintenanceBySelector, Ok(None)).await
}

/// Writes `window` (`None`: none) for every site the request's selector
/// names, audited as `action`.
async fn bulk(
    request: AdminRequest,
    action: AuditAction,
    window: Result<Option<Maintenance>, ApiError>,
) -> Result<Json<BulkMaintenance>, ApiError> {
    let AdminRequest { state, caller, .. } = &request;
    let mut detail = None;
    let result = async {
        let selector = params::bulk_selector(request.uri.query())?;
        let window = window?;
        state.fleet.writable()?;
        // Narrowed to the scope (a contradiction selects nothing).
        let effective = selector.clone().and(&caller.principal.scope);
        let sites = state.fleet.view().select(&effective);
        detail = Some(format!("selector {selector}: {} sites", sites.len()));
        // Owned per write: the futures run concurrently and must be `Send`.
        let writes = sites.iter().cloned().map(|site| {
            let registry = state.fleet.registry.clone();
            let window = window.clone();
            async move { write(&registry, &site, window.as_ref()).await }
        });
        let failures: Vec<ApiError> = futures::stream::iter(writes)
            .buffer_unordered(BULK_CONCURRENCY)
            .filter_map(|r| std::future::ready(r.err().map(ApiError::from)))
            .collect()
            .await;
        let failed = failures.len();
        if let Some(first) = failures.into_iter().next() {
            let done = sites.len() - failed;
            return Err(first.prefixed(&format!("{done} of {} sites changed", sites.len())));
        }
        Ok(BulkMaintenance {
            selector: selector.to_string(),
            count: sites.len(),
            sites,
            maintenance: window,
        })
    }
    .await;
    request.audit(action, None, &result, detail);
    result.map(Json)
}

/// Sets the site's window, or removes it.
async fn write(
    registry: &Registry,
    site: &str,
    window: Option<&Maintenance>,
) -> Result<(), RegistryError> {
    match window {
        Some(window) => registry.set_maintenance(site, window).await,
        None => registry.clear_maintenance(site).await,
    }
}
