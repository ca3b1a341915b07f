//! Incidents on `<prefix>.incident`: sites that fell silent together, said
//! once for all of them ([`healthmon_proto::incident`]).
//!
//! Two kinds, both over a group of sites sharing one label value:
//! - `link`: the server reported a leaf node's connection closed and the
//!   sites whose `leaf` label names it are behind it ("leaf eu-1 lost at
//!   …, 38 sites behind it"), opened at once by the advisory;
//! - `group`: at least `[incidents] min_sites` and at least `fraction` of
//!   the sites sharing the `--incident-label` value (or a `leaf` value)
//!   are late or offline ("5 of 6 sites with region=north silent").
//!
//! An incident closes when fewer than half that fraction of its sites are
//! still silent (hysteresis: one site coming and going at the threshold
//! must not open and close it over and over), or none. While the centre
//! suspects itself (mass silence) no group incident opens: the centre event
//! already says it all. The leader publishes each incident when it opens,
//! every [`REFRESH_MS`] while open, and when it closes; the sites' own
//! events still follow, each naming its cause.

use async_nats::Client;
use healthmon_proto::incident::REFRESH_MS;
use healthmon_proto::{Incident, Subjects};
use serde::Deserialize;

/// Header naming the incident's kind (`link`, `group`).
pub const HEADER_INCIDENT: &str = "Healthmon-Incident";
/// Header saying whether it is `open` or `closed`.
pub const HEADER_STATE: &str = "Healthmon-Incident-State";

/// How often open incidents are published again.
pub const REFRESH: std::time::Duration = std::time::Duration::from_millis(REFRESH_MS);

/// `[incidents]` of the rules file; `label` is usually set by `--incident-label`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentRule {
    /// The label whose values group sites besides `leaf`; none by default.
    pub label: Option<String>,
    /// Silent sites a group incident needs at least; at least 1.
    pub min_sites: usize,
    /// Share of a group's sites that must be silent; in (0, 1].
    pub fraction: f64,
}

impl Default for IncidentRule {
    fn default() -> Self {
        IncidentRule {
            label: None,
            min_sites: 3,
            fraction: 0.5,
        }
    }
}

impl IncidentRule {
    /// What is wrong, as (rules-file key, reason).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.min_sites == 0 {
            return Err(("incidents.min_sites".into(), "must be at least 1".into()));
        }
        if !(self.fraction > 0.0 && self.fraction <= 1.0) {
            return Err((
                "incidents.fraction".into(),
                format!("must be above 0 and at most 1, got {}", self.fraction),
            ));
        }
        if let Some(label) = &self.label {
            healthmon_proto::labels::check_key(label)
                .map_err(|e| ("incidents.label".to_owned(), e.to_string()))?;
        }
        Ok(())
    }

    /// Whether `silent` of `sites` open a group incident.
    pub fn opens(&self, sites: usize, silent: usize) -> bool {
        silent >= self.min_sites && silent as f64 >= self.fraction * sites as f64
    }

    /// Whether an open incident of `sites` with `silent` of them is over.
    pub fn closes(&self, sites: usize, silent: usize) -> bool {
        silent == 0 || (silent as f64) < self.fraction * sites as f64 / 2.0
    }
}

pub async fn publish(
    client: &Client,
    subjects: &Subjects,
    incident: &Incident,
) -> Result<(), async_nats::PublishError> {
    let state = if incident.is_open() { "open" } else { "closed" };
    crate::events::publish_msgpack(
        client,
        subjects.incidents(),
        &[
            (HEADER_INCIDENT, incident.kind.as_str()),
            (HEADER_STATE, state),
        ],
        healthmon_proto::encode(incident),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_defaults_need_three_silent_sites_and_half_the_group() {
        let rule = IncidentRule::default();
        assert!(!rule.opens(4, 2));
        assert!(rule.opens(4, 3));
        assert!(rule.opens(6, 3));
        assert!(!rule.opens(7, 3));
        assert!(!rule.closes(38, 10));
        assert!(rule.closes(38, 9));
        assert!(rule.closes(3, 0));
    }

    #[test]
    fn bad_settings_are_named_by_their_key() {
        let bad = |rule: IncidentRule| rule.validate().unwrap_err().0;
        let rule = IncidentRule::default;
        assert_eq!(
            bad(IncidentRule {
                min_sites: 0,
                ..rule()
            }),
            "incidents.min_sites"
        );
        assert_eq!(
            bad(IncidentRule {
                fraction: 0.0,
                ..rule()
            }),
            "incidents.fraction"
        );
        assert_eq!(
            bad(IncidentRule {
                fraction: 1.5,
                ..rule()
            }),
            "incidents.fraction"
        );
        let label = Some("not a key".to_owned());
        assert_eq!(bad(IncidentRule { label, ..rule() }), "incidents.label");
    }

    proptest! {
        /// Whatever opens an incident does not close it at once (the flag
        /// itself must not flap), and no silent site at all always closes.
        #[test]
        fn opening_and_closing_never_overlap(
            sites in 1usize..10_000,
            silent_share in 0.0f64..=1.0,
            min_sites in 1usize..50,
            fraction in 0.01f64..=1.0,
        ) {
            let rule = IncidentRule { label: None, min_sites, fraction };
            let silent = (sites as f64 * silent_share) as usize;
            prop_assert!(!(rule.opens(sites, silent) && rule.closes(sites, silent)));
            prop_assert!(rule.closes(sites, 0));
        }
    }
}
