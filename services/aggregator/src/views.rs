//! Read-only views of the [`SiteTable`] in the shapes of the query protocol
//! (`healthmon_proto::query`): the fleet summary, one filtered and sorted page
//! of sites, and one site's detail.
//!
//! All of them read the severity index ([`crate::state::Order`]) under the
//! table lock: a summary sums its tallies; a page walks the index in the
//! requested order and decodes only its own rows' reports. Without a search
//! term or labels the total comes from the tallies too (also when filtering
//! by acknowledgement), so the work per page is O(offset + limit) plus the
//! sites the filters skip; a search must test every site id once.

use std::collections::BTreeMap;

use healthmon_proto::query::{
    FleetSummary, ListQuery, SiteDetail, SitePage, SiteSummary, Summary, SummaryQuery,
    row_judgement, row_reasons,
};
use healthmon_proto::{Connectivity, Health};

use crate::state::{SiteEntry, SiteTable};

impl SiteEntry {
    pub fn summary_row(&self, site_id: &str) -> SiteSummary {
        let report = self.report();
        let report = report.as_ref();
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
            labels: self.labels(),
            acknowledged: self.ack().is_some(),
            judgement: row_judgement(self.judgement()),
        }
    }

    pub fn detail(&self, site_id: &str) -> SiteDetail {
        SiteDetail {
            site_id: site_id.to_owned(),
            connectivity: self.connectivity,
            health: self.health,
            reasons: self.reasons.clone(),
            last_report_ms: self.last_report_ms,
            received_at_us: self
                .last_report_ms
                .map(|ms| ms * 1000 + u64::from(self.received_us_frac)),
            status_since_ms: self.status_since_ms,
            lost_reports: self.lost_reports,
            report: self.report().map(|r| r.to_report()),
            maintenance: self.maintenance,
            labels: self.labels(),
            maintenance_window: self.maintenance_window().cloned(),
            ack: self.ack().cloned(),
            registry: self.record().cloned(),
            judgement: self.judgement().clone(),
        }
    }
}

fn saturate_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SiteTable {
    pub fn summary(&self) -> Summary {
        let order = self.order();
        let mut summary = Summary::default();
        for c in Connectivity::ALL {
            for h in Health::ALL {
                summary.count_many(c, h, order.count(c, h, false));
                summary.count_maintenance_many(order.count(c, h, true));
            }
        }
        summary
    }

    /// The summary a query asks for: the whole fleet from the tallies, or
    /// (with labels or `by`) counted site by site.
    pub fn fleet_summary(&self, query: &SummaryQuery) -> FleetSummary {
        if query.labels.is_empty() && query.by.is_none() {
            return FleetSummary {
                totals: self.summary(),
                ..FleetSummary::default()
            };
        }
        let mut totals = Summary::default();
        let mut groups: BTreeMap<Option<String>, Summary> = BTreeMap::new();
        for (_, entry) in self.iter().filter(|(_, e)| e.has_labels(&query.labels)) {
            count(&mut totals, entry);
            if let Some(key) = &query.by {
                count(groups.entry(entry.label(key)).or_default(), entry);
            }
        }
        FleetSummary::grouped(totals, query.by.clone(), groups)
    }

    pub fn detail(&self, site_id: &str) -> Option<SiteDetail> {
        self.get(site_id).map(|entry| entry.detail(site_id))
    }

    pub fn list(&self, query: &ListQuery) -> SitePage {
        let limit = query.effective_limit();
        let order = self.order();
        let mut matching = order.sorted(query.sort).filter(|(id, c, h)| {
            query.matches(id, *c, *h)
                && (query.labels.is_empty()
                    || self.get(id).is_some_and(|e| e.has_labels(&query.labels)))
                && (query.acknowledged.is_none()
                    || self
                        .get(id)
                        .is_some_and(|e| query.admits_ack(e.ack().is_some())))
        });
        let mut page = Vec::with_capacity(limit.min(order.len()));
        let total = if query.search.is_none() && query.labels.is_empty() {
            let total = self.count_matching(query);
            page.extend(matching.by_ref().skip(query.offset).take(limit));
            total
        } else {
            // A search term or a label has no tally: count every match, keep the page.
            let mut total = 0;
            for site in matching {
                if total >= query.offset && page.len() < limit {
                    page.push(site);
                }
                total += 1;
            }
            total
        };
        let sites = page
            .into_iter()
            .filter_map(|(id, _, _)| self.get(id).map(|entry| entry.summary_row(id)))
            .collect();
        SitePage {
            total,
            offset: query.offset,
            limit,
            sites,
        }
    }

    /// Sites matching the query's status and acknowledgement filters, from
    /// the tallies.
    fn count_matching(&self, query: &ListQuery) -> usize {
        let order = self.order();
        let mut total = 0;
        for c in Connectivity::ALL {
            for h in Health::ALL {
                if query.matches("", c, h) {
                    let all = order.count(c, h, false) + order.count(c, h, true);
                    let acknowledged = order.count_acknowledged(c, h);
                    total += match query.acknowledged {
                        None => all,
                        Some(true) => acknowledged,
                        Some(false) => all - acknowledged,
                    };
                }
            }
        }
        total
    }
}

/// Counts one site into a summary, as the tallies would.
fn count(summary: &mut Summary, entry: &SiteEntry) {
    if entry.maintenance {
        summary.count_maintenance();
    } else {
        summary.count(entry.connectivity, entry.health);
    }
}
