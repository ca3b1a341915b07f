//! Errors that stop a service at start-up. Anything arriving over the network
//! later is handled (counted, logged, skipped) inside the service instead.

use std::net::SocketAddr;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("cannot reach NATS at {url} within {waited_s}s: {reason}")]
    NatsUnreachable {
        url: String,
        waited_s: u64,
        reason: String,
    },
    #[error("invalid NATS options: {0}")]
    NatsOptions(String),
    #[error("NATS {op} failed: {reason}")]
    Nats { op: String, reason: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    /// The service's task panicked or was aborted: a bug, never bad input.
    #[error("the {service} task crashed: {reason}")]
    Crashed {
        service: &'static str,
        reason: String,
    },
}

impl ServiceError {
    /// Wraps a NATS operation's error with what we were doing.
    pub fn nats(op: impl Into<String>, err: impl std::fmt::Display) -> Self {
        ServiceError::Nats {
            op: op.into(),
            reason: err.to_string(),
        }
    }
}
