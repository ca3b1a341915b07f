//! What is wrong with a flag or a configuration value: the error every
//! service's and tool's flag validation returns, and what `main` reports as
//! a usage error (one line naming the flag, exit code 2, see
//! [`crate::cli::exit_usage`]).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// One flag (or config key) has a value that cannot be used.
    #[error("invalid value for {key}: {reason}")]
    Invalid { key: String, reason: String },
    /// Flags that go together, or exclude each other, were given wrongly.
    #[error("{0}")]
    Combination(String),
}

impl ConfigError {
    /// `--flag` (or `table.key`) is wrong because `reason`.
    pub fn invalid(key: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            reason: reason.to_string(),
        }
    }

    /// `Ok` while `holds`, else `--flag` is wrong because `reason`: one
    /// statement per rule of a config's validation, the rule stated as what
    /// must be true.
    pub fn ensure(
        holds: bool,
        key: impl Into<String>,
        reason: impl std::fmt::Display,
    ) -> Result<(), ConfigError> {
        if holds {
            Ok(())
        } else {
            Err(ConfigError::invalid(key, reason))
        }
    }

    pub fn combination(message: impl Into<String>) -> Self {
        ConfigError::Combination(message.into())
    }
}

/// The error of a clap value parser (`value_parser = parse_duration`): clap
/// prefixes it with the flag's name, so it says only what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct BadValue(pub String);
