//! What the `healthmon` command refuses before it sends anything: flags
//! that do not go together, a roster or token file that does not read, a
//! window that would end in the past. `main` prints it as clap prints its
//! own usage errors and exits 2; failures while running are
//! [`crate::CliError`]s (exit 1).

use thiserror::Error;

/// A usage error, in words for the person who typed the command.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct Usage(pub String);

impl From<String> for Usage {
    fn from(message: String) -> Self {
        Usage(message)
    }
}

impl From<&str> for Usage {
    fn from(message: &str) -> Self {
        Usage(message.to_owned())
    }
}
