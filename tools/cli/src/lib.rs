//! `healthmon`: the command-line view of a healthmon deployment over NATS.
//!
//! - `healthmon watch [SUBJECT]` prints reports, status events and anything
//!   else under the prefix decoded, one JSON object per line — what `nats sub`
//!   cannot show for MessagePack ([`decode`], [`watch`]);
//! - `healthmon partition ID --partitions N` prints the partition a site is
//!   mapped to (no NATS needed);
//! - `healthmon sites`, `site ID` and `summary` ask the aggregator's NATS
//!   micro service, as the dashboard API does, and print a table
//!   ([`render`], [`table`]) or, with `--json`, the answer as is; the
//!   asking is `healthmon-client`'s, the same as the dashboard API's.
//!
//! It takes the same NATS flags as every healthmon service (`--nats-url`,
//! credentials, TLS, `--subject-prefix`, and their environment variables),
//! and `--partitions N` for a partitioned fleet (every partition's
//! aggregator is asked and the answers merged, as the dashboard API does).
//! Exit codes: 0 done, 1 runtime error (one `error: ...` line on stderr),
//! 2 usage error.
#![forbid(unsafe_code)]

pub mod decode;
pub mod error;
pub mod render;
pub mod table;
pub mod watch;

use std::io::Write;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use healthmon_client::{AggregatorClient, Options, QueryError, Retry};
use healthmon_common::CancellationToken;
use healthmon_common::cli::{NatsArgs, parse_duration, parse_partitions};
use healthmon_common::clock::now_ms;
use healthmon_common::config_error::BadValue;
use healthmon_common::nats::{self, NatsConfig};
use healthmon_proto::query::{ListQuery, MAX_LIMIT, SortOrder};
use healthmon_proto::{Connectivity, Health, validate_site_id};
use serde::Serialize;

pub use error::CliError;

/// The name this tool uses on NATS (`nats server report connections`).
pub const NATS_NAME: &str = "healthmon-cli";

