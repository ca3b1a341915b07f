//! Connectivity and health of a site, and the `StatusEvent` announcing a change.
//!
//! Both vocabularies decode unknown strings to `unknown`, so a newer assessor
//! cannot break an older consumer.

use serde::{Deserialize, Serialize};

use crate::judgement::Judgement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Connectivity {
    Online,
    Late,
    Offline,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Degraded,
    Critical,
    #[default]
    Unknown,
}

// Only strings are states (as for `NodeRole`): a derived enum would also
// take an integer as a variant index.
impl<'de> Deserialize<'de> for Connectivity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::names::string_only(d, |s| Connectivity::parse(s).unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for Health {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::names::string_only(d, |s| Health::parse(s).unwrap_or_default())
    }
}

impl Connectivity {
    pub const ALL: [Connectivity; 4] = [
        Connectivity::Online,
        Connectivity::Late,
        Connectivity::Offline,
        Connectivity::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Online => "online",
            Connectivity::Late => "late",
            Connectivity::Offline => "offline",
            Connectivity::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Health {
    pub const ALL: [Health; 4] = [
        Health::Healthy,
        Health::Degraded,
        Health::Critical,
        Health::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Critical => "critical",
            Health::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

impl std::fmt::Display for Connectivity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Worst-first rank of a site for lists and the dashboard: lower sorts first.
///
/// Offline beats everything (the site cannot tell us anything), and among
/// offline sites the last known health ranks them: an offline site that was
/// critical when it fell silent is worse news than one that was healthy.
/// Then critical, late (again by last known health), degraded, unknown, and
/// healthy online sites last ([`HEALTHY_RANK`]):
///
/// | rank | connectivity | health |
/// |---|---|---|
/// | 0 | offline | critical |
/// | 1 | offline | degraded |
/// | 2 | offline | healthy, unknown |
/// | 3 | online, late, unknown | critical |
/// | 4 | late | degraded |
/// | 5 | late | healthy, unknown |
/// | 6 | online, unknown | degraded |
/// | 7 | unknown, or online with unknown health | healthy, unknown |
/// | 8 | online | healthy |
pub fn severity_rank(connectivity: Connectivity, health: Health) -> u8 {
    use Connectivity::{Late, Offline, Online};
    use Health::{Critical, Degraded, Healthy};
    match (connectivity, health) {
        (Offline, Critical) => 0,
        (Offline, Degraded) => 1,
        (Offline, _) => 2,
        (_, Critical) => 3,
        (Late, Degraded) => 4,
        (Late, _) => 5,
        (_, Degraded) => 6,
        (Online, Healthy) => HEALTHY_RANK,
        (Connectivity::Unknown, _) | (_, Health::Unknown) => 7,
    }
}

/// The rank of a site with nothing wrong: online and healthy.
pub const HEALTHY_RANK: u8 = 8;

/// Published by the assessor on `<prefix>.status.<site_id>` whenever a site's
/// connectivity, health, or the set of firing rules changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    pub v: u32,
    pub site_id: String,
    /// Unix milliseconds, central clock.
    pub at_ms: u64,
    pub connectivity: Connectivity,
    #[serde(default)]
    pub previous_connectivity: Connectivity,
    pub health: Health,
    #[serde(default)]
    pub previous_health: Health,
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Central receive time of the last report, unix ms; nil when none was seen.
    #[serde(default)]
    pub last_report_ms: Option<u64>,
    /// Stale findings, flapping, recovering and the health score; absent
    /// from assessors before it, and when there is nothing to say.
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub judgement: Judgement,
}

#[cfg(test)]
mod tests;
