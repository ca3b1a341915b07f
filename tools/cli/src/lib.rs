//! `healthmon`: the command-line view of a healthmon deployment.
//!
//! Over NATS, as every service:
//! - `healthmon watch [SUBJECT]` prints reports, status events and anything
//!   else under the prefix decoded, one JSON object per line — what `nats sub`
//!   cannot show for MessagePack ([`decode`], [`watch`]);
//! - `healthmon partition ID --partitions N` prints the partition a site is
//!   mapped to (no NATS needed);
//! - `healthmon sites [--label k=v]...`, `site ID` and
//!   `summary [--by KEY] [--label k=v]...` ask the aggregator's NATS micro
//!   service, as the dashboard API does, and print a table ([`render`],
//!   [`table`]) or, with `--json`, the answer as is; the asking is
//!   `healthmon-client`'s, the same as the dashboard API's;
//! - `healthmon fleet apply FILE [--dry-run] [--prune]` and `fleet export
//!   [-o FILE]` read and write the fleet registry's JetStream KV bucket
//!   through `healthmon-registry` ([`fleet`]).
//!
//! Over HTTP, through the dashboard API with an admin token (`--api`,
//! `--token`/`--token-file`), so that each action is checked, written to
//! the registry and audited as if done on the page ([`admin`]):
//! `maintenance set|clear (SITE | --selector k=v,...)`, `forget SITE`,
//! `labels SITE k=v ... | --clear`, `ack SITE [--note]`, `unack SITE`.
//!
//! It takes the same NATS flags as every healthmon service (`--nats-url`,
//! credentials, TLS, `--subject-prefix`, and their environment variables),
//! `--partitions N` for a partitioned fleet (every partition's
//! aggregator is asked and the answers merged, as the dashboard API does),
//! and the registry's `--registry-bucket`.
//!
//! Exit codes:
//! - 0: done;
//! - 1: a runtime error, one `error: ...` line on stderr: NATS, the
//!   aggregator or the registry unreachable (the line names the bucket), an
//!   unknown site, a partly applied roster; and every error answer of the
//!   dashboard API, whatever its status, as `error: <code>: <message>` with
//!   the API's code (`bad_request`, `unauthorized`, `forbidden`,
//!   `not_found`, `conflict`, `registry_unavailable`, ...);
//! - 2: a usage error, found before anything is sent: a bad flag or value
//!   (clap), a roster file that does not read or is invalid (`error:
//!   FILE:LINE: what is expected`), an unreadable `--token-file`, `--until`
//!   not in the future.
#![forbid(unsafe_code)]

pub mod admin;
pub mod decode;
pub mod error;
pub mod fleet;
pub mod render;
pub mod table;
pub mod usage;
pub mod watch;
pub mod when;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use healthmon_client::{AggregatorClient, Options, QueryError, Retry};
use healthmon_common::CancellationToken;
use healthmon_common::cli::{NatsArgs, parse_duration, parse_partitions};
use healthmon_common::clock::now_ms;
use healthmon_common::config_error::BadValue;
use healthmon_common::nats::{self, NatsAuth, NatsConfig};
use healthmon_proto::labels::{self, Labels};
use healthmon_proto::query::{ListQuery, MAX_LIMIT, SortOrder, SummaryQuery};
use healthmon_proto::{Connectivity, Health, validate_site_id};
use healthmon_registry::{Registry, RegistryArgs, RegistryConfig, Selector};
use serde::Serialize;

pub use error::CliError;
pub use usage::Usage;

use admin::{ApiArgs, ApiClient, MaintenanceCommand, Request};
use fleet::{ApplyOptions, RosterFile};

/// The name this tool uses on NATS (`nats server report connections`).
pub const NATS_NAME: &str = "healthmon-cli";

