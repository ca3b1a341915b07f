//! Why a registry watch stopped. The watcher starts again after a pause;
//! meanwhile the text of [`Lost`] is the registry's `error` (what the
//! services' readiness and the page say) and its one log line per outage.

use thiserror::Error;

#[derive(Debug, Error)]
pub(super) enum Lost {
    /// The bucket could not be opened (`RegistryError::reason`).
    #[error("{0}")]
    Store(String),
    #[error("reading the bucket's state timed out")]
    StateTimedOut,
    #[error("starting the watch timed out")]
    WatchTimedOut,
    /// A quiet watch's probe got no answer: its server may be gone.
    #[error("the bucket does not answer")]
    Silent,
    /// A clustered stream whose replicas lost quorum still answers `info`
    /// from a surviving replica, but with no leader, and every write fails.
    #[error("the bucket's stream has no leader (no JetStream quorum)")]
    NoLeader,
    #[error("the watch ended")]
    Ended,
    /// What the NATS client said went wrong.
    #[error("{0}")]
    Nats(String),
}

impl Lost {
    /// A NATS client error, in its own words.
    pub(super) fn nats(error: impl std::error::Error) -> Lost {
        Lost::Nats(error.to_string())
    }
}
