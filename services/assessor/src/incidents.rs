//! Incidents on `<prefix>.incident`: sites that fell silent together, said
//! once for all of them. A leaf node lost with N sites behind it is one
//! incident ("leaf eu-1 lost at …, 38 sites behind it") rather than N
//! unrelated outages; the sites' own events still follow, each naming the
//! link. Same conventions as centre events: a MessagePack map with string
//! keys, plus headers for `nats sub 'health.incident'`.

use async_nats::Client;
use healthmon_proto::{Subjects, WIRE_VERSION};
use serde::{Deserialize, Serialize};

/// Header naming the incident's kind (`link`).
pub const HEADER_INCIDENT: &str = "Healthmon-Incident";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub v: u32,
    /// Stable per cause: `link:<leaf name>`.
    pub id: String,
    /// `link`: a leaf node's connection to the centre closed.
    pub kind: String,
    /// When the link was lost, unix ms (the server's clock).
    pub at_ms: u64,
    /// Sites behind it, by their `leaf` label.
    pub sites: usize,
    /// Of those, the ones online until now and late from this moment.
    pub silenced: usize,
    pub reason: String,
}

impl Incident {
    pub fn link_lost(leaf: &str, at_ms: u64, sites: usize, silenced: usize, reason: &str) -> Self {
        Incident {
            v: WIRE_VERSION,
            id: format!("link:{leaf}"),
            kind: "link".into(),
            at_ms,
            sites,
            silenced,
            reason: format!("{reason}, {sites} sites behind it"),
        }
    }
}

pub async fn publish(
    client: &Client,
    subjects: &Subjects,
    incident: &Incident,
) -> Result<(), async_nats::PublishError> {
    crate::events::publish_msgpack(
        client,
        subjects.incidents(),
        &[(HEADER_INCIDENT, incident.kind.as_str())],
        healthmon_proto::encode(incident),
    )
    .await
}
