//! JSON requests to a service's NATS micro endpoints, and what can go wrong:
//! nobody answers, the answer is late, the service says no (a micro error
//! reply: headers `Nats-Service-Error-Code` and `Nats-Service-Error`), or the
//! answer does not read.

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::{Client, Request};
use bytes::Bytes;
use healthmon_common::micro::{ERROR_CODE_HEADER, ERROR_HEADER};
use serde::{Serialize, de::DeserializeOwned};
use thiserror::Error;

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
