//! `healthmon-aggregator`: flags → [`Config`], then run until SIGTERM/Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use healthmon_aggregator::{Config, run};
use healthmon_common::cli::{LogArgs, NatsArgs, exit_usage, parse_duration};
use healthmon_common::shutdown::on_signal;
use healthmon_common::telemetry::init_tracing;

/// Keeps the latest health of every site in memory and serves it over NATS and /metrics.
#[derive(Debug, Parser)]
#[command(name = "healthmon-aggregator", version, about)]
struct Cli {
    #[command(flatten)]
    nats: NatsArgs,
    #[command(flatten)]
    log: LogArgs,
    /// Address of the Prometheus /metrics endpoint.
    #[arg(long, env = "METRICS_ADDR", default_value = "0.0.0.0:9101")]
    metrics_addr: SocketAddr,
    /// How long to wait for each page of the assessor's statuses at start-up.
    #[arg(long, env = "ASSESSOR_BOOTSTRAP_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    assessor_bootstrap_timeout: Duration,
}

impl Cli {
    fn config(self) -> Result<(Config, LogArgs), String> {
        let config = Config {
            nats: self.nats.into_config()?,
            metrics_addr: self.metrics_addr,
            assessor_bootstrap_timeout: self.assessor_bootstrap_timeout,
        };
        config.validate()?;
        Ok((config, self.log))
    }
}

fn main() -> ExitCode {
    let (config, log) = Cli::parse().config().unwrap_or_else(|e| exit_usage(e));
    init_tracing(&log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(async { run(config, on_signal()).await }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
