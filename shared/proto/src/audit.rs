//! The audit event: one per admin action and per refused request at the
//! dashboard API, published as JSON on `<prefix>.audit` (and logged with
//! tracing target `audit`), so a security team can keep them elsewhere.
//!
//! It names who (the authenticated user, or `-` when none could be
//! established), what (action, target, outcome), when (central clock) and
//! from where (peer address, or the first `X-Forwarded-For` hop when the
//! API trusts a proxy). It never carries a credential.

use serde::{Deserialize, Serialize};

pub const AUDIT_VERSION: u32 = 1;

/// What was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A request without valid credentials (answered 401).
    Authenticate,
    /// `DELETE /api/v1/sites/{id}`.
    ForgetSite,
    /// `PUT /api/v1/sites/{id}/maintenance`.
    SetMaintenance,
    /// `DELETE /api/v1/sites/{id}/maintenance`.
    ClearMaintenance,
    /// `PUT /api/v1/maintenance?selector=`: every matching site at once.
    SetMaintenanceBySelector,
    /// `DELETE /api/v1/maintenance?selector=`.
    ClearMaintenanceBySelector,
    /// `PUT /api/v1/sites/{id}/labels`.
    SetLabels,
    /// `PUT /api/v1/sites/{id}/ack`.
    Acknowledge,
    /// `DELETE /api/v1/sites/{id}/ack`.
    ClearAcknowledgement,
    /// `healthmon fleet apply`: a roster written to the registry.
    FleetApply,
    /// Any other route a user's role does not allow (answered 403).
    Access,
}

impl AuditAction {
    /// Every action, in declaration order: the values the AsyncAPI
    /// document's `action` enum must list.
    pub const ALL: [AuditAction; 11] = [
        AuditAction::Authenticate,
        AuditAction::ForgetSite,
        AuditAction::SetMaintenance,
        AuditAction::ClearMaintenance,
        AuditAction::SetMaintenanceBySelector,
        AuditAction::ClearMaintenanceBySelector,
        AuditAction::SetLabels,
        AuditAction::Acknowledge,
        AuditAction::ClearAcknowledgement,
        AuditAction::FleetApply,
        AuditAction::Access,
    ];
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Done.
    Ok,
    /// No or invalid credentials (401).
    Unauthenticated,
    /// Authenticated, but the role does not allow it (403).
    Forbidden,
    /// Allowed, but the site is unknown (404).
    NotFound,
    /// Allowed, but the aggregator did not answer.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub v: u32,
    /// Central clock, unix ms.
    pub at_ms: u64,
    /// The user's name, or `-` when not authenticated.
    pub who: String,
    /// The user's role (`viewer`, `admin`), if authenticated.
    pub role: Option<String>,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// The site acted on, if any.
    pub site_id: Option<String>,
    pub method: String,
    pub path: String,
    /// Client address: the peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
    pub from: String,
    /// Why a request was refused (`missing credentials`, `unknown token`, ...).
    pub detail: Option<String>,
}
