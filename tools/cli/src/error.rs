//! Runtime failures of a command, each printed as one `error: ...` line
//! (exit code 1). Usage errors never get here: clap reports them (exit 2).

use std::time::Duration;

use healthmon_common::ServiceError;
use healthmon_common::query::QueryError;
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
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_subject_and_what_to_check() {
        let e = CliError::from_query(
            QueryError::NoResponders("health.agg.list".into()),
            Duration::from_secs(5),
        );
        assert!(
            e.to_string().starts_with(
                "no aggregator answers on health.agg.list (is healthmon-aggregator running"
            ),
            "{e}"
        );
        let e = CliError::from_query(
            QueryError::TimedOut("health.agg.get".into()),
            Duration::from_millis(1500),
        );
        assert_eq!(
            e.to_string(),
            "the aggregator did not answer on health.agg.get within 1.5s (--timeout)"
        );
        let e = CliError::from_query(
            QueryError::Service {
                subject: "health.agg.list".into(),
                code: 400,
                message: "bad request: limit".into(),
            },
            Duration::from_secs(5),
        );
        assert_eq!(
            e.to_string(),
            "health.agg.list answered 400: bad request: limit"
        );
    }
}
