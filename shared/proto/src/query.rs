//! The JSON request/reply protocol of healthmon's NATS micro services.
//!
//! JSON rather than MessagePack here: these are small, human-inspectable
//! queries (`nats req health.agg.summary ''` prints readable output), and the
//! dashboard API passes the answers on as JSON anyway.
//!
//! Aggregator (`healthmon-aggregator`, group `<p>.agg`):
//! - `summary`: [`SummaryQuery`] (empty = the whole fleet) → [`FleetSummary`];
//! - `list`: [`ListQuery`] (empty = defaults) → [`SitePage`];
//! - `get`: [`GetQuery`] → [`SiteDetail`], or service error 404.
//!
//! Admin actions (maintenance, forget, labels, acknowledgements) are not
//! requests to any one replica: they are written to the fleet registry
//! (`healthmon-registry`), which every replica watches.
//!
//! Assessor (`healthmon-assessor`, group `<p>.assessor`):
//! - `statuses`: [`PageQuery`] → [`StatusPage`], so a restarted aggregator
//!   learns every site's current connectivity and health.
//!
//! Errors are NATS micro error replies: header `Nats-Service-Error-Code`
//! (400 bad request, 404 unknown site, 500 internal) and `Nats-Service-Error`.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::fleet::{Ack, Maintenance, SiteRecord};
use crate::judgement::{Deduction, Judgement};
use crate::labels::Labels;
use crate::report::HealthReport;
use crate::status::{Connectivity, HEALTHY_RANK, Health, severity_rank};

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;
/// Reasons a list row carries at most (the detail has them all): one row per
/// site times up to [`MAX_LIMIT`] rows must stay well inside NATS's 1 MB
/// payload even for a site with hundreds of disconnected connections.
pub const MAX_ROW_REASONS: usize = 3;

/// The first [`MAX_ROW_REASONS`] reasons, and a note of how many more there are.
pub fn row_reasons(reasons: &[String]) -> Vec<String> {
    if reasons.len() <= MAX_ROW_REASONS {
        return reasons.to_vec();
    }
    let mut row = reasons[..MAX_ROW_REASONS].to_vec();
    row.push(format!("and {} more", reasons.len() - MAX_ROW_REASONS));
    row
}

/// A judgement cut for a list row: at most [`MAX_ROW_REASONS`] stale
/// reasons and deductions, each list ending with "and N more" when cut
/// (the detail has them all).
pub fn row_judgement(judgement: &Judgement) -> Judgement {
    let mut row = judgement.clone();
    row.stale_reasons = row_reasons(&judgement.stale_reasons);
    if row.score_off.len() > MAX_ROW_REASONS {
        let more = row.score_off.len() - MAX_ROW_REASONS;
        row.score_off.truncate(MAX_ROW_REASONS);
        row.score_off.push(Deduction {
            points: 0,
            reason: format!("and {more} more"),
        });
    }
    row
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Worst first (see [`crate::status::severity_rank`]); within a rank
    /// that is a problem, the unacknowledged before the acknowledged, each
    /// the longest-standing first; then by site id. Sites under maintenance
    /// come last.
    #[default]
    Severity,
    SiteId,
}

/// The rank of a site under maintenance when sorting by severity: after
/// every other site, whatever its status.
pub const MAINTENANCE_RANK: u8 = u8::MAX;

/// Where a site goes in a list before its id breaks the tie: the key of the
/// aggregator's severity index, and what merging partitions' pages compares
/// (through [`SortOrder::compare`]), so both always agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Place {
    /// [`SortOrder::rank`].
    pub rank: u8,
    /// In a rank [`SortOrder::timed`] orders by time, an acknowledged
    /// problem (someone is on it) comes after every unacknowledged one of
    /// its rank, and only then by time. `false` elsewhere.
    pub acknowledged: bool,
    /// In a rank [`SortOrder::timed`] orders by time: when the site's
    /// current status began (unix ms; `u64::MAX` when unknown, so a site
    /// whose status has no start yet comes after those that have one).
    /// 0 elsewhere, so those ranks order by site id alone.
    pub since_ms: u64,
}

