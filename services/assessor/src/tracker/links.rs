//! Paths to the centre and incidents in the tracker: which leaf node a site
//! sits behind (its `leaf` label) and which `--incident-label` group it is
//! in ([`Grouping`]), the sites made late at once by a lost link with the
//! reason they show until they report again (see `crate::links`), and the
//! incidents these groups open and close (see `crate::incidents`).

use healthmon_proto::{Connectivity, Incident};
use tokio::time::Instant;

use super::groups::Grouping;
use super::{Flags, Outcome, SiteIdx, Tracker};
use crate::links::{LinkDown, lost_reason};

/// Silent, for incidents: late or offline.
pub(super) fn silent(c: Connectivity) -> bool {
    matches!(c, Connectivity::Late | Connectivity::Offline)
}

impl Tracker {
    /// The groupings: by `leaf`, then by the incident label if any.
    fn groupings(&mut self) -> impl Iterator<Item = &mut Grouping> {
        std::iter::once(&mut self.leaves).chain(self.groups.as_mut())
    }

    /// The registry's labels of `site`: their `leaf` and incident label.
    pub(super) fn set_registry_groups(
        &mut self,
        site: SiteIdx,
        labels: &std::collections::BTreeMap<String, String>,
    ) {
        let is_silent = self.is_silent(site);
        for grouping in self.groupings() {
            let value = labels.get(grouping.label()).map(String::as_str);
            grouping.set_registry(site, value, is_silent);
        }
    }

    /// The values a site's own report carries.
    pub(super) fn set_own_groups(
        &mut self,
        site: SiteIdx,
        leaf: Option<&str>,
        group: Option<&str>,
    ) {
        let is_silent = self.is_silent(site);
        self.leaves.set_own(site, leaf, is_silent);
        if let Some(groups) = self.groups.as_mut() {
            groups.set_own(site, group, is_silent);
        }
    }

    fn is_silent(&self, site: SiteIdx) -> bool {
        let s = &self.sites[site as usize];
        silent(s.connectivity) && !s.has(Flags::FORGOTTEN)
    }

    /// Connectivity of `site` moves `from` → `to`: the running counts follow.
    pub(super) fn count_silence(&mut self, site: SiteIdx, from: Connectivity, to: Connectivity) {
        if silent(from) != silent(to) {
            for grouping in self.groupings() {
                grouping.silence(site, silent(to));
            }
        }
        if self.link_lost.contains_key(&site) {
            self.late_by_link += usize::from(to == Connectivity::Late);
            self.late_by_link -= usize::from(from == Connectivity::Late);
        }
    }

    /// Opens or closes the incidents of `site`'s groups as their silent
    /// counts say; what changed is queued for [`Tracker::take_incidents`].
    pub(super) fn judge_groups(&mut self, site: SiteIdx, now_ms: u64) {
        let may_open = !self.hold_offline;
        let rule = &self.rules.incidents;
        for grouping in std::iter::once(&mut self.leaves).chain(self.groups.as_mut()) {
            let Some(value) = grouping.value_of(site).map(str::to_owned) else {
                continue;
            };
            if let Some(incident) = grouping.judge(&value, rule, may_open, now_ms) {
                self.incidents.push(incident);
            }
        }
    }

    /// Incidents opened or closed since the last call, oldest first.
    pub fn take_incidents(&mut self) -> Vec<Incident> {
        std::mem::take(&mut self.incidents)
    }

    /// Every open incident (to publish again), after closing those whose
    /// groups changed under them.
    pub fn refresh_incidents(&mut self, now_ms: u64) -> Vec<Incident> {
        let rule = self.rules.incidents.clone();
        let mut closed = Vec::new();
        let mut open = Vec::new();
        for grouping in std::iter::once(&mut self.leaves).chain(self.groups.as_mut()) {
            closed.extend(grouping.judge_open(&rule, now_ms));
            open.extend(grouping.open_incidents());
        }
        self.incidents.extend(closed);
        open
    }

    /// A link closed: every online site behind it is late now, saying so;
    /// a leaf node with sites behind it opens its incident.
    /// The sites and the events; deadlines stay those of their last report.
    pub fn on_link_down(&mut self, down: &LinkDown, now: Instant, now_ms: u64) -> Vec<Outcome> {
        let sites = match down {
            LinkDown::Leaf { name, .. } => self.leaves.members(name),
            LinkDown::Site { site_id, .. } => self.site_index(site_id).into_iter().collect(),
        };
        let reason: Box<str> = lost_reason(down).into();
        let mut outcomes = Vec::new();
        for site in sites {
            let s = &self.sites[site as usize];
            if s.connectivity != Connectivity::Online || s.has(Flags::FORGOTTEN) {
                continue;
            }
            let health = s.health;
            self.link_lost.insert(site, reason.clone());
            let event = self.change(site, Connectivity::Late, health, now_ms);
            outcomes.push(Outcome {
                event: Some(event),
                ..Outcome::timer(site, self.next_deadline(site, now, now_ms))
            });
        }
        if let LinkDown::Leaf { name, at_ms } = down {
            // The link incident replaces any group incident `change` opened.
            self.incidents
                .retain(|i| i.value != *name || i.label != self.leaves.label());
            let opened = self.leaves.open_link(name, *at_ms, outcomes.len(), &reason);
            self.incidents.extend(opened);
        }
        outcomes
    }

    /// A site reported: whatever link loss made it late is over.
    pub(super) fn link_back(&mut self, site: SiteIdx) {
        if self.link_lost.remove(&site).is_some()
            && self.sites[site as usize].connectivity == Connectivity::Late
        {
            self.late_by_link -= 1;
        }
    }

    /// Late sites whose lateness a lost link explains: not evidence that
    /// the centre itself went deaf (mass silence leaves them out).
    pub fn late_by_lost_link(&self) -> usize {
        self.late_by_link
    }

    /// The lost-link reason a silent site shows, if any.
    pub(super) fn link_reason(&self, site: SiteIdx) -> Option<&str> {
        self.link_lost.get(&site).map(|r| &**r)
    }
}

#[cfg(test)]
mod tests;
