//! Paths to the centre in the tracker: which leaf node a site sits behind
//! (its `leaf` label, the registry's winning over the site's own), and the
//! sites made late at once by a lost link, with the reason they show until
//! they report again (see `crate::links`).

use std::collections::{HashMap, HashSet};

use healthmon_proto::Connectivity;
use tokio::time::Instant;

use super::{Flags, Outcome, SiteIdx, Tracker};
use crate::links::{LinkDown, lost_reason};

impl Tracker {
    /// The registry's `leaf` label of `site` (`None`: it gives none, and
    /// the site's own label counts).
    pub(super) fn set_registry_leaf(&mut self, site: SiteIdx, leaf: Option<&str>) {
        match leaf {
            Some(leaf) => {
                self.registry_leaf.insert(site, leaf.into());
            }
            None => {
                self.registry_leaf.remove(&site);
            }
        }
        let own = self.site_leaf.get(&site).cloned();
        self.update_path(site, own.as_deref());
    }

    /// The `leaf` label the site's own report carries.
    pub(super) fn set_site_leaf(&mut self, site: SiteIdx, leaf: Option<&str>) {
        if self.site_leaf.get(&site).map(|l| &**l) == leaf {
            return;
        }
        match leaf {
            Some(leaf) => {
                self.site_leaf.insert(site, leaf.into());
            }
            None => {
                self.site_leaf.remove(&site);
            }
        }
        self.update_path(site, leaf);
    }

    fn update_path(&mut self, site: SiteIdx, own: Option<&str>) {
        let leaf = self.registry_leaf.get(&site).map(|l| &**l).or(own);
        self.paths.set(site, leaf);
    }

    /// A link closed: every online site behind it is late now, saying so.
    /// The sites and the events; deadlines stay those of their last report.
    pub fn on_link_down(&mut self, down: &LinkDown, now: Instant, now_ms: u64) -> Vec<Outcome> {
        let sites = match down {
            LinkDown::Leaf { name, .. } => self.paths.behind(name),
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
                site,
                event: Some(event),
                deadline: self.next_deadline(site, now, now_ms),
                detection_lag: None,
            });
        }
        outcomes
    }

    /// The sites behind `leaf` (for the incident that names them).
    pub fn behind(&self, leaf: &str) -> usize {
        self.paths.behind(leaf).len()
    }

    /// Late sites whose lateness a lost link explains: not evidence that
    /// the centre itself went deaf (mass silence leaves them out).
    pub fn late_by_lost_link(&self) -> usize {
        self.link_lost
            .keys()
            .filter(|&&site| self.sites[site as usize].connectivity == Connectivity::Late)
            .count()
    }

    /// The lost-link reason a silent site shows, if any.
    pub(super) fn link_reason(&self, site: SiteIdx) -> Option<&str> {
        self.link_lost.get(&site).map(|r| &**r)
    }
}

/// Which sites sit behind which leaf node, from their `leaf` labels.
#[derive(Debug, Default)]
pub struct Paths {
    behind: HashMap<Box<str>, HashSet<SiteIdx>>,
    leaf_of: HashMap<SiteIdx, Box<str>>,
}

impl Paths {
    /// `site` sits behind `leaf` now (or behind none).
    pub fn set(&mut self, site: SiteIdx, leaf: Option<&str>) {
        if self.leaf_of.get(&site).map(|l| &**l) == leaf {
            return;
        }
        if let Some(old) = self.leaf_of.remove(&site)
            && let Some(sites) = self.behind.get_mut(&old)
        {
            sites.remove(&site);
            if sites.is_empty() {
                self.behind.remove(&old);
            }
        }
        if let Some(leaf) = leaf {
            self.leaf_of.insert(site, leaf.into());
            self.behind.entry(leaf.into()).or_default().insert(site);
        }
    }

    /// The sites behind `leaf`, in index order.
    pub fn behind(&self, leaf: &str) -> Vec<SiteIdx> {
        let mut sites: Vec<SiteIdx> = self
            .behind
            .get(leaf)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        sites.sort_unstable();
        sites
    }
}

#[cfg(test)]
mod tests;
