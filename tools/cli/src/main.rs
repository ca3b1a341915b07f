//! `healthmon`: see the library for the commands. Usage errors exit 2 (clap),
//! runtime errors print one `error: ...` line and exit 1.

use std::process::ExitCode;

use clap::Parser;
use healthmon_cli::{Cli, run_partitioned};
use healthmon_common::cli::exit_usage;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let nats = cli.nats.into_config().unwrap_or_else(|e| exit_usage(e));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let shutdown = healthmon_common::shutdown::on_signal();
        run_partitioned(cli.command, nats, cli.timeout, cli.partitions, shutdown).await
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
