//! Incidents: sites that fell silent together, said once for all of them.
//!
//! The assessor publishes an [`Incident`] on `<prefix>.incident` when it
//! opens (a leaf node lost with sites behind it, or most sites sharing the
//! `--incident-label` value falling silent), again every
//! [`REFRESH_MS`] while it stays open, and once more when it closes. Each
//! message carries the whole incident, so the latest one is its state: the
//! aggregator keeps the open ones and forgets an incident whose refreshes
//! stopped for [`EXPIRE_MS`] (its assessor is gone), and the fleet summary
//! lists them for the page.
//!
//! A MessagePack map with string keys like every other message; fields added
//! later are optional, and consumers ignore keys they do not know.

use serde::{Deserialize, Serialize};

/// How often an open incident is published again.
pub const REFRESH_MS: u64 = 30_000;
/// An open incident not heard of for this long is dropped by its holders.
pub const EXPIRE_MS: u64 = 3 * REFRESH_MS;

/// Whether an incident is still going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IncidentState {
    #[default]
    Open,
    Closed,
}

/// Sites that fell silent together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Incident {
    pub v: u32,
    /// Stable per group of sites: `<label>=<value>` (`leaf=eu-1`).
    pub id: String,
    /// `link`: the server reported a leaf node's connection closed;
    /// `group`: most sites sharing a label value fell silent.
    pub kind: String,
    #[serde(default)]
    pub state: IncidentState,
    /// The label the sites share (`leaf` for a link) and its value.
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub value: String,
    /// When it opened, unix ms.
    pub at_ms: u64,
    /// When it closed, unix ms (closed incidents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_ms: Option<u64>,
    /// Sites sharing the label value (behind the leaf).
    pub sites: usize,
    /// Of those, the ones late or offline now.
    #[serde(default)]
    pub silent: usize,
    /// Of those, the ones the cause made late at once (links; for groups,
    /// the silent ones when it opened).
    pub silenced: usize,
    pub reason: String,
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.state == IncidentState::Open
    }

    /// Whether a summary asked for `labels` may list it: the whole fleet
    /// sees every incident, a view narrowed to labels only the incident of
    /// exactly that label value (its sites may include others it cannot see).
    pub fn shown_to(&self, labels: &crate::labels::Labels) -> bool {
        labels.is_empty() || (labels.len() == 1 && labels.get(&self.label) == Some(&self.value))
    }
}

/// Incidents newest first, each once: every aggregator partition holds
/// them all, so a merged summary sees each as many times.
pub fn newest_first(incidents: Vec<Incident>) -> Vec<Incident> {
    let mut by_id = std::collections::BTreeMap::<String, Incident>::new();
    for incident in incidents {
        match by_id.get(&incident.id) {
            Some(held) if held.at_ms >= incident.at_ms => {}
            _ => {
                by_id.insert(incident.id.clone(), incident);
            }
        }
    }
    let mut all: Vec<Incident> = by_id.into_values().collect();
    all.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then_with(|| a.id.cmp(&b.id)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Labels;

    fn incident() -> Incident {
        Incident {
            v: crate::WIRE_VERSION,
            id: "region=north".into(),
            kind: "group".into(),
            state: IncidentState::Open,
            label: "region".into(),
            value: "north".into(),
            at_ms: 1,
            closed_ms: None,
            sites: 4,
            silent: 3,
            silenced: 3,
            reason: "3 of 4 sites with region=north fell silent".into(),
        }
    }

    #[test]
    fn round_trips_and_reads_the_first_version() {
        let i = incident();
        assert_eq!(crate::decode::<Incident>(&crate::encode(&i)).unwrap(), i);
        // The first published incidents had no state, label, value, silent.
        #[derive(Serialize)]
        struct First<'a> {
            v: u32,
            id: &'a str,
            kind: &'a str,
            at_ms: u64,
            sites: usize,
            silenced: usize,
            reason: &'a str,
        }
        let old = crate::encode(&First {
            v: 1,
            id: "leaf=eu-1",
            kind: "link",
            at_ms: 5,
            sites: 2,
            silenced: 2,
            reason: "r",
        });
        let read = crate::decode::<Incident>(&old).unwrap();
        assert!(read.is_open());
        assert_eq!((read.sites, read.silent), (2, 0));
    }

    #[test]
    fn merged_parts_list_each_incident_once_newest_first() {
        let mut older = incident();
        older.id = "leaf=eu-1".into();
        older.at_ms = 0;
        let mut reopened = incident();
        reopened.at_ms = 9;
        let merged = newest_first(vec![
            incident(),
            older.clone(),
            reopened.clone(),
            incident(),
        ]);
        assert_eq!(merged, [reopened, older]);
    }

    #[test]
    fn a_narrowed_view_sees_only_its_own_label_value() {
        let i = incident();
        let labels = |pairs: &[(&str, &str)]| -> Labels {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert!(i.shown_to(&Labels::new()));
        assert!(i.shown_to(&labels(&[("region", "north")])));
        assert!(!i.shown_to(&labels(&[("region", "south")])));
        assert!(!i.shown_to(&labels(&[("customer", "acme")])));
        assert!(!i.shown_to(&labels(&[("region", "north"), ("customer", "acme")])));
    }
}
