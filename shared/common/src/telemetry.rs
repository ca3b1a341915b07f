//! Logs and metrics set-up, once per process.
//!
//! The bottom layer of this crate: it uses nothing else of it, so the flags
//! ([`crate::cli`]) and the NATS connection ([`crate::nats`]) can both use it.

use std::io::IsTerminal;
use std::sync::OnceLock;

use clap::ValueEnum;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the tracing subscriber for `format` and the filter `level`
/// (`info`, `healthmon_aggregator=debug`, ...). `RUST_LOG` wins when set.
/// Text lines are coloured only on a terminal, and never with `NO_COLOR` set
/// (<https://no-color.org>), so files and journals get plain text.
pub fn init_tracing(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let registry = tracing_subscriber::registry().with(filter);
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let result = match format {
        LogFormat::Text => registry
            .with(fmt::layer().with_ansi(colour).with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // A second init (several services in one test process) keeps the first.
    let _ = result;
}

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder behind the `metrics` macros.
///
/// Installed on first use; services running in one process (tests) share it.
pub fn metrics_handle() -> PrometheusHandle {
    RECORDER
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed by someone else;
            // then our handle still renders, just without their metrics.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}
