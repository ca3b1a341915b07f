//! `healthmon-dashboard-api`: flags → [`Config`], then [`run`] until SIGTERM/Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use healthmon_common::ConfigError;
use healthmon_common::cli::{LogArgs, NatsArgs, exit_usage, parse_duration, parse_partitions};
use healthmon_common::runtime::{Threads, run_to_exit};
use healthmon_dashboard_api::auth::AuthMode;
use healthmon_dashboard_api::{Config, run};
use healthmon_registry::RegistryArgs;

/// Serves the healthmon JSON API, live status events (SSE), the dashboard page and /metrics.
#[derive(Debug, Parser)]
#[command(name = "healthmon-dashboard-api", version)]
struct Cli {
    #[command(flatten)]
    nats: NatsArgs,
    #[command(flatten)]
    log: LogArgs,
    /// Address of the HTTP listener (API, page and /metrics).
    #[arg(long, env = "HTTP_ADDR", default_value = "0.0.0.0:8080")]
    http_addr: SocketAddr,
    /// How long to wait for the aggregator's answer (e.g. 2s, 500ms).
    #[arg(long, env = "AGGREGATOR_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    aggregator_timeout: Duration,
    /// API users: a file of `role name token [selector]` lines (role viewer
    /// or admin; a selector such as customer=acme limits the user to those
    /// sites); see docs/SECURITY.md.
    #[arg(long, env = "AUTH_TOKENS_FILE")]
    auth_tokens: Option<PathBuf>,
    /// Behind an authenticating reverse proxy: trust this header as the user's name.
    #[arg(long, env = "TRUST_PROXY_HEADER")]
    trust_proxy_header: Option<String>,
    /// With --trust-proxy-header: the header that carries the user's role (viewer or admin).
    #[arg(long, env = "PROXY_ROLE_HEADER", default_value = "X-Forwarded-Role")]
    proxy_role_header: String,
    /// With --trust-proxy-header: a header carrying a label selector
    /// (`customer=acme`) that limits the user to those sites; unset or
    /// empty, the whole fleet.
    #[arg(long, env = "PROXY_SCOPE_HEADER")]
    proxy_scope_header: Option<String>,
    /// Serve without authentication, everyone an admin: for a local demo only.
    #[arg(long, env = "INSECURE_NO_AUTH")]
    insecure_no_auth: bool,
    /// How many partitions the fleet is split into (the N of the NATS
    /// server's mapping and of every aggregator's --partition i/N). With more
    /// than 1, every request asks all partitions' aggregators and merges the
    /// answers; one that does not answer fails the request. 1: unpartitioned.
    #[arg(long, env = "HEALTHMON_PARTITIONS", default_value = "1", value_parser = parse_partitions)]
    partitions: u16,
    #[command(flatten)]
    registry: RegistryArgs,
    /// A Prometheus server scraping healthmon (http://host:9090): the
    /// page's 24 h sparkline per site is queried from it, through this API.
    /// Unset: no sparkline.
    #[arg(long, env = "PROMETHEUS_URL")]
    prometheus_url: Option<String>,
}

fn config(cli: Cli) -> Result<Config, ConfigError> {
    let config = Config {
        nats: cli.nats.into_config()?,
        http_addr: cli.http_addr,
        aggregator_timeout: cli.aggregator_timeout,
        auth: AuthMode::from_flags(
            cli.auth_tokens.as_deref(),
            cli.trust_proxy_header.as_deref(),
            &cli.proxy_role_header,
            cli.proxy_scope_header.as_deref(),
            cli.insecure_no_auth,
        )?,
        partitions: cli.partitions,
        registry: cli.registry.config()?,
        prometheus_url: cli.prometheus_url,
    };
    config.validate()?;
    Ok(config)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = cli.log.clone();
    let config = config(cli).unwrap_or_else(|e| exit_usage(e));
    log.init();
    run_to_exit(Threads::PerCore, |shutdown| run(config, shutdown))
}
