//! What the `healthmon` command refuses before it sends anything: flags
//! that do not go together, a roster or token file that does not read, a
//! window that would end in the past. `main` prints it as clap prints its
//! own usage errors and exits 2; failures while running are
//! [`crate::CliError`]s (exit 1).

use healthmon_common::config_error::ConfigError;
use healthmon_proto::labels::LabelError;
use thiserror::Error;

/// A usage error, in words for the person who typed the command.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct Usage(pub String);

impl Usage {
    pub fn new(message: impl Into<String>) -> Self {
        Usage(message.into())
    }
}

/// Flags that do not make a valid connection or registry setting.
impl From<ConfigError> for Usage {
    fn from(error: ConfigError) -> Self {
        Usage(error.to_string())
    }
}

/// Labels given on the command line that no site may carry.
impl From<LabelError> for Usage {
    fn from(error: LabelError) -> Self {
        Usage(error.to_string())
    }
}
