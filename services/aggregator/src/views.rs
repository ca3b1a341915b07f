//! Read-only views of the [`SiteTable`] in the shapes of the query protocol
//! (`healthmon_proto::query`): the fleet summary, one filtered and sorted page
//! of sites, and one site's detail.
//!
//! Each runs in one pass under the table lock, so the work per call is bounded
//! by the fleet size plus the page size: a page is selected in O(n) and only
//! its own rows are sorted and cloned.

use std::cmp::Ordering;

use healthmon_proto::query::{
    ListQuery, SiteDetail, SitePage, SiteSummary, SortOrder, Summary, row_reasons,
};
use healthmon_proto::status::severity_rank;

use crate::state::{SiteEntry, SiteTable};

impl SiteEntry {
    /// The site's row in a list.
    pub fn summary_row(&self, site_id: &str) -> SiteSummary {
        let report = self.report.as_ref();
        SiteSummary {
            site_id: site_id.to_owned(),
            connectivity: self.connectivity,
            health: self.health,
            reasons: row_reasons(&self.reasons),
            last_report_ms: self.last_report_ms,
            status_since_ms: self.status_since_ms,
            interval_ms: report.map(|r| r.interval_ms),
            active_node: report.and_then(|r| r.active_node()).map(str::to_owned),
            connections_up: report.map_or(0, |r| saturate_u32(r.connections_up())),
            connections_total: report.map_or(0, |r| saturate_u32(r.connections.len())),
            script_errors_per_min: report.map_or(0.0, |r| r.script_errors.per_min),
            alarm_errors_per_min: report.map_or(0.0, |r| r.alarm_errors.per_min),
            sf_buffer_total: report.map_or(0, |r| r.sf_buffer.total()),
            lost_reports: self.lost_reports,
            maintenance: self.maintenance,
        }
    }

    pub fn detail(&self, site_id: &str) -> SiteDetail {
        SiteDetail {
            site_id: site_id.to_owned(),
            connectivity: self.connectivity,
            health: self.health,
            reasons: self.reasons.clone(),
            last_report_ms: self.last_report_ms,
            status_since_ms: self.status_since_ms,
            lost_reports: self.lost_reports,
            report: self.report.clone(),
            maintenance: self.maintenance,
        }
    }
}

fn saturate_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SiteTable {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for (_, entry) in self.iter() {
            if entry.maintenance {
                summary.count_maintenance();
            } else {
                summary.count(entry.connectivity, entry.health);
            }
        }
        summary
    }

    pub fn detail(&self, site_id: &str) -> Option<SiteDetail> {
        self.get(site_id).map(|entry| entry.detail(site_id))
    }

    /// One page of the sites matching `query`; `total` counts all matches.
    pub fn list(&self, query: &ListQuery) -> SitePage {
        let limit = query.effective_limit();
        let mut rows: Vec<(u8, &str, &SiteEntry)> = self
            .iter()
            .filter(|(id, e)| query.matches(id, e.connectivity, e.health))
            .map(|(id, e)| (rank(query.sort, e), id, e))
            .collect();
        let total = rows.len();
        let end = query.offset.saturating_add(limit).min(total);
        let sites = if query.offset >= end {
            Vec::new()
        } else {
            let order = |a: &(u8, &str, &SiteEntry), b: &(u8, &str, &SiteEntry)| -> Ordering {
                (a.0, a.1).cmp(&(b.0, b.1))
            };
            if end < total {
                // Only the first `end` rows in order matter: partition, then sort those.
                rows.select_nth_unstable_by(end, order);
                rows.truncate(end);
            }
            rows.sort_unstable_by(order);
            rows[query.offset..]
                .iter()
                .map(|(_, id, e)| e.summary_row(id))
                .collect()
        };
        SitePage {
            total,
            offset: query.offset,
            limit,
            sites,
        }
    }
}

/// The primary sort key; site ids break ties (and are unique). A site under
/// maintenance is not failing: it sorts after every other site.
fn rank(sort: SortOrder, entry: &SiteEntry) -> u8 {
    match sort {
        SortOrder::Severity if entry.maintenance => u8::MAX,
        SortOrder::Severity => severity_rank(entry.connectivity, entry.health),
        SortOrder::SiteId => 0,
    }
}
