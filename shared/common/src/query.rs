//! JSON request/reply over NATS micro endpoints, client and server side.

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::service::Request as ServiceRequest;
use async_nats::{Client, Request};
use bytes::Bytes;
use serde::{Serialize, de::DeserializeOwned};
use thiserror::Error;

pub const ERROR_CODE_HEADER: &str = "Nats-Service-Error-Code";
pub const ERROR_HEADER: &str = "Nats-Service-Error";

#[derive(Debug, Error)]
pub enum QueryError {
    #[error("no service answers on {0}")]
    NoResponders(String),
    #[error("{0} did not answer in time")]
    TimedOut(String),
    #[error("{subject} answered {code}: {message}")]
    Service {
        subject: String,
        code: u16,
        message: String,
    },
    #[error("{subject} answered with an unreadable body: {reason}")]
    Decode { subject: String, reason: String },
    #[error("request to {subject} failed: {reason}")]
    Request { subject: String, reason: String },
}

/// Sends `query` as JSON to `subject` and decodes the JSON answer.
pub async fn request_json<Q: Serialize, R: DeserializeOwned>(
    client: &Client,
    subject: &str,
    query: &Q,
    timeout: Duration,
) -> Result<R, QueryError> {
    let body = serde_json::to_vec(query).map_err(|e| QueryError::Request {
        subject: subject.to_owned(),
        reason: e.to_string(),
    })?;
    request(client, subject, body.into(), timeout).await
}

/// Sends `body` as is (empty for requests without parameters, such as
/// `summary`) and decodes the JSON answer, or the micro error reply.
pub async fn request<R: DeserializeOwned>(
    client: &Client,
    subject: &str,
    body: Bytes,
    timeout: Duration,
) -> Result<R, QueryError> {
    let request = Request::new().payload(body).timeout(Some(timeout));
    let msg = client
        .send_request(subject.to_owned(), request)
        .await
        .map_err(|e| match e.kind() {
            RequestErrorKind::NoResponders => QueryError::NoResponders(subject.to_owned()),
            RequestErrorKind::TimedOut => QueryError::TimedOut(subject.to_owned()),
            _ => QueryError::Request {
                subject: subject.to_owned(),
                reason: e.to_string(),
            },
        })?;
    let headers = msg.headers.as_ref();
    if let Some(code) = headers.and_then(|h| h.get(ERROR_CODE_HEADER)) {
        return Err(QueryError::Service {
            subject: subject.to_owned(),
            code: code.as_str().parse().unwrap_or(500),
            message: headers
                .and_then(|h| h.get(ERROR_HEADER))
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
        });
    }
    serde_json::from_slice(&msg.payload).map_err(|e| QueryError::Decode {
        subject: subject.to_owned(),
        reason: e.to_string(),
    })
}

/// A micro-service error reply: `code` is HTTP-like (400, 404, 500).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyError {
    pub code: u16,
    pub message: String,
}

impl ReplyError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ReplyError {
            code: 400,
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ReplyError {
            code: 404,
            message: message.into(),
        }
    }
}

/// Parses a JSON request body; an empty body means the type's defaults.
pub fn parse_request<T: DeserializeOwned + Default>(payload: &[u8]) -> Result<T, ReplyError> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(payload)
        .map_err(|e| ReplyError::bad_request(format!("bad request: {e}")))
}

/// Answers a micro request with JSON or a service error; a failed reply is only logged
/// (the requester has gone or will time out).
pub async fn reply_json<T: Serialize>(request: &ServiceRequest, result: Result<T, ReplyError>) {
    let response = result
        .and_then(|value| {
            serde_json::to_vec(&value)
                .map(Into::into)
                .map_err(|e| ReplyError {
                    code: 500,
                    message: e.to_string(),
                })
        })
        .map_err(|e| async_nats::service::error::Error {
            code: e.code.into(),
            status: e.message,
        });
    if let Err(e) = request.respond(response).await {
        tracing::debug!(error = %e, "could not send reply");
    }
}
