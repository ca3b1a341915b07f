//! `healthmon-aggregator`: flags → [`Config`], then run until SIGTERM/Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use healthmon_aggregator::exposition::SiteSeries;
use healthmon_aggregator::{Config, run};
use healthmon_common::ConfigError;
use healthmon_common::cli::{
    LogArgs, NatsArgs, exit_usage, parse_duration, parse_partition, partition_subjects,
};
use healthmon_common::runtime::{Threads, run_to_exit};
use healthmon_proto::Partition;
use healthmon_registry::IntakeArgs;

// As in the assessor: mimalloc (without transparent huge pages) returns the
// NATS client's short-lived read buffers to the system, so RSS follows the
// site table rather than glibc's retained arenas, and ingest takes fewer
// page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Which sites get per-site series on /metrics (about 40 each): `auto`
    /// (`all` below 10,000 sites, `unhealthy` from there on), `all`,
    /// `unhealthy` (not online and healthy) or `none`. Fleet counts
    /// (`healthmon_fleet_sites`) are always there. See docs/PERFORMANCE.md.
    #[arg(long, env = "SITE_SERIES", value_enum, default_value_t = SiteSeries::Auto)]
    site_series: SiteSeries,
    /// In `unhealthy` mode (and `auto` from 10,000 sites), at most this many
    /// sites' series, the worst kept: a whole fleet going late at once must
    /// not make the scrape its outage. `healthmon_site_series_omitted` counts
    /// those left out.
    #[arg(long, env = "SITE_SERIES_LIMIT", default_value_t = healthmon_aggregator::exposition::DEFAULT_UNHEALTHY_LIMIT)]
    site_series_limit: usize,
    /// Serve one partition of a partitioned fleet, as i/N (e.g. 0/4): hear
    /// only the reports the NATS server's subject mapping puts in partition
    /// i (`<prefix>.report.<i>.*`) and answer on `<prefix>.agg.<i>.*`. N must
    /// match the server's mapping and every other service; 0/1 (or unset)
    /// is the whole fleet. See docs/SCALING.md.
    #[arg(long, env = "HEALTHMON_PARTITION", value_name = "I/N", value_parser = parse_partition)]
    partition: Option<Partition>,
    #[command(flatten)]
    intake: IntakeArgs,
    /// Pace of the answers to a resend request (at start, after a
    /// reconnect), reports/s: collectors spread them over sites ÷ rate
    /// seconds (1 s to 5 min). Old collectors use their own jitter.
    #[arg(long, env = "RESEND_RATE", default_value_t = healthmon_aggregator::resend::DEFAULT_RATE)]
    resend_rate: u32,
    /// How long to listen to the fleet's regular reports before asking for
    /// the start-up resend: when neither the registry nor the table knows
    /// the fleet (a whole centre restarted), its reports tell its size.
    #[arg(long, env = "RESEND_LISTEN", default_value = "2s", value_parser = parse_duration)]
    resend_listen: Duration,
}

impl Cli {
    fn config(self) -> Result<(Config, LogArgs), ConfigError> {
        let mut nats = self.nats.into_config()?;
        nats.subjects = partition_subjects(&nats.subjects, self.partition);
        let config = Config {
            nats,
            metrics_addr: self.metrics_addr,
            assessor_bootstrap_timeout: self.assessor_bootstrap_timeout,
            site_series: self.site_series,
            site_series_limit: self.site_series_limit,
            registry: self.intake.registry.config()?,
            auto_register: self.intake.auto_register,
            resend_rate: self.resend_rate,
            resend_listen: self.resend_listen,
        };
        config.validate()?;
        Ok((config, self.log))
    }
}

fn main() -> ExitCode {
    let (config, log) = Cli::parse().config().unwrap_or_else(|e| exit_usage(e));
    log.init();
    run_to_exit(Threads::PerCore, |shutdown| run(config, shutdown))
}
