//! The open incidents the assessor announced (`<prefix>.incident`), held
//! for the fleet summary: the latest message of each incident is its state,
//! a closed one is dropped, and one whose refreshes stopped for
//! [`EXPIRE_MS`] is dropped too (its assessor is gone, and a new one
//! announces what it sees). Pure: time comes in as an argument.

use std::collections::HashMap;

use healthmon_proto::Incident;
use healthmon_proto::incident::{EXPIRE_MS, newest_first};
use healthmon_proto::labels::Labels;

#[derive(Debug, Default)]
pub struct HeldIncidents {
    /// By id: the incident and when it was last heard of, unix ms.
    open: HashMap<String, (Incident, u64)>,
}

impl HeldIncidents {
    /// Takes the latest word on an incident.
    pub fn hear(&mut self, incident: Incident, now_ms: u64) {
        self.expire(now_ms);
        if incident.is_open() {
            self.open.insert(incident.id.clone(), (incident, now_ms));
        } else {
            self.open.remove(&incident.id);
        }
    }

    /// The open incidents a summary for `labels` may list, newest first.
    pub fn shown_to(&self, labels: &Labels, now_ms: u64) -> Vec<Incident> {
        newest_first(
            self.open
                .values()
                .filter(|(incident, heard)| fresh(*heard, now_ms) && incident.shown_to(labels))
                .map(|(incident, _)| incident.clone())
                .collect(),
        )
    }

    fn expire(&mut self, now_ms: u64) {
        self.open.retain(|_, (_, heard)| fresh(*heard, now_ms));
    }
}

fn fresh(heard_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_sub(heard_ms) < EXPIRE_MS
}

#[cfg(test)]
mod tests {
    use super::*;
    use healthmon_proto::{IncidentState, WIRE_VERSION};

    fn incident(id: &str, at_ms: u64, state: IncidentState) -> Incident {
        Incident {
            v: WIRE_VERSION,
            id: id.into(),
            kind: "link".into(),
            state,
            label: "leaf".into(),
            value: id.trim_start_matches("link:").into(),
            at_ms,
            closed_ms: None,
            sites: 2,
            silent: 2,
            silenced: 2,
            reason: "r".into(),
        }
    }

    #[test]
    fn an_incident_is_listed_until_it_closes() {
        let mut held = HeldIncidents::default();
        held.hear(incident("link:a", 1, IncidentState::Open), 10);
        held.hear(incident("link:b", 2, IncidentState::Open), 10);
        let ids = |held: &HeldIncidents| -> Vec<String> {
            held.shown_to(&Labels::new(), 20)
                .into_iter()
                .map(|i| i.id)
                .collect()
        };
        assert_eq!(ids(&held), ["link:b", "link:a"]);
        held.hear(incident("link:a", 1, IncidentState::Closed), 15);
        assert_eq!(ids(&held), ["link:b"]);
    }

    #[test]
    fn an_incident_nobody_refreshes_goes_away() {
        let mut held = HeldIncidents::default();
        held.hear(incident("link:a", 1, IncidentState::Open), 0);
        assert_eq!(held.shown_to(&Labels::new(), EXPIRE_MS - 1).len(), 1);
        assert!(held.shown_to(&Labels::new(), EXPIRE_MS).is_empty());
        held.hear(incident("link:b", 1, IncidentState::Open), EXPIRE_MS);
        assert_eq!(
            held.open.len(),
            1,
            "expired ones are dropped on the next word"
        );
    }
}
