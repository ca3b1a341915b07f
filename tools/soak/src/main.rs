//! `healthmon-soak`: see the library docs. Usually run through `scripts/soak.sh`,
//! which builds the release binaries first. Exit 0: every criterion met;
//! 1: a criterion failed or the run could not be done; 2: bad flags.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use healthmon_common::cli::{exit_usage, parse_duration};
use healthmon_common::runtime::{Threads, run_to_exit};
use healthmon_common::{CancellationToken, ConfigError};
use healthmon_soak::record::{self, Record};
use healthmon_soak::settings::{Restart, Settings, default_warmup};

#[derive(Parser)]
#[command(
    name = "healthmon-soak",
    about = "Soak test of the aggregator and assessor"
)]
struct Cli {
    /// Simulated sites.
    #[arg(long, default_value_t = 100_000)]
    sites: usize,
    /// Report interval of every site.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    interval: Duration,
    /// How long the fleet reports.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    duration: Duration,
    /// Memory is judged after this (default: a fifth of the run, at least 3 intervals).
    #[arg(long, value_parser = parse_duration)]
    warmup: Option<Duration>,
    /// Sampling period (one table row each).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    sample_every: Duration,
    /// Also scrape both services' /metrics this often, as Prometheus would.
    #[arg(long, value_parser = parse_duration)]
    scrape_every: Option<Duration>,
    /// Restart part of the centre mid-run (the restart storm): time to every
    /// site current again, reports lost.
    #[arg(long, value_enum)]
    restart: Option<Restart>,
    /// When to restart (default: half-way through the run).
    #[arg(long, value_parser = parse_duration, requires = "restart")]
    restart_at: Option<Duration>,
    /// Allowed RSS growth after warm-up, percent (plus 8 MiB).
    #[arg(long = "rss-growth", default_value_t = 10.0)]
    rss_growth_pct: f64,
    /// Directory holding healthmon-aggregator and healthmon-assessor (default: this binary's).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// The nats-server binary.
    #[arg(long, env = "NATS_SERVER_BIN", default_value = "nats-server")]
    nats_server: PathBuf,
    /// Where logs and the nats-server config go (default: a new temporary directory).
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// Where the run's record goes (`steady.json`, `restart-<what>.json`),
    /// for `scripts/bench.sh`'s table of targets.
    #[arg(long, default_value = healthmon_soak::record::DEFAULT_DIR)]
    record_dir: PathBuf,
}

fn settings(cli: Cli) -> Result<Settings, ConfigError> {
    let bin_dir = match cli.bin_dir {
        Some(dir) => dir,
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(PathBuf::from))
            .ok_or_else(|| {
                ConfigError::invalid("--bin-dir", "cannot tell this binary's directory: pass it")
            })?,
    };
    let run_dir = cli.run_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("healthmon-soak-{}", std::process::id()))
    });
    let settings = Settings {
        sites: cli.sites,
        interval: cli.interval,
        duration: cli.duration,
        warmup: cli
            .warmup
            .unwrap_or_else(|| default_warmup(cli.duration, cli.interval)),
        sample_every: cli.sample_every,
        bin_dir,
        nats_server: cli.nats_server,
        run_dir,
        rss_growth_pct: cli.rss_growth_pct,
        scrape_every: cli.scrape_every,
        restart: cli
            .restart
            .map(|what| (what, cli.restart_at.unwrap_or(cli.duration / 2))),
    };
    settings.validate()?;
    Ok(settings)
}

/// The run as a user would repeat it: `scripts/soak.sh` and the flags
/// given, without the nats-server path the script adds.
fn command() -> String {
    let mut words = vec!["scripts/soak.sh".to_owned()];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--nats-server" {
            args.next();
        } else if !arg.starts_with("--nats-server=") {
            words.push(arg);
        }
    }
    words.join(" ")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let record_dir = cli.record_dir.clone();
    let settings = settings(cli).unwrap_or_else(|e| exit_usage(e));
    // Ctrl-C (or SIGTERM) ends the run early; what was measured is judged.
    run_to_exit(Threads::PerCore, |interrupt| async move {
        soak(settings, &record_dir, interrupt)
            .await
            .map_err(|e| format!("{e:#}"))
    })
}

/// Runs the soak, records it for the bench and prints the verdict; a
/// failed criterion is an error (exit 1) once each is listed.
async fn soak(
    settings: Settings,
    record_dir: &Path,
    interrupt: CancellationToken,
) -> anyhow::Result<()> {
    let kind = record::Kind::of(&settings);
    let figures = healthmon_soak::run::run(settings.clone(), interrupt).await?;
    let finished = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let record = Record::new(&settings, &figures, command(), finished);
    match record::write(record_dir, kind, &record) {
        Ok(path) => println!("\nrecord: {}", path.display()),
        Err(e) => eprintln!("warning: could not write the record: {e:#}"),
    }
    if record.failures.is_empty() {
        println!("\nverdict: PASS");
        return Ok(());
    }
    println!("\nverdict: FAIL");
    for failure in &record.failures {
        println!("  - {failure}");
    }
    anyhow::bail!("{} of the soak's criteria not met", record.failures.len())
}
