//! The one error type of the HTTP API, and the guarantee that every error
//! response is JSON.
//!
//! Handlers return [`ApiError`]; its body is always
//! `{"error": {"code": "...", "message": "..."}}` with a stable, machine-readable
//! `code`. Responses made outside our handlers (axum's 405, tower-http's 413,
//! the request timeout) are rewritten into the same shape by [`json_errors`],
//! so a client never has to parse plain text.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use healthmon_client::QueryError;
use serde::Serialize;
use thiserror::Error;
use utoipa::openapi::RefOr;
use utoipa::{IntoResponses, ToSchema};

use healthmon_registry::RegistryError;

use crate::params::ParamError;

#[derive(Debug, Error)]
pub enum ApiError {
    /// A bad path or query parameter; the message names it.
    #[error("{0}")]
    BadRequest(String),
    /// An unknown site or route (or one outside the caller's scope).
    #[error("{0}")]
    NotFound(String),
    /// Allowed to ask, but not this: a change that takes a site out of the
    /// caller's scope.
    #[error("{0}")]
    Forbidden(String),
    /// The fleet registry cannot be written (JetStream down, no quorum).
    #[error("{0}")]
    RegistryUnavailable(String),
    /// Concurrent writers kept changing the same registry entry.
    #[error("{0}")]
    Conflict(String),
    /// The aggregator has no responders: it is down or not yet started.
    #[error("{0}")]
    UpstreamUnavailable(String),
    /// The aggregator did not answer within `--aggregator-timeout`.
    #[error("{0}")]
    UpstreamTimeout(String),
    /// The aggregator answered something unusable.
    #[error("{0}")]
    Upstream(String),
    /// This request took longer than the whole-request timeout.
    #[error("the request took too long")]
    Timeout,
    /// Any other status produced outside the handlers (405, 413, ...).
    #[error("{}", .0.canonical_reason().unwrap_or("request failed"))]
    Status(StatusCode),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::RegistryUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::UpstreamUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UpstreamTimeout(_) | ApiError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::Status(status) => *status,
        }
    }

    /// The stable `error.code` clients can switch on.
    pub fn code(&self) -> Cow<'static, str> {
        match self {
            ApiError::BadRequest(_) => "bad_request".into(),
            ApiError::NotFound(_) => "not_found".into(),
            ApiError::Forbidden(_) => "forbidden".into(),
            ApiError::RegistryUnavailable(_) => "registry_unavailable".into(),
            ApiError::Conflict(_) => "conflict".into(),
            ApiError::UpstreamUnavailable(_) => "upstream_unavailable".into(),
            ApiError::UpstreamTimeout(_) => "upstream_timeout".into(),
            ApiError::Upstream(_) => "upstream_error".into(),
            ApiError::Timeout => "timeout".into(),
            ApiError::Status(status) => status_code_name(*status).into(),
        }
    }

    /// The same error, its message led by `context`.
    pub fn prefixed(self, context: &str) -> ApiError {
        let with = |message: String| format!("{context}: {message}");
        match self {
            ApiError::BadRequest(m) => ApiError::BadRequest(with(m)),
            ApiError::NotFound(m) => ApiError::NotFound(with(m)),
            ApiError::Forbidden(m) => ApiError::Forbidden(with(m)),
            ApiError::RegistryUnavailable(m) => ApiError::RegistryUnavailable(with(m)),
            ApiError::Conflict(m) => ApiError::Conflict(with(m)),
            ApiError::UpstreamUnavailable(m) => ApiError::UpstreamUnavailable(with(m)),
            ApiError::UpstreamTimeout(m) => ApiError::UpstreamTimeout(with(m)),
            ApiError::Upstream(m) => ApiError::Upstream(with(m)),
            other @ (ApiError::Timeout | ApiError::Status(_)) => other,
        }
    }

    /// An aggregator query failure, as the HTTP client should see it. The
    /// message names the subject that failed, and so, in a partitioned
    /// fleet, the partition (`health.agg.1.list (partition 1/2)`).
    pub fn from_query(err: QueryError) -> Self {
        match err {
            QueryError::NoResponders(subject) => ApiError::UpstreamUnavailable(format!(
                "the aggregator is not available (no service answers on NATS: {subject})"
            )),
            QueryError::TimedOut(subject) => ApiError::UpstreamTimeout(format!(
                "the aggregator did not answer in time ({subject})"
            )),
            QueryError::Service {
                code: 404, message, ..
            } => ApiError::NotFound(message),
            QueryError::Service {
                code: 400, message, ..
            } => ApiError::BadRequest(message),
            other => ApiError::Upstream(other.to_string()),
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Unavailable { .. } => ApiError::RegistryUnavailable(e.to_string()),
            RegistryError::Conflict { .. } => ApiError::Conflict(e.to_string()),
            RegistryError::Invalid(e) => ApiError::BadRequest(e.to_string()),
        }
    }
}

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> Self {
        ApiError::BadRequest(e.message)
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        ApiError::from_query(e)
    }
}

