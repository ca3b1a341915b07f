//! Centre events on `<prefix>.centre.status`: the assessor says when it
//! suspects the centre (mass silence, see [`crate::mass_silence`]) and when
//! it stops doing so.
//!
//! Same conventions as status events: a MessagePack map with string keys
//! (unknown keys ignored), plus headers so `nats sub 'health.centre.>'` is
//! readable as is. The type lives here, not in the shared contract, because
//! only the assessor publishes it; consumers decode the documented keys.

use async_nats::Client;
use healthmon_proto::{Subjects, WIRE_VERSION};
use serde::{Deserialize, Serialize};

use crate::mass_silence::Change;

/// Header naming the centre's state (`suspect` or `normal`).
pub const HEADER_CENTRE: &str = "Healthmon-Centre";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CentreState {
    /// Sites are judged normally.
    Normal,
    /// Most sites fell silent at once: silent sites are held at `late`.
    Suspect,
}

impl CentreState {
    pub fn as_str(self) -> &'static str {
        match self {
            CentreState::Normal => "normal",
            CentreState::Suspect => "suspect",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreEvent {
    pub v: u32,
    /// Unix ms, central clock.
    pub at_ms: u64,
    pub state: CentreState,
    pub previous_state: CentreState,
    /// `suspected`, `resumed` (reports flow again) or `expired` (the hold
    /// limit passed and held sites are judged normally).
    pub cause: String,
    /// Human-readable explanation.
    pub reason: String,
    /// Late sites when the event was raised.
    pub silent_sites: usize,
    /// Online + late sites when the event was raised.
    pub watched_sites: usize,
}

impl CentreEvent {
    pub fn new(change: Change, at_ms: u64, silent: usize, watched: usize, reason: String) -> Self {
        let (previous_state, state, cause) = match change {
            Change::Suspected => (CentreState::Normal, CentreState::Suspect, "suspected"),
            Change::Resumed => (CentreState::Suspect, CentreState::Normal, "resumed"),
            Change::Expired => (CentreState::Suspect, CentreState::Normal, "expired"),
        };
        CentreEvent {
            v: WIRE_VERSION,
            at_ms,
            state,
            previous_state,
            cause: cause.into(),
            reason,
            silent_sites: silent,
            watched_sites: watched,
        }
    }
}

pub async fn publish(
    client: &Client,
    subjects: &Subjects,
    event: &CentreEvent,
) -> Result<(), async_nats::PublishError> {
    crate::events::publish_msgpack(
        client,
        subjects.centre_status(),
        &[(HEADER_CENTRE, event.state.as_str())],
        healthmon_proto::encode(event),
    )
    .await
}

#[cfg(test)]
mod tests;
