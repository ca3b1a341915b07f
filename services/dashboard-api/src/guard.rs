//! The middleware that authenticates every request to site data and checks
//! its role ([`crate::auth`]), answering 401 (no or bad credentials, with
//! `WWW-Authenticate: Bearer`) or 403 (a viewer asking for an admin action),
//! and auditing each refusal. Allowed requests carry a [`Caller`] for the
//! handlers, which audit the admin actions themselves.
//!
//! On `/api/v1/events` only, a token may come as `?access_token=` (browsers'
//! `EventSource` cannot set headers); it is removed from the URI before
//! anything else sees the request.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use healthmon_proto::audit::{AuditAction, AuditOutcome};
use healthmon_proto::validate_site_id;

use crate::audit::{self, Auditor};
use crate::auth::{self, AuthMode, Failure, Principal};
use crate::error::ErrorBody;

/// The SSE route, the only one that takes `?access_token=`.
pub const EVENTS_PATH: &str = "/api/v1/events";

pub struct Guard {
    pub mode: AuthMode,
    pub audit: Auditor,
}

/// Who is calling and from where, for the handlers of admin actions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub from: String,
}

/// The caller [`require`] let through, for extractors built on it; as
/// `Extension<Caller>` would, a 500 where the guard did not run.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Extension::<Caller>::from_request_parts(parts, state).await {
            Ok(Extension(caller)) => Ok(caller),
            Err(rejection) => Err(rejection.into_response()),
        }
    }
}

pub async fn require(
    State(guard): State<Arc<Guard>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let query_token = if path == EVENTS_PATH {
        take_query_token(&mut request)
    } else {
        None
    };
    let from = client_address(&request, matches!(guard.mode, AuthMode::Proxy(_)));
    if !auth::is_protected(&path) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let site = site_of(&path);
    let audited = audit::Request {
        method: method.as_str(),
        path: &path,
        from: &from,
    };
    match guard
        .mode
        .authenticate(request.headers(), query_token.as_deref())
    {
        Err(failure) => {
            guard.audit.record(
                None,
                AuditAction::Authenticate,
                AuditOutcome::Unauthenticated,
                site,
                &audited,
                Some(failure.detail()),
            );
            unauthorized(&failure)
        }
        Ok(principal) if principal.role < auth::required_role(&method) => {
            let detail = format!("role {} may only read", principal.role.as_str());
            guard.audit.record(
                Some(&principal),
                action_of(&method, &path),
                AuditOutcome::Forbidden,
                site,
                &audited,
                Some(&detail),
            );
            error(
                StatusCode::FORBIDDEN,
                "forbidden",
                &format!("{method} {path} needs the admin role; {detail}"),
            )
        }
        Ok(principal) => {
            request.extensions_mut().insert(Caller { principal, from });
            next.run(request).await
        }
    }
}

/// What an admin route does, for the audit of a refused attempt.
pub fn action_of(method: &Method, path: &str) -> AuditAction {
    if path == "/api/v1/maintenance" {
        return match *method {
            Method::PUT => AuditAction::SetMaintenanceBySelector,
            Method::DELETE => AuditAction::ClearMaintenanceBySelector,
            _ => AuditAction::Access,
        };
    }
    let Some(rest) = path.strip_prefix("/api/v1/sites/") else {
        return AuditAction::Access;
    };
    match (method, rest.split_once('/')) {
        (&Method::DELETE, None) => AuditAction::ForgetSite,
        (&Method::PUT, Some((_, "maintenance"))) => AuditAction::SetMaintenance,
        (&Method::DELETE, Some((_, "maintenance"))) => AuditAction::ClearMaintenance,
        (&Method::PUT, Some((_, "labels"))) => AuditAction::SetLabels,
        (&Method::PUT, Some((_, "ack"))) => AuditAction::Acknowledge,
        (&Method::DELETE, Some((_, "ack"))) => AuditAction::ClearAcknowledgement,
        _ => AuditAction::Access,
    }
}

/// The site a `/api/v1/sites/{id}...` path names, if it is a valid id.
pub fn site_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/v1/sites/")?;
    let id = rest.split('/').next()?;
    validate_site_id(id).is_ok().then_some(id)
}

/// The peer's IP, or behind a trusted proxy the first `X-Forwarded-For` hop.
fn client_address(request: &Request, trust_forwarded: bool) -> String {
    if trust_forwarded
        && let Some(first) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return first.chars().take(64).collect();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// Removes `access_token=...` from the query, returning its value.
fn take_query_token(request: &mut Request) -> Option<String> {
    let query = request.uri().query()?;
    let mut token = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.strip_prefix("access_token=") {
            Some(value) => {
                token = Some(value.to_owned());
                false
            }
            None => true,
        })
        .collect();
    token.as_ref()?;
    let path = request.uri().path();
    let rebuilt = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    if let Ok(uri) = rebuilt.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    token
}

fn unauthorized(failure: &Failure) -> Response {
    let challenge = match failure {
        Failure::UnknownToken => r#"Bearer realm="healthmon", error="invalid_token""#,
        _ => r#"Bearer realm="healthmon""#,
    };
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        &format!("authentication required: {}", failure.detail()),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    ErrorBody::response(status, code, message.to_owned())
}

#[cfg(test)]
mod tests;
