//! The tail of every binary's `main`: build one tokio runtime, run the
//! service (or command) until it ends or SIGTERM/Ctrl-C arrives, and turn
//! the outcome into the process's exit code.
//!
//! Usage errors never get here: flags are validated first and exit 2
//! ([`crate::cli::exit_usage`]). A runtime error prints one `error:` line
//! and exits 1.

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

/// How many worker threads the runtime gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// One thread: the collector at a site and the CLI, where a small
    /// footprint matters more than parallelism.
    One,
    /// A worker per core: the central services.
    PerCore,
}

/// Runs `main` with a token cancelled on the first SIGTERM or Ctrl-C;
/// `ExitCode::SUCCESS` when it returns `Ok`, else prints `error: <e>` and
/// returns `ExitCode::FAILURE`.
pub fn run_to_exit<E, F, Fut>(threads: Threads, main: F) -> ExitCode
where
    E: Display,
    F: FnOnce(CancellationToken) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let built = match threads {
        Threads::One => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Threads::PerCore => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    };
    let runtime = match built {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(async { main(crate::shutdown::on_signal()).await }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
