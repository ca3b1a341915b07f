//! Plumbing every healthmon service shares, so that each service crate holds
//! only its own logic:
//! - [`cli`]: the flags every binary takes (NATS, subject prefix, logs, metrics),
//!   validated into typed settings or a [`ConfigError`] naming the flag;
//! - [`nats`]: connecting with retries, reconnecting forever, connection events as metrics;
//! - [`telemetry`]: tracing (text or JSON) and the process-wide Prometheus recorder;
//! - [`metrics_http`]: a small `/metrics` HTTP endpoint;
//! - [`runtime`]: the tail of every `main`: runtime, signals, exit code;
//! - [`service`]: the task a started service runs on, and waiting for it to stop;
//! - [`shutdown`]: SIGTERM/Ctrl-C as a `CancellationToken`;
//! - [`log_limit`]: one log line per period for repeating complaints;
//! - [`micro`]: starting the services' NATS micro services and answering JSON
//!   requests on their endpoints;
//! - [`clock`]: unix milliseconds on the central clock;
//! - [`metric_names`]: every service's metrics, each named and described once.
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod config_error;
pub mod error;
pub mod log_limit;
pub mod metric_names;
pub mod metrics_http;
pub mod micro;
pub mod nats;
pub mod runtime;
pub mod service;
pub mod shutdown;
pub mod telemetry;

pub use config_error::ConfigError;
pub use error::ServiceError;
pub use service::{MetricsService, ServiceHandle, ServiceTask};
pub use tokio_util::sync::CancellationToken;
#[doc(hidden)]
pub use tracing as __tracing;