#[derive(Debug, Parser)]
#[command(
    name = "healthmon",
    version,
    about = "Watch and query healthmon over NATS",
    long_about = None,
    // An interactive tool should not sit silent for the services' 30 s.
    mut_arg("nats_connect_timeout", |a| a.default_value("5s")),
    // NATS flags work before or after the command, like --timeout.
    mut_args(|a| a.global(true)),
)]
pub struct Cli {
    #[command(flatten)]
    pub nats: NatsArgs,
    /// How long to wait for the aggregator's answer.
    #[arg(long, env = "HEALTHMON_TIMEOUT", default_value = "5s", value_parser = parse_duration, global = true)]
    pub timeout: Duration,
    /// How many partitions the fleet is split into (as the dashboard API's
    /// --partitions): `summary`, `sites` and `site` ask every partition's
    /// aggregator and merge. 1: an unpartitioned deployment.
    #[arg(long, env = "HEALTHMON_PARTITIONS", default_value = "1", value_parser = parse_partitions, global = true)]
    pub partitions: u16,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print messages decoded, one JSON object per line (default subject: every healthmon subject).
    Watch {
        /// Subject to subscribe to; wildcards allowed [default: <prefix>.>]
        #[arg(value_parser = parse_subject)]
        subject: Option<String>,
        /// Exit after this many messages.
        #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..))]
        count: Option<u64>,
    },
    /// List sites, worst first.
    Sites(SitesArgs),
    /// Show everything known about one site.
    Site {
        #[arg(value_parser = parse_site_id)]
        site_id: String,
        /// Print the aggregator's JSON answer.
        #[arg(long)]
        json: bool,
    },
    /// Count sites per connectivity and health.
    Summary {
        /// Print the aggregator's JSON answer.
        #[arg(long)]
        json: bool,
    },
    /// Print the partition (0..N-1) the NATS server's mapping puts a site in,
    /// for --partitions N; e.g. for the exact publish permission of a site
    /// connected straight to a partitioned hub. Needs no NATS connection.
    Partition {
        #[arg(value_parser = parse_site_id)]
        site_id: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct SitesArgs {
    /// Only these connectivities (comma-separated): online, late, offline, unknown.
    #[arg(long, value_delimiter = ',', value_parser = parse_connectivity)]
    pub connectivity: Vec<Connectivity>,
    /// Only these healths (comma-separated): healthy, degraded, critical, unknown.
    #[arg(long, value_delimiter = ',', value_parser = parse_health)]
    pub health: Vec<Health>,
    /// Only site ids containing this text (case-insensitive).
    #[arg(long)]
    pub search: Option<String>,
    #[arg(long, value_enum, default_value = "severity")]
    pub sort: Sort,
    /// Sites to show, at most 1000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=MAX_LIMIT as u64))]
    pub limit: u64,
    /// Sites to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Print the aggregator's JSON answer.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// Worst first: offline (critical, degraded, other), critical, late
    /// (degraded, other), degraded, unknown, healthy; within a problem rank
    /// the longest-standing first; maintenance last.
    Severity,
    /// By site id.
    #[value(name = "site_id")]
    SiteId,
}

impl SitesArgs {
    pub fn query(&self) -> ListQuery {
        ListQuery {
            connectivity: self.connectivity.clone(),
            health: self.health.clone(),
            search: self.search.clone(),
            sort: match self.sort {
                Sort::Severity => SortOrder::Severity,
                Sort::SiteId => SortOrder::SiteId,
            },
            offset: usize::try_from(self.offset).unwrap_or(usize::MAX),
            limit: usize::try_from(self.limit).unwrap_or(MAX_LIMIT),
            labels: Default::default(),
        }
    }
}

fn parse_connectivity(s: &str) -> Result<Connectivity, BadValue> {
    Connectivity::parse(&s.trim().to_ascii_lowercase())
        .ok_or_else(|| BadValue("expected online, late, offline or unknown".to_owned()))
}

fn parse_health(s: &str) -> Result<Health, BadValue> {
    Health::parse(&s.trim().to_ascii_lowercase())
        .ok_or_else(|| BadValue("expected healthy, degraded, critical or unknown".to_owned()))
}

fn parse_site_id(s: &str) -> Result<String, healthmon_proto::SiteIdError> {
    validate_site_id(s).map(|()| s.to_owned())
}

/// A NATS subject: dot-separated non-empty tokens without whitespace, `>` only last.
pub fn parse_subject(s: &str) -> Result<String, BadValue> {
    let tokens: Vec<&str> = s.split('.').collect();
    let bad_token = tokens.iter().enumerate().any(|(i, t)| {
        t.is_empty()
            || t.chars().any(char::is_whitespace)
            || (t.contains('>') && (*t != ">" || i + 1 != tokens.len()))
            || (t.contains('*') && *t != "*")
    });
    if bad_token {
        return Err(BadValue(
            "expected a NATS subject such as health.> or health.status.*".to_owned(),
        ));
    }
    Ok(s.to_owned())
}

/// Runs one command against NATS. `shutdown` (Ctrl-C) ends `watch` cleanly.
pub async fn run(
    command: Command,
    nats_config: NatsConfig,
    timeout: Duration,
    shutdown: CancellationToken,
) -> Result<(), CliError> {
    run_partitioned(command, nats_config, timeout, 1, shutdown).await
}

/// [`run`] against a fleet split into `partitions` (`--partitions`).
pub async fn run_partitioned(
    command: Command,
    nats_config: NatsConfig,
    timeout: Duration,
    partitions: u16,
    shutdown: CancellationToken,
) -> Result<(), CliError> {
    if let Command::Partition { site_id } = &command {
        let index = healthmon_proto::Partition::of_site(site_id, partitions);
        return print(false, &index, || format!("{index}\n"));
    }
    let connection = nats::connect(&nats_config, NATS_NAME).await?;
    let client = connection.client;
    let subjects = &nats_config.subjects;
    // Not retried: a person at a terminal sees the failure and runs it again.
    let aggregator = AggregatorClient::new(
        client.clone(),
        subjects,
        Options {
            partitions,
            timeout,
            retry: Retry::Never,
        },
    );
    let failed = |e| CliError::from_query(e, timeout);
    let now = now_ms();
    match command {
        Command::Watch { subject, count } => {
            let subject = subject.unwrap_or_else(|| format!("{}.>", subjects.prefix()));
            watch::watch(&client, subjects, &subject, count, shutdown).await
        }
        Command::Summary { json } => {
            let summary = aggregator
                .summary(&Default::default())
                .await
                .map_err(failed)?;
            print(json, &summary, || render::summary(&summary.totals))
        }
        Command::Sites(args) => {
            let page = aggregator.list(&args.query()).await.map_err(failed)?;
            print(args.json, &page, || render::sites(&page, now))
        }
        Command::Site { site_id, json } => {
            let detail = match aggregator.get(&site_id).await {
                Err(QueryError::Service { code: 404, .. }) => Err(CliError::UnknownSite(site_id)),
                other => other.map_err(failed),
            }?;
            print(json, &detail, || render::site(&detail, now))
        }
        Command::Partition { .. } => Ok(()),
    }
}

/// Writes `value` as pretty JSON, or the text `human` makes.
fn print<T: Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce() -> String,
) -> Result<(), CliError> {
    let text = if json {
        let mut text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
        text.push('\n');
        text
    } else {
        human()
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