/// The body of every error response: `{"error": {"code": ..., "message": ...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `bad_request`, `not_found`,
    /// `unauthorized`, `forbidden`, `upstream_unavailable`, `upstream_timeout`,
    /// `upstream_error`, `registry_unavailable`, `conflict`, `timeout`,
    /// `method_not_allowed`, `payload_too_large`, ...
    #[schema(example = "not_found")]
    pub code: String,
    /// For people; names the offending parameter on a 400.
    #[schema(example = "unknown site \"plant-7\"")]
    pub message: String,
}

impl ErrorBody {
    /// An error response of `status` with this body.
    pub fn response(status: StatusCode, code: &str, message: String) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
            },
        };
        (status, Json(body)).into_response()
    }
}

/// What an error response said, for the one request-log line of its
/// request (app.rs): errors are not logged where they are made.
#[derive(Debug, Clone)]
pub struct Logged(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let mut response = ErrorBody::response(self.status(), &self.code(), message.clone());
        response.extensions_mut().insert(Logged(message));
        response
    }
}

/// The error responses routes declare in their OpenAPI descriptions, one
/// type per status so that each route lists exactly the ones it can
/// answer: each `Name = status, "description";` a type whose body is an
/// [`ErrorBody`].
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident = $status:tt, $description:tt;)*) => {$(
        $(#[$doc])*
        #[derive(IntoResponses)]
        #[response(status = $status, description = $description)]
        pub struct $name(pub ErrorBody);
    )*};
}

error_responses! {
    /// 400: a bad or unknown parameter or site id.
    BadRequest = 400,
        "A bad or unknown parameter, or a bad site id; the message names it (`bad_request`)";
    /// 401: no or bad credentials.
    Unauthorized = 401, "No or invalid credentials (`unauthorized`)";
    /// 403: authenticated, but not allowed.
    Forbidden = 403,
        "Authenticated, but not allowed: an admin action for a viewer, or a change \
        that would take a site out of a scoped token's view (`forbidden`)";
    /// 503 of an admin action: the registry cannot be written.
    RegistryUnavailable = 503,
        "The fleet registry (JetStream) cannot be written now (`registry_unavailable`); \
        the change was refused (a timed-out write says it may still be applied). Reads keep working from what every service last saw";
    /// 409: concurrent writers.
    Conflict = 409,
        "Others kept changing the same registry entry; nothing was changed, try again (`conflict`)";
    /// 404: no such site.
    NotFound = 404, "No such site (`not_found`)";
    /// 503: no aggregator answers.
    Unavailable = 503, "No aggregator answers on NATS (`upstream_unavailable`)";
    /// 504: the aggregator answered too slowly.
    TimedOut = 504, "The aggregator did not answer in time (`upstream_timeout`)";
}

/// What a read answered by the aggregator may fail with: a bad parameter
/// (400), no aggregator (503), or one too slow (504).
pub struct ReadErrors;

impl IntoResponses for ReadErrors {
    fn responses() -> Responses {
        merged([
            BadRequest::responses(),
            Unavailable::responses(),
            TimedOut::responses(),
        ])
    }
}

/// What an admin write may fail with: a bad request (400), or a registry
/// that cannot be written (503).
pub struct WriteErrors;

impl IntoResponses for WriteErrors {
    fn responses() -> Responses {
        merged([BadRequest::responses(), RegistryUnavailable::responses()])
    }
}

/// Responses by status, as [`IntoResponses`] lists them.
type Responses = BTreeMap<String, RefOr<utoipa::openapi::Response>>;

/// Several lists of responses as one; a later one wins a status they share.
fn merged<const N: usize>(lists: [Responses; N]) -> Responses {
    lists.into_iter().flatten().collect()
}

/// `Payload Too Large` → `payload_too_large`.
fn status_code_name(status: StatusCode) -> String {
    status
        .canonical_reason()
        .map(|r| {
            r.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-')
                .map(|c| match c {
                    ' ' | '-' => '_',
                    c => c.to_ascii_lowercase(),
                })
                .collect()
        })
        .unwrap_or_else(|| format!("http_{}", status.as_u16()))
}

/// Middleware: an error response without a JSON body becomes an [`ApiError`]
/// body of the same status, keeping headers such as `Allow` on a 405.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, _plain_body) = response.into_parts();
    let mut rewritten = ApiError::Status(status).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

#[cfg(test)]
mod tests;