impl SortOrder {
    /// The primary sort key of a site in a list. A site under maintenance is
    /// not failing: by severity it sorts after every other site. Site ids
    /// break ties (they are unique), see [`SortOrder::compare`].
    pub fn rank(self, connectivity: Connectivity, health: Health, maintenance: bool) -> u8 {
        match self {
            SortOrder::Severity if maintenance => MAINTENANCE_RANK,
            SortOrder::Severity => severity_rank(connectivity, health),
            SortOrder::SiteId => 0,
        }
    }

    /// Whether the sites of `rank` are ordered by how long their status has
    /// stood, the longest first: every rank of a problem when sorting by
    /// severity, so the problem an operator has ignored longest is on top.
    /// Healthy sites and sites under maintenance order by id, as does the
    /// whole list by site id.
    pub fn timed(self, rank: u8) -> bool {
        self == SortOrder::Severity && rank < HEALTHY_RANK
    }

    /// Where a site with this status goes; `acknowledged`: an
    /// acknowledgement applies to its current state; `status_since_ms` is
    /// when its connectivity or health last changed.
    pub fn place(
        self,
        connectivity: Connectivity,
        health: Health,
        maintenance: bool,
        acknowledged: bool,
        status_since_ms: Option<u64>,
    ) -> Place {
        let rank = self.rank(connectivity, health, maintenance);
        if !self.timed(rank) {
            return Place {
                rank,
                ..Place::default()
            };
        }
        Place {
            rank,
            acknowledged,
            since_ms: status_since_ms.unwrap_or(u64::MAX),
        }
    }

