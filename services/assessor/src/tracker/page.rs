//! Paging through current statuses by site id (the `statuses` endpoint).

use healthmon_proto::query::{MAX_LIMIT, PageQuery, StatusPage, StatusRow};

use super::{SiteIdx, Tracker};

impl Tracker {
    /// One page of current statuses, sorted by site id; forgotten sites are
    /// not listed.
    pub fn statuses(&mut self, query: PageQuery, now_ms: u64) -> StatusPage {
        if self.by_id.len() < self.sites.len() {
            self.by_id
                .extend(self.by_id.len() as SiteIdx..self.sites.len() as SiteIdx);
            let (sites, ids) = (&self.sites, &self.ids);
            // Stable sort: cheap on an already sorted prefix plus a few new sites.
            self.by_id
                .sort_by(|&a, &b| sites[a as usize].id(ids).cmp(sites[b as usize].id(ids)));
        }
        let listed = |idx: &&SiteIdx| !self.forgotten(**idx);
        let total = self.by_id.iter().filter(listed).count();
        let items = self
            .by_id
            .iter()
            .filter(listed)
            .skip(query.offset)
            .take(query.limit.min(MAX_LIMIT))
            .map(|&idx| {
                let s = &self.sites[idx as usize];
                let (reasons, judgement) = self.describe(idx, now_ms);
                StatusRow {
                    site_id: s.id(&self.ids).to_owned(),
                    connectivity: s.connectivity,
                    health: s.health,
                    reasons,
                    last_report_ms: s.last_report(),
                    since_ms: s.since_ms(),
                    judgement,
                }
            })
            .collect();
        StatusPage { total, items }
    }
}
