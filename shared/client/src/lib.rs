//! Clients of healthmon's central services over NATS, for the dashboard
//! API, the `healthmon` CLI, the services' start-up bootstraps, the bench
//! and the soak:
//! - [`request`]: a JSON request to a micro endpoint, and [`QueryError`];
//! - [`aggregator`]: [`AggregatorClient`], the aggregator of a fleet (one,
//!   its replicas, or every partition's) asked as one;
//! - [`merge`]: the pure merge of partitions' answers.
//!
//! The query types themselves are the contract, in `healthmon_proto::query`;
//! the serving half is `healthmon_common::micro`.
#![forbid(unsafe_code)]

pub mod aggregator;
pub mod merge;
pub mod request;

pub use aggregator::{AggregatorClient, Options, Retry};
pub use request::{QueryError, request, request_json};