#[derive(Debug, Parser)]
#[command(
    name = "healthmon",
    version,
    about = "Watch, query and administer healthmon",
    long_about = None,
    // An interactive tool should not sit silent for the services' 30 s.
    mut_arg("nats_connect_timeout", |a| a.default_value("5s")),
    // NATS flags work before or after the command, like --timeout.
    mut_args(|a| a.global(true)),
)]
pub struct Cli {
    #[command(flatten)]
    pub nats: NatsArgs,
    /// How long to wait for an answer (the aggregator's, the dashboard
    /// API's; each registry operation has 3 s).
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
    /// Count sites per connectivity and health, for the fleet or per label value.
    Summary(SummaryArgs),
    /// Print the partition (0..N-1) the NATS server's mapping puts a site in,
    /// for --partitions N; e.g. for the exact publish permission of a site
    /// connected straight to a partitioned hub. Needs no NATS connection.
    Partition {
        #[arg(value_parser = parse_site_id)]
        site_id: String,
    },
    /// The fleet registry as a roster file: apply one, or export it.
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Maintenance windows (admin, through the dashboard API).
    #[command(subcommand)]
    Maintenance(MaintenanceCommand),
    /// Forget a decommissioned site everywhere (admin, through the dashboard API).
    Forget {
        #[arg(value_parser = parse_site_id)]
        site_id: String,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Set the labels the registry declares for a site, replacing those it
    /// had (admin, through the dashboard API).
    Labels {
        #[arg(value_parser = parse_site_id)]
        site_id: String,
        /// key=value pairs, e.g. region=eu-west tier=gold.
        #[arg(value_parser = admin::parse_label, required_unless_present = "clear")]
        labels: Vec<(String, String)>,
        /// Remove every label the registry declares for the site.
        #[arg(long, conflicts_with = "labels")]
        clear: bool,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Acknowledge a site's current problem (admin, through the dashboard API).
    Ack {
        #[arg(value_parser = parse_site_id)]
        site_id: String,
        /// What is being done about it (at most 200 characters).
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Withdraw a site's acknowledgement (admin, through the dashboard API).
    Unack {
        #[arg(value_parser = parse_site_id)]
        site_id: String,
        #[command(flatten)]
        api: ApiArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Make the registry match a roster file: print the difference, then
    /// write it. A bad file changes nothing.
    Apply {
        /// The roster (TOML: [defaults], then [[site]] entries).
        file: PathBuf,
        /// Only print the difference.
        #[arg(long)]
        dry_run: bool,
        /// Also forget the registered sites the file does not name.
        #[arg(long)]
        prune: bool,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Write the registry as a roster file that `fleet apply` takes back unchanged.
    Export {
        /// Where to write it [default: standard output].
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArgs,
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
    /// Only sites with this label (key=value; repeat the flag, or separate
    /// pairs with commas: all must match).
    #[arg(long = "label", value_parser = clap::value_parser!(Selector))]
    pub labels: Vec<Selector>,
    /// Only sites whose current problem is acknowledged (true), or only
    /// those without an acknowledgement that applies (false).
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub acknowledged: Option<bool>,
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

#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Also count per value of this label key (e.g. region), worst first.
    #[arg(long, value_parser = parse_label_key)]
    pub by: Option<String>,
    /// Only sites with this label (key=value; repeatable, all must match).
    #[arg(long = "label", value_parser = clap::value_parser!(Selector))]
    pub labels: Vec<Selector>,
    /// Print the aggregator's JSON answer.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// Worst first: offline (critical, degraded, other), critical, late
    /// (degraded, other), degraded, unknown, healthy; within a problem rank
    /// the unacknowledged before the acknowledged, each the longest-standing
    /// first; maintenance last.
    Severity,
    /// By site id.
    #[value(name = "site_id")]
    SiteId,
}

/// Every `--label` given, as one set of labels a site must all have. Two
/// values of one key can match no site: a usage error rather than an
/// answer that is always empty (the API answers that with no sites).
pub fn all_labels(selectors: &[Selector]) -> Result<Labels, Usage> {
    let all = selectors
        .iter()
        .fold(Selector::default(), |all, selector| all.and(selector));
    all.labels().ok_or_else(|| {
        Usage(format!(
            "invalid value for '--label': {all} wants two values of one key; no site can match"
        ))
    })
}

impl SitesArgs {
    pub fn query(&self) -> Result<ListQuery, Usage> {
        Ok(ListQuery {
            connectivity: self.connectivity.clone(),
            health: self.health.clone(),
            search: self.search.clone(),
            sort: match self.sort {
                Sort::Severity => SortOrder::Severity,
                Sort::SiteId => SortOrder::SiteId,
            },
            offset: usize::try_from(self.offset).unwrap_or(usize::MAX),
            limit: usize::try_from(self.limit).unwrap_or(MAX_LIMIT),
            labels: all_labels(&self.labels)?,
            acknowledged: self.acknowledged,
        })
    }
}

impl SummaryArgs {
    pub fn query(&self) -> Result<SummaryQuery, Usage> {
        Ok(SummaryQuery {
            labels: all_labels(&self.labels)?,
            by: self.by.clone(),
        })
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

fn parse_label_key(s: &str) -> Result<String, healthmon_proto::labels::LabelError> {
    labels::check_key(s).map(|()| s.to_owned())
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

/// A command with every value checked and every file it names read: what
/// [`prepare`] makes of the command line before anything is sent, so that
/// a usage error (exit 2) is found first and changes nothing.
#[derive(Debug)]
pub struct Prepared {
    pub nats: NatsConfig,
    pub timeout: Duration,
    pub partitions: u16,
    pub job: Job,
}

#[derive(Debug)]
pub enum Job {
    Watch {
        subject: Option<String>,
        count: Option<u64>,
    },
    Sites {
        query: ListQuery,
        json: bool,
    },
    Site {
        site_id: String,
        json: bool,
    },
    Summary {
        query: SummaryQuery,
        json: bool,
    },
    Partition {
        site_id: String,
    },
    Apply {
        file: RosterFile,
        options: ApplyOptions,
        registry: RegistryConfig,
    },
    Export {
        output: Option<PathBuf>,
        registry: RegistryConfig,
    },
    Admin {
        client: ApiClient,
        request: Request,
        json: bool,
    },
}

/// Checks the command line: what it refuses is a [`Usage`] error.
pub fn prepare(cli: Cli) -> Result<Prepared, Usage> {
    let nats = cli.nats.into_config()?;
    let timeout = cli.timeout;
    let registry = |args: &RegistryArgs| args.config().map_err(Usage::from);
    let admin = |api: &ApiArgs, request: Request| -> Result<Job, Usage> {
        Ok(Job::Admin {
            client: ApiClient::new(api, timeout)?,
            request,
            json: api.json,
        })
    };
    let job = match cli.command {
        Command::Watch { subject, count } => Job::Watch { subject, count },
        Command::Sites(args) => Job::Sites {
            query: args.query()?,
            json: args.json,
        },
        Command::Site { site_id, json } => Job::Site { site_id, json },
        Command::Summary(args) => Job::Summary {
            query: args.query()?,
            json: args.json,
        },
        Command::Partition { site_id } => Job::Partition { site_id },
        Command::Fleet(FleetCommand::Apply {
            file,
            dry_run,
            prune,
            registry: args,
        }) => Job::Apply {
            registry: registry(&args)?,
            file: fleet::read_roster(&file)?,
            options: ApplyOptions { dry_run, prune },
        },
        Command::Fleet(FleetCommand::Export {
            output,
            registry: args,
        }) => Job::Export {
            output,
            registry: registry(&args)?,
        },
        Command::Maintenance(MaintenanceCommand::Set {
            target,
            for_duration,
            until,
            reason,
            api,
        }) => {
            let request = Request::set_maintenance(
                &target,
                for_duration,
                until,
                reason.as_deref(),
                now_ms(),
            )?;
            admin(&api, request)?
        }
        Command::Maintenance(MaintenanceCommand::Clear { target, api }) => {
            admin(&api, Request::clear_maintenance(&target))?
        }
        Command::Forget { site_id, api } => admin(&api, Request::forget(&site_id))?,
        Command::Labels {
            site_id,
            labels,
            clear,
            api,
        } => admin(&api, Request::labels(&site_id, &labels, clear)?)?,
        Command::Ack { site_id, note, api } => {
            admin(&api, Request::ack(&site_id, note.as_deref()))?
        }
        Command::Unack { site_id, api } => admin(&api, Request::unack(&site_id))?,
    };
    Ok(Prepared {
        nats,
        timeout,
        partitions: cli.partitions,
        job,
    })
}

/// Runs a prepared command. `shutdown` (Ctrl-C) ends `watch` cleanly.
pub async fn run(prepared: Prepared, shutdown: CancellationToken) -> Result<(), CliError> {
    let Prepared {
        nats: nats_config,
        timeout,
        partitions,
        job,
    } = prepared;
    let now = now_ms();
    match job {
        Job::Partition { site_id } => {
            let index = healthmon_proto::Partition::of_site(&site_id, partitions);
            return print(false, &index, || format!("{index}\n"));
        }
        Job::Admin {
            client,
            request,
            json,
        } => {
            let answer = client.send(&request).await?;
            let text = admin::describe(request.kind, &answer, now_ms())?;
            return print(json, &answer, || clean_lines(&text));
        }
        _ => {}
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
    match job {
        Job::Watch { subject, count } => {
            let subject = subject.unwrap_or_else(|| format!("{}.>", subjects.prefix()));
            watch::watch(&client, subjects, &subject, count, shutdown).await
        }
        Job::Summary { query, json } => {
            let summary = aggregator.summary(&query).await.map_err(failed)?;
            print(json, &summary, || {
                let counts = match &summary.by {
                    Some(by) => render::summary_groups(by, &summary),
                    None => render::summary(&summary.totals),
                };
                counts + &render::incidents(&summary.incidents, now)
            })
        }
        Job::Sites { query, json } => {
            let page = aggregator.list(&query).await.map_err(failed)?;
            print(json, &page, || render::sites(&page, now))
        }
        Job::Site { site_id, json } => {
            let detail = match aggregator.get(&site_id).await {
                Err(QueryError::Service { code: 404, .. }) => Err(CliError::UnknownSite(site_id)),
                other => other.map_err(failed),
            }?;
            print(json, &detail, || render::site(&detail, now))
        }
        Job::Apply {
            file,
            options,
            registry,
        } => {
            let who = match &nats_config.auth {
                NatsAuth::UserPassword { user, .. } => Some(user.as_str()),
                _ => None,
            };
            let registry = Registry::new(client.clone(), registry);
            let applier = fleet::Applier::here(who);
            let text = fleet::apply(&client, subjects, &registry, &file, options, &applier).await?;
            print(false, &(), || text)
        }
        Job::Export { output, registry } => {
            let registry = Registry::new(client.clone(), registry);
            let (text, count) = fleet::export(&registry).await?;
            match output {
                None => print(false, &(), || text),
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| CliError::WriteFile {
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    })?;
                    eprintln!("exported {count} sites to {}", path.display());
                    Ok(())
                }
            }
        }
        Job::Partition { .. } | Job::Admin { .. } => Ok(()),
    }
}

/// Text from elsewhere (the API's answers), each line without control
/// characters that could drive the terminal.
fn clean_lines(text: &str) -> String {
    text.lines().map(|l| table::clean(l) + "\n").collect()
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
