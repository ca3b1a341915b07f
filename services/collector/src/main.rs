//! `healthmon-collector`: flags (with environment fallbacks) and the config
//! file become a [`Config`]; everything else is in the library.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use healthmon_collector::config::DEFAULT_FAULT_RATE;
use healthmon_collector::config_file::{self, Overrides};
use healthmon_collector::{Config, run};
use healthmon_common::cli::{LogArgs, NatsArgs, exit_usage, parse_duration};
use healthmon_common::runtime::{Threads, run_to_exit};

/// Publishes this site's health report to central over NATS every interval.
#[derive(Debug, Parser)]
#[command(name = "healthmon-collector", version)]
struct Cli {
    #[command(flatten)]
    nats: NatsArgs,
    #[command(flatten)]
    log: LogArgs,
    /// Where /metrics is served.
    #[arg(long, env = "METRICS_ADDR", default_value = "0.0.0.0:9103")]
    metrics_addr: SocketAddr,
    /// This site's id ([A-Za-z0-9_-], at most 64); with --simulate, the id prefix [default: sim].
    #[arg(long, env = "SITE_ID")]
    site_id: Option<String>,
    /// Report interval, 100ms to 24h [default: 30s, or `interval` in the config file].
    #[arg(long, env = "REPORT_INTERVAL", value_parser = parse_duration)]
    interval: Option<Duration>,
    /// TOML file with sources, mapping, probes and custom gauges (see collector.example.toml).
    #[arg(long = "config", env = "COLLECTOR_CONFIG")]
    config: Option<PathBuf>,
    /// Answer a resend request after a random delay up to this [default: 1s].
    #[arg(long, env = "RESEND_JITTER", value_parser = parse_duration)]
    resend_jitter: Option<Duration>,
    /// Simulate N sites (ids <prefix>-00001...) instead of collecting this one.
    #[arg(long, env = "SIMULATE")]
    simulate: Option<usize>,
    /// Simulation: chance per site and interval that a fault starts (0 = always healthy).
    #[arg(long, env = "FAULT_RATE", default_value_t = DEFAULT_FAULT_RATE)]
    fault_rate: f64,
    /// Simulation: RNG seed for a reproducible run.
    #[arg(long, env = "SIMULATE_SEED")]
    seed: Option<u64>,
}

fn config_from(cli: Cli) -> Config {
    let nats = cli.nats.into_config().unwrap_or_else(|e| exit_usage(e));
    let file = cli.config.map(|path| match config_file::load(&path) {
        Ok(file) => (path, file),
        Err(e) => exit_usage(e),
    });
    let flags = Overrides {
        site_id: cli.site_id,
        interval: cli.interval,
        resend_jitter: cli.resend_jitter,
        simulate: cli.simulate,
        fault_rate: cli.fault_rate,
        seed: cli.seed,
    };
    config_file::assemble(nats, cli.metrics_addr, flags, file).unwrap_or_else(|e| exit_usage(e))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.log.init();
    let config = config_from(cli);
    // One thread is plenty for one report loop, and it keeps the footprint
    // next to the site's own software small.
    run_to_exit(Threads::One, |shutdown| run(config, shutdown))
}
