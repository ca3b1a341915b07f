//! The serving half of healthmon's JSON request/reply over NATS micro
//! endpoints: starting a service's micro service, parsing a request,
//! answering with JSON or a micro error reply. The asking half is
//! `healthmon-client`.

use async_nats::Client;
use async_nats::service::{Request as ServiceRequest, Service, ServiceExt};
use healthmon_proto::Subjects;
use serde::{Serialize, de::DeserializeOwned};

use crate::ServiceError;

pub const ERROR_CODE_HEADER: &str = "Nats-Service-Error-Code";
pub const ERROR_HEADER: &str = "Nats-Service-Error";

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

/// Starts the micro service `name` (at `version`, the service's own), with
/// its partition in the metadata when `subjects` are partitioned: that is
/// how `nats micro info <name>` tells the partitions apart.
pub async fn start_service(
    client: &Client,
    subjects: &Subjects,
    name: &str,
    version: &str,
    description: &str,
) -> Result<Service, ServiceError> {
    let mut builder = client.service_builder().description(description);
    if let Some(partition) = subjects.partition() {
        builder = builder.metadata(
            [("partition".to_owned(), partition.to_string())]
                .into_iter()
                .collect(),
        );
    }
    builder
        .start(name, version)
        .await
        .map_err(|e| ServiceError::nats("start micro service", e))
}

/// Parses a JSON request body; an empty body (or `null`) means the type's defaults.
pub fn parse_request<T: DeserializeOwned + Default>(payload: &[u8]) -> Result<T, ReplyError> {
    let text = payload.trim_ascii();
    if text.is_empty() || text == b"null" {
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
