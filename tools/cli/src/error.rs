//! Runtime failures of a command, each printed as one `error: ...` line
//! (exit code 1). Usage errors never get here: clap and [`crate::Usage`]
//! report them before anything is sent (exit 2).

use std::time::Duration;

use healthmon_client::QueryError;
use healthmon_common::ServiceError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CliError {
    /// NATS unreachable, bad credentials files, ...
    #[error("{0}")]
    Connect(#[from] ServiceError),
    #[error(
        "no aggregator answers on {0} (is healthmon-aggregator running and connected to this NATS server, with this --subject-prefix?)"
    )]
    NoAggregator(String),
    #[error("the aggregator did not answer on {subject} within {}s (--timeout)", .timeout.as_secs_f64())]
    Timeout { subject: String, timeout: Duration },
    #[error("unknown site \"{0}\"")]
    UnknownSite(String),
    #[error("{0}")]
    Query(QueryError),
    #[error("cannot subscribe to {subject}: {reason}")]
    Subscribe { subject: String, reason: String },
    #[error("the NATS connection closed")]
    Closed,
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    /// The fleet registry's bucket cannot be read or written; names the bucket.
    #[error("{inner}{hint}", inner = .0, hint = registry_hint(.0))]
    Registry(#[from] healthmon_registry::RegistryError),
    /// `fleet apply` wrote part of its changes.
    #[error("{0}")]
    Apply(String),
    /// The dashboard API refused an admin request (its error code and
    /// message), or could not be asked.
    #[error("{code}: {message}")]
    Api { code: String, message: String },
    #[error("cannot write {path}: {reason}")]
    WriteFile { path: String, reason: String },
}

/// What to check when the registry cannot be reached at all.
fn registry_hint(e: &healthmon_registry::RegistryError) -> &'static str {
    match e {
        healthmon_registry::RegistryError::Unavailable { .. } => {
            " (is JetStream enabled on this NATS server, and may this NATS user use the bucket?)"
        }
        _ => "",
    }
}

impl CliError {
    /// A failed aggregator query, in the words a person at a terminal needs.
    pub fn from_query(err: QueryError, timeout: Duration) -> Self {
        match err {
            QueryError::NoResponders(subject) => CliError::NoAggregator(subject),
            QueryError::TimedOut(subject) => CliError::Timeout { subject, timeout },
            other => CliError::Query(other),
        }
    }
}

#[cfg(test)]
mod tests;
