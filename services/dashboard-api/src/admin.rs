//! The admin routes: everything an operator decides about sites, written
//! to the fleet registry (never to one replica), so every aggregator,
//! assessor and dashboard replica sees it within moments and keeps it
//! across restarts.
//!
//! - [`maintenance`]: a window for one site, or for every site a label
//!   selector names;
//! - [`site`]: forget a site, set its labels;
//! - [`ack`]: acknowledge a site's current problem.
//!
//! The guard ([`crate::guard`]) has checked the admin role; each handler
//! checks the caller's scope ([`crate::scope`]), writes, and audits what
//! happened (who, what, when, from where, and how it ended). While the
//! registry cannot be written, every action fails at once with 503
//! `registry_unavailable` and changes nothing.

pub mod ack;
pub mod maintenance;
pub mod site;

use axum::Json;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, Uri};
use axum::response::Response;
use healthmon_proto::audit::{AuditAction, AuditOutcome};
use healthmon_registry::{Registry, RegistryError};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::audit;
use crate::error::ApiError;
use crate::guard::{self, Caller};
use crate::site_path::SitePath;
use crate::state::AppState;

/// The site an admin action names: its path checked ([`SitePath`]), in
/// the caller's scope, and known to the registry or the aggregator.
/// Anything else is a 404, so a scoped token learns nothing of other sites.
async fn target(
    state: &AppState,
    caller: &Caller,
    site: Result<SitePath, ApiError>,
) -> Result<String, ApiError> {
    let site_id = site?.site_id;
    let scope = &caller.principal.scope;
    let (listed, in_scope) = {
        let view = state.fleet.view();
        (view.get(&site_id).is_some(), view.selects(scope, &site_id))
    };
    let known = listed || state.aggregator.get(&site_id).await.is_ok();
    if !known || !in_scope {
        return Err(unknown(&site_id));
    }
    Ok(site_id)
}

fn unknown(site_id: &str) -> ApiError {
    ApiError::NotFound(format!("unknown site \"{site_id}\""))
}

/// An optional JSON object body: no body or `null` is the type's default.
/// Whitespace alone is not JSON, and refused like any other bad body
/// (schemathesis sent a lone tab and expected a 400).
fn body<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.is_empty() || bytes.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    required_body(bytes)
}

/// A JSON object body (serde would also read a struct from an array).
fn required_body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let invalid = |why: String| ApiError::BadRequest(format!("invalid request body: {why}"));
    if !bytes.trim_ascii_start().starts_with(b"{") {
        return Err(invalid("expected a JSON object".into()));
    }
    serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))
}

/// An admin request, as its handler receives it: the app, who calls, and
/// the method and URI (for the audit).
pub struct AdminRequest {
    state: AppState,
    caller: Caller,
    method: Method,
    uri: Uri,
}

impl FromRequestParts<AppState> for AdminRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Ok(AdminRequest {
            state: state.clone(),
            caller: Caller::from_request_parts(parts, state).await?,
            method: parts.method.clone(),
            uri: parts.uri.clone(),
        })
    }
}

impl AdminRequest {
    /// One audit line for this request, whatever its outcome: `action`, on
    /// `site_id` where it names one; `detail` adds what was done (a bulk
    /// action's selector and count).
    fn audit<T>(
        &self,
        action: AuditAction,
        site_id: Option<&str>,
        result: &Result<T, ApiError>,
        detail: Option<String>,
    ) {
        let (outcome, failure) = match result {
            Ok(_) => (AuditOutcome::Ok, None),
            Err(ApiError::NotFound(_)) => (AuditOutcome::NotFound, None),
            Err(ApiError::Forbidden(message)) => (AuditOutcome::Forbidden, Some(message.clone())),
            Err(e) => (AuditOutcome::Failed, Some(e.to_string())),
        };
        let detail = match (detail, failure) {
            (Some(d), Some(f)) => Some(format!("{d}; {f}")),
            (d, f) => d.or(f),
        };
        self.state.audit.record(
            Some(&self.caller.principal),
            action,
            outcome,
            site_id,
            &audit::Request {
                method: self.method.as_str(),
                path: self.uri.path(),
                from: &self.caller.from,
            },
            detail.as_deref(),
        );
    }
}

/// A one-site admin request: the [`AdminRequest`] and the site the path
/// names, checked or not ([`SitePath`]; a bad one is answered, and
/// audited, by [`on_site`]).
pub struct SiteAction {
    request: AdminRequest,
    site: Result<SitePath, ApiError>,
}

impl FromRequestParts<AppState> for SiteAction {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Ok(SiteAction {
            request: AdminRequest::from_request_parts(parts, state).await?,
            site: SitePath::from_request_parts(parts, state).await,
        })
    }
}

/// A one-site admin action: `act` does the work on the site the path
/// names ([`target`]); whatever the outcome, it is audited as `action`
/// and answered.
async fn on_site<T>(
    request: SiteAction,
    action: AuditAction,
    act: impl AsyncFnOnce(&AppState, &Caller, String) -> Result<T, ApiError>,
) -> Result<Json<T>, ApiError> {
    let SiteAction { request, site } = request;
    let (state, caller) = (&request.state, &request.caller);
    let (done, result) = match target(state, caller, site).await {
        Ok(site_id) => {
            let result = act(state, caller, site_id.clone()).await;
            (result.is_ok().then_some(site_id), result)
        }
        Err(e) => (None, Err(e)),
    };
    // The site acted on; else the one the path names, valid or not found
    // alike.
    let site_id = done
        .as_deref()
        .or_else(|| guard::site_of(request.uri.path()));
    request.audit(action, site_id, &result, None);
    result.map(Json)
}

/// A one-site action that only takes something off the site in the
/// registry (`remove`), answered with `removed(site_id)`.
async fn on_site_remove<T>(
    request: SiteAction,
    action: AuditAction,
    remove: impl AsyncFnOnce(&Registry, &str) -> Result<(), RegistryError>,
    removed: impl FnOnce(String) -> T,
) -> Result<Json<T>, ApiError> {
    on_site(request, action, async |state, _, site_id| {
        state.fleet.writable()?;
        remove(&state.fleet.registry, &site_id).await?;
        Ok(removed(site_id))
    })
    .await
}

/// The last unix ms a window may end at: the end of year 9999.
const MAX_UNIX_MS: u64 = 253_402_300_799_999;

/// A time in unix ms from JSON: a whole number up to [`MAX_UNIX_MS`],
/// written as an integer or as a number with a zero fraction (`1.7e12`;
/// JSON Schema counts both as integers), or `null`.
fn whole_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let ms = match (number.as_u64(), number.as_f64()) {
        (Some(ms), _) => Some(ms),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..=MAX_UNIX_MS as f64).contains(&f) => {
            Some(f as u64)
        }
        _ => None,
    };
    match ms {
        Some(ms) if ms <= MAX_UNIX_MS => Ok(Some(ms)),
        _ => Err(D::Error::custom(format!(
            "expected unix milliseconds, a whole number from 0 to {MAX_UNIX_MS}, got {number}"
        ))),
    }
}

#[cfg(test)]
mod tests;
