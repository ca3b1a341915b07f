//! `healthmon-bench`: runs every benchmark section, prints a table and
//! writes JSON (see `scripts/bench.sh`, which builds the release binaries
//! first). `healthmon-bench count` is the bare subscriber it starts itself.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use healthmon_bench::{Ctx, Scale, counter, run, table};
use healthmon_proto::Subjects;
use healthmon_test_support::find_on_path;

/// Benchmarks healthmon with real processes on this machine.
#[derive(Debug, Parser)]
#[command(name = "healthmon-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Tiny scale, seconds in total (what CI runs to keep the harness working).
    #[arg(long)]
    quick: bool,
    /// Sites of the ingest, latency, detection and API sections [default: 100000; quick 2000].
    #[arg(long)]
    sites: Option<usize>,
    /// Reports of the ingest section [default: 10 per site].
    #[arg(long)]
    reports: Option<usize>,
    /// Reports/s of the steady stream of the latency and detection sections [default: 10000; quick 2000].
    #[arg(long)]
    rate: Option<u64>,
    /// Sites silenced in the detection section [default: 1% of --sites].
    #[arg(long)]
    silence: Option<usize>,
    /// The two fleet sizes of the memory section [default: SITES,10×SITES].
    #[arg(long, value_delimiter = ',', num_args = 2)]
    memory_sites: Option<Vec<usize>>,
    /// Registered sites the registry section loads at each service's start [default: 100000; quick 2000].
    #[arg(long)]
    registry_sites: Option<usize>,
    /// Maintenance actions the registry section times until every replica shows them [default: 200; quick 20].
    #[arg(long)]
    registry_actions: Option<usize>,
    /// Run only these sections (ingest, steady, memory, collector, api, registry).
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(run::SECTIONS))]
    only: Vec<String>,
    /// Where the soak's records are, for the soak rows of the targets.
    #[arg(long, default_value = healthmon_soak::record::DEFAULT_DIR)]
    soak_dir: PathBuf,
    /// Where to write the JSON results.
    #[arg(long, default_value = "target/bench/results.json")]
    out: PathBuf,
    /// Directory of the healthmon service binaries [default: this binary's directory].
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Run the healthmon services under `perf record`, one profile each in DIR
    /// (`perf report -i DIR/<section>-<binary>.perf`); RSS and CPU figures are then invalid.
    #[arg(long, value_name = "DIR")]
    profile: Option<PathBuf>,
    #[arg(long, env = "NODE_EXPORTER_BIN")]
    node_exporter: Option<PathBuf>,
    #[arg(long, env = "WRK_BIN")]
    wrk: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The bare subscriber of the ingest section (started by the bench itself).
    #[command(hide = true)]
    Count {
        #[arg(long)]
        nats_url: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        expect: u64,
        /// Give up after this long without a message.
        #[arg(long, default_value_t = 5)]
        idle_seconds: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(main_async(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn main_async(cli: Cli) -> Result<ExitCode> {
    if let Some(Command::Count {
        nats_url,
        subject,
        expect,
        idle_seconds,
    }) = &cli.command
    {
        let idle = Duration::from_secs(*idle_seconds);
        let result = counter::run(nats_url, subject, *expect, idle).await?;
        println!("{}", serde_json::to_string(&result)?);
        return Ok(ExitCode::SUCCESS);
    }
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let ctx = context(&cli)?;
    eprintln!(
        "bench: binaries from {}, logs in {}",
        ctx.bin_dir.display(),
        ctx.log_dir.display()
    );
    let report = run::run(&ctx, &cli.only, command).await;
    print!("{}", table::render(&report));
    if let Some(dir) = cli.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(&cli.out, json + "\n")
        .with_context(|| format!("write {}", cli.out.display()))?;
    println!("results: {}", cli.out.display());
    Ok(if run::any_failed(&report.sections) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn context(cli: &Cli) -> Result<Ctx> {
    let mut scale = if cli.quick {
        Scale::quick()
    } else {
        Scale::full()
    };
    if let Some(sites) = cli.sites {
        scale = scale.with_sites(sites);
    }
    if let Some(reports) = cli.reports {
        scale.reports = reports.max(1);
    }
    if let Some(rate) = cli.rate {
        scale.rate = rate.max(1);
    }
    if let Some(silence) = cli.silence {
        scale.silence = silence.max(1);
    }
    if let Some(sizes) = &cli.memory_sites {
        scale.memory_sites = [sizes[0], sizes[1]];
    }
    if let Some(sites) = cli.registry_sites {
        scale.registry_sites = sites.max(1);
    }
    if let Some(actions) = cli.registry_actions {
        scale.registry_actions = actions.max(2);
    }
    let self_exe = std::env::current_exe().context("locate this binary")?;
    let bin_dir = match &cli.bin_dir {
        Some(dir) => dir.clone(),
        None => self_exe.parent().context("binary directory")?.to_owned(),
    };
    let log_dir = PathBuf::from(format!("{}.logs", cli.out.display()));
    clear_logs(&log_dir);
    let tool = |given: &Option<PathBuf>, name: &str| {
        given
            .clone()
            .or_else(|| find_on_path(name))
            .unwrap_or_else(|| PathBuf::from(format!("/usr/bin/{name}")))
    };
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Ok(Ctx {
        node_exporter: tool(&cli.node_exporter, "prometheus-node-exporter"),
        wrk: tool(&cli.wrk, "wrk"),
        scale,
        bin_dir,
        self_exe,
        log_dir,
        subjects: Subjects::default(),
        instance: format!("bench-{started:x}"),
        profile_dir: cli.profile.clone(),
        soak_dir: cli.soak_dir.clone(),
    })
}

/// Removes the previous run's logs (only the files this harness writes).
fn clear_logs(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("log" | "toml" | "txt")
        ) {
            let _ = std::fs::remove_file(path);
        }
    }
}
