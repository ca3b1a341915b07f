//! `healthmon`: see the library for the commands. Usage errors (bad flags,
//! a roster file that does not read, an unreadable token file) exit 2
//! before anything is sent; runtime errors print one `error: ...` line and
//! exit 1.

use std::process::ExitCode;

use clap::Parser;
use healthmon_cli::{Cli, prepare, run};
use healthmon_common::cli::exit_usage;
use healthmon_common::runtime::{Threads, run_to_exit};

fn main() -> ExitCode {
    let prepared = prepare(Cli::parse()).unwrap_or_else(|e| exit_usage(e));
    run_to_exit(Threads::One, |shutdown| run(prepared, shutdown))
}