    /// The order of `list` rows: the aggregator sorts its page with it, and
    /// whoever merges the pages of several partitions' aggregators must use
    /// it too, or a merged page differs from one aggregator's.
    pub fn compare(self, a: &SiteSummary, b: &SiteSummary) -> Ordering {
        let key = |row: &SiteSummary| {
            self.place(
                row.connectivity,
                row.health,
                row.maintenance,
                row.acknowledged,
                row.status_since_ms,
            )
        };
        (key(a), a.site_id.as_str()).cmp(&(key(b), b.site_id.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ListQuery {
    /// Any of these (empty: any connectivity).
    pub connectivity: Vec<Connectivity>,
    /// Any of these (empty: any health).
    pub health: Vec<Health>,
    /// Case-insensitive substring of the site id.
    pub search: Option<String>,
    /// Labels a site must all have (its effective labels: declared in the
    /// fleet registry, else sent by the site); empty: any.
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Only sites whose current problem is acknowledged (`true`), or only
    /// those without an acknowledgement that applies (`false`); absent: any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<bool>,
    pub sort: SortOrder,
    pub offset: usize,
    /// At most [`MAX_LIMIT`]; larger values are clamped.
    pub limit: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            connectivity: Vec::new(),
            health: Vec::new(),
            search: None,
            labels: Labels::new(),
            acknowledged: None,
            sort: SortOrder::Severity,
            offset: 0,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl ListQuery {
    pub fn matches(&self, site_id: &str, connectivity: Connectivity, health: Health) -> bool {
        (self.connectivity.is_empty() || self.connectivity.contains(&connectivity))
            && (self.health.is_empty() || self.health.contains(&health))
            && self.search.as_deref().is_none_or(|needle| {
                site_id
                    .to_ascii_lowercase()
                    .contains(&needle.to_ascii_lowercase())
            })
    }

    /// Whether a site with (`true`) or without an acknowledgement that
    /// applies passes the `acknowledged` filter.
    pub fn admits_ack(&self, acknowledged: bool) -> bool {
        self.acknowledged
            .is_none_or(|wanted| wanted == acknowledged)
    }

    pub fn effective_limit(&self) -> usize {
        self.limit.min(MAX_LIMIT)
    }
}

/// One row of the site list: what a table of sites shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SiteSummary {
    pub site_id: String,
    pub connectivity: Connectivity,
    pub health: Health,
    /// At most [`MAX_ROW_REASONS`], then "and N more" (the detail has all).
    pub reasons: Vec<String>,
    /// Central receive time of the latest report, unix ms.
    pub last_report_ms: Option<u64>,
    /// When connectivity or health last changed, unix ms (central clock).
    pub status_since_ms: Option<u64>,
    pub interval_ms: Option<u64>,
    pub active_node: Option<String>,
    pub connections_up: u32,
    pub connections_total: u32,
    pub script_errors_per_min: f64,
    pub alarm_errors_per_min: f64,
    pub sf_buffer_total: u64,
    /// Reports missing from `seq` gaps within one collector instance, since first seen.
    pub lost_reports: u64,
    /// Under maintenance (set by an admin): shown, but not counted as failing.
    #[serde(default)]
    pub maintenance: bool,
    /// Its effective labels (declared in the fleet registry, else sent by the site).
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Someone acknowledged its current problem (it no longer applies once
    /// the site's state changes).
    #[serde(default)]
    pub acknowledged: bool,
    /// Stale findings, flapping, recovering and the score, lists cut as
    /// `reasons` are ([`row_judgement`]).
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub judgement: Judgement,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SitePage {
    /// Sites matching the filter (before offset/limit).
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub sites: Vec<SiteSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct GetQuery {
    pub site_id: String,
}

/// Everything central knows about one site.
impl SiteSummary {
    /// A row with only its identity and status set, the rest empty: where
    /// merging and ordering rows is what matters (tests of both, above all).
    pub fn new(site_id: impl Into<String>, connectivity: Connectivity, health: Health) -> Self {
        SiteSummary {
            site_id: site_id.into(),
            connectivity,
            health,
            reasons: Vec::new(),
            last_report_ms: None,
            status_since_ms: None,
            interval_ms: None,
            active_node: None,
            connections_up: 0,
            connections_total: 0,
            script_errors_per_min: 0.0,
            alarm_errors_per_min: 0.0,
            sf_buffer_total: 0,
            lost_reports: 0,
            maintenance: false,
            labels: Labels::new(),
            acknowledged: false,
            judgement: Judgement::default(),
        }
    }
}

// Optional keys are left out when empty, but for the three a client reads
// as null (`serialize_always`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SiteDetail {
    pub site_id: String,
    pub connectivity: Connectivity,
    pub health: Health,
    pub reasons: Vec<String>,
    #[serialize_always]
    pub last_report_ms: Option<u64>,
    /// The same receive time to the microsecond, unix µs: the aggregator's
    /// own ingest timestamp, what a latency probe compares with the moment
    /// it published (no query round trip in between).
    pub received_at_us: Option<u64>,
    #[serialize_always]
    pub status_since_ms: Option<u64>,
    pub lost_reports: u64,
    /// The latest accepted report, with the wire keys.
    #[serialize_always]
    pub report: Option<HealthReport>,
    /// Under maintenance (set by an admin): shown, but not counted as failing.
    #[serde(default)]
    pub maintenance: bool,
    /// Its effective labels (declared in the fleet registry, else sent by the site).
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// The maintenance window, while one is open.
    pub maintenance_window: Option<Maintenance>,
    /// The acknowledgement of its current problem, while it applies.
    pub ack: Option<Ack>,
    /// What the fleet registry holds of it; absent for a site it does not list.
    pub registry: Option<SiteRecord>,
    /// Stale findings, flapping, recovering and the score with what took
    /// points off it.
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub judgement: Judgement,
}

/// Answer of the dashboard API's forget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Forgotten {
    pub site_id: String,
}

/// Request of `<p>.agg.summary`: empty means the whole fleet, ungrouped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SummaryQuery {
    /// Only sites with all these labels (a token's scope).
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Also count per value of this label key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// Answer of `<p>.agg.summary`: the counts (the [`Summary`] keys, so older
/// clients read it as one), and with `by` the counts per label value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct FleetSummary {
    #[serde(flatten)]
    pub totals: Summary,
    /// The label key of `groups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// One per value of `by` (`value` null: sites without that label),
    /// worst first (most offline, then critical, late, degraded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<SummaryGroup>,
    /// Open incidents the summary's labels may see (see
    /// [`Incident::shown_to`](crate::Incident::shown_to)), newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<crate::Incident>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SummaryGroup {
    pub value: Option<String>,
    #[serde(flatten)]
    pub counts: Summary,
}

impl FleetSummary {
    /// The answer of several partitions (or parts of a fleet) as one: the
    /// totals and each group's counts added up, groups worst first.
    pub fn merge(parts: impl IntoIterator<Item = FleetSummary>) -> FleetSummary {
        let mut totals = Summary::default();
        let mut by = None;
        let mut groups: std::collections::BTreeMap<Option<String>, Summary> = Default::default();
        let mut incidents: Vec<crate::Incident> = Vec::new();
        for part in parts {
            totals.add(&part.totals);
            by = by.or(part.by);
            for group in part.groups {
                groups.entry(group.value).or_default().add(&group.counts);
            }
            incidents.extend(part.incidents);
        }
        FleetSummary {
            incidents: crate::incident::newest_first(incidents),
            ..FleetSummary::grouped(totals, by, groups)
        }
    }

    /// A summary with its groups, ordered worst first.
    pub fn grouped(
        totals: Summary,
        by: Option<String>,
        groups: std::collections::BTreeMap<Option<String>, Summary>,
    ) -> FleetSummary {
        let mut groups: Vec<SummaryGroup> = groups
            .into_iter()
            .map(|(value, counts)| SummaryGroup { value, counts })
            .collect();
        groups.sort_by(SummaryGroup::compare);
        FleetSummary {
            totals,
            by,
            groups,
            incidents: Vec::new(),
        }
    }
}

impl SummaryGroup {
    /// Worst first: more offline, then more critical, late, degraded; then by value.
    pub fn compare(a: &SummaryGroup, b: &SummaryGroup) -> Ordering {
        let key = |g: &SummaryGroup| {
            let c = &g.counts;
            std::cmp::Reverse((c.offline, c.critical, c.late, c.degraded))
        };
        key(a).cmp(&key(b)).then_with(|| a.value.cmp(&b.value))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Summary {
    pub total: usize,
    pub online: usize,
    pub late: usize,
    pub offline: usize,
    pub unknown: usize,
    pub healthy: usize,
    pub degraded: usize,
    pub critical: usize,
    /// Sites under maintenance: counted in `total` and here only, in no
    /// connectivity or health bucket (so never as offline or critical).
    #[serde(default)]
    pub maintenance: usize,
}

impl Summary {
    /// Adds another summary's counts (of a disjoint set of sites).
    pub fn add(&mut self, other: &Summary) {
        self.total += other.total;
        self.online += other.online;
        self.late += other.late;
        self.offline += other.offline;
        self.unknown += other.unknown;
        self.healthy += other.healthy;
        self.degraded += other.degraded;
        self.critical += other.critical;
        self.maintenance += other.maintenance;
    }

    /// Counts a site under maintenance.
    pub fn count_maintenance(&mut self) {
        self.count_maintenance_many(1);
    }

    pub fn count(&mut self, connectivity: Connectivity, health: Health) {
        self.count_many(connectivity, health, 1);
    }

    /// Counts `n` sites under maintenance at once.
    pub fn count_maintenance_many(&mut self, n: usize) {
        self.total += n;
        self.maintenance += n;
    }

    /// Counts `n` sites of the same status at once.
    pub fn count_many(&mut self, connectivity: Connectivity, health: Health, n: usize) {
        self.total += n;
        match connectivity {
            Connectivity::Online => self.online += n,
            Connectivity::Late => self.late += n,
            Connectivity::Offline => self.offline += n,
            Connectivity::Unknown => self.unknown += n,
        }
        match health {
            Health::Healthy => self.healthy += n,
            Health::Degraded => self.degraded += n,
            Health::Critical => self.critical += n,
            Health::Unknown => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PageQuery {
    pub offset: usize,
    pub limit: usize,
}

impl Default for PageQuery {
    fn default() -> Self {
        PageQuery {
            offset: 0,
            limit: MAX_LIMIT,
        }
    }
}

/// The assessor's current view of one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct StatusRow {
    pub site_id: String,
    pub connectivity: Connectivity,
    pub health: Health,
    pub reasons: Vec<String>,
    pub last_report_ms: Option<u64>,
    pub since_ms: u64,
    #[serde(default, skip_serializing_if = "Judgement::is_empty")]
    pub judgement: Judgement,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct StatusPage {
    pub total: usize,
    pub items: Vec<StatusRow>,
}

#[cfg(test)]
mod tests;
