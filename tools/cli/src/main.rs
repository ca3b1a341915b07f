//! `healthmon`: see the library for the commands. Usage errors exit 2 (clap),
//! runtime errors print one `error: ...` line and exit 1.

use std::process::ExitCode;

use clap::Parser;
use healthmon_cli::{Cli, run_partitioned};
use healthmon_common::cli::exit_usage;
use healthmon_common::runtime::{Threads, run_to_exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let nats = cli.nats.into_config().unwrap_or_else(|e| exit_usage(e));
    run_to_exit(Threads::One, |shutdown| {
        run_partitioned(cli.command, nats, cli.timeout, cli.partitions, shutdown)
    })
}
