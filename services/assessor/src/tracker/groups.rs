//! Sites grouped by one label's value — `leaf` (the leaf node a site sits
//! behind) or the `--incident-label` — with how many of each group are
//! silent (late or offline) kept as a running count, and the group's open
//! incident (see `crate::incidents`). The registry's value wins over the
//! one a site's own report carries. Pure; time comes in as arguments.

use std::collections::{HashMap, HashSet};

use healthmon_proto::{Incident, IncidentState, WIRE_VERSION};

use super::SiteIdx;
use crate::incidents::IncidentRule;

/// What opened an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The server said the leaf node's connection closed.
    Link,
    /// Enough of the group fell silent.
    Group,
}

#[derive(Debug)]
struct Open {
    kind: Kind,
    at_ms: u64,
    silenced: usize,
    reason: Box<str>,
}

#[derive(Debug, Default)]
struct Group {
    sites: HashSet<SiteIdx>,
    silent: usize,
    open: Option<Open>,
}

#[derive(Debug)]
pub struct Grouping {
    label: Box<str>,
    registry: HashMap<SiteIdx, Box<str>>,
    own: HashMap<SiteIdx, Box<str>>,
    value_of: HashMap<SiteIdx, Box<str>>,
    groups: HashMap<Box<str>, Group>,
}

impl Grouping {
    pub fn new(label: &str) -> Self {
        Grouping {
            label: label.into(),
            registry: HashMap::new(),
            own: HashMap::new(),
            value_of: HashMap::new(),
            groups: HashMap::new(),
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The registry's value of the label for `site` (`None`: it gives none,
    /// and the site's own counts).
    pub fn set_registry(&mut self, site: SiteIdx, value: Option<&str>, silent: bool) {
        set_or_remove(&mut self.registry, site, value);
        self.regroup(site, silent);
    }

    /// The value the site's own report carries.
    pub fn set_own(&mut self, site: SiteIdx, value: Option<&str>, silent: bool) {
        if self.own.get(&site).map(|v| &**v) == value {
            return;
        }
        set_or_remove(&mut self.own, site, value);
        self.regroup(site, silent);
    }

    /// The site went silent or came back.
    pub fn silence(&mut self, site: SiteIdx, silent: bool) {
        let Some(group) = self
            .value_of
            .get(&site)
            .and_then(|v| self.groups.get_mut(v))
        else {
            return;
        };
        if silent {
            group.silent += 1;
        } else {
            group.silent = group.silent.saturating_sub(1);
        }
    }

    pub fn value_of(&self, site: SiteIdx) -> Option<&str> {
        self.value_of.get(&site).map(|v| &**v)
    }

    /// The sites with `value`, in index order.
    pub fn members(&self, value: &str) -> Vec<SiteIdx> {
        let mut sites: Vec<SiteIdx> = self
            .groups
            .get(value)
            .map(|g| g.sites.iter().copied().collect())
            .unwrap_or_default();
        sites.sort_unstable();
        sites
    }

    /// The server said the link of `value` closed: its incident opens now
    /// (or becomes a link incident), unless nobody sits behind it.
    pub fn open_link(
        &mut self,
        value: &str,
        at_ms: u64,
        silenced: usize,
        reason: &str,
    ) -> Option<Incident> {
        let group = self.groups.get_mut(value)?;
        let at_ms = group.open.as_ref().map_or(at_ms, |o| o.at_ms);
        group.open = Some(Open {
            kind: Kind::Link,
            at_ms,
            silenced,
            reason: format!("{reason}, {} sites behind it", group.sites.len()).into(),
        });
        self.incident(value, None)
    }

    /// Opens or closes the incident of `value` as its silent count says;
    /// the incident when that changed. `may_open`: false while the centre
    /// suspects itself.
    pub fn judge(
        &mut self,
        value: &str,
        rule: &IncidentRule,
        may_open: bool,
        now_ms: u64,
    ) -> Option<Incident> {
        let label = self.label.clone();
        let group = self.groups.get_mut(value)?;
        let (sites, silent) = (group.sites.len(), group.silent);
        match &group.open {
            Some(_) if rule.closes(sites, silent) => {
                let incident = self.incident(value, Some(now_ms));
                if let Some(group) = self.groups.get_mut(value) {
                    group.open = None;
                }
                self.drop_if_empty(value);
                incident
            }
            None if may_open && rule.opens(sites, silent) => {
                group.open = Some(Open {
                    kind: Kind::Group,
                    at_ms: now_ms,
                    silenced: silent,
                    reason: format!("{silent} of {sites} sites with {label}={value} fell silent")
                        .into(),
                });
                self.incident(value, None)
            }
            _ => None,
        }
    }

    /// Judges every group with an open incident (the periodic refresh:
    /// membership changes or forgets may have ended one).
    pub fn judge_open(&mut self, rule: &IncidentRule, now_ms: u64) -> Vec<Incident> {
        let open: Vec<Box<str>> = self
            .groups
            .iter()
            .filter(|(_, g)| g.open.is_some())
            .map(|(v, _)| v.clone())
            .collect();
        open.iter()
            .filter_map(|v| self.judge(v, rule, false, now_ms))
            .collect()
    }

    /// Every open incident as it stands, to publish again.
    pub fn open_incidents(&self) -> Vec<Incident> {
        let mut values: Vec<&str> = self
            .groups
            .iter()
            .filter(|(_, g)| g.open.is_some())
            .map(|(v, _)| &**v)
            .collect();
        values.sort_unstable();
        values
            .into_iter()
            .filter_map(|v| self.incident(v, None))
            .collect()
    }

    /// The incident of `value`, open or (with `closed_ms`) closed.
    fn incident(&self, value: &str, closed_ms: Option<u64>) -> Option<Incident> {
        let group = self.groups.get(value)?;
        let open = group.open.as_ref()?;
        let kind = match open.kind {
            Kind::Link => "link",
            Kind::Group => "group",
        };
        Some(Incident {
            v: WIRE_VERSION,
            id: format!("{}={value}", self.label),
            kind: kind.into(),
            state: match closed_ms {
                Some(_) => IncidentState::Closed,
                None => IncidentState::Open,
            },
            label: self.label.to_string(),
            value: value.to_owned(),
            at_ms: open.at_ms,
            closed_ms,
            sites: group.sites.len(),
            silent: group.silent,
            silenced: open.silenced,
            reason: open.reason.to_string(),
        })
    }

    fn regroup(&mut self, site: SiteIdx, silent: bool) {
        let value = self
            .registry
            .get(&site)
            .or_else(|| self.own.get(&site))
            .cloned();
        if self.value_of.get(&site) == value.as_ref() {
            return;
        }
        if let Some(old) = self.value_of.remove(&site) {
            if let Some(group) = self.groups.get_mut(&old) {
                group.sites.remove(&site);
                if silent {
                    group.silent = group.silent.saturating_sub(1);
                }
            }
            self.drop_if_empty(&old);
        }
        if let Some(value) = value {
            let group = self.groups.entry(value.clone()).or_default();
            group.sites.insert(site);
            group.silent += usize::from(silent);
            self.value_of.insert(site, value);
        }
    }

    /// A group with no site and no open incident is forgotten.
    fn drop_if_empty(&mut self, value: &str) {
        if self
            .groups
            .get(value)
            .is_some_and(|g| g.sites.is_empty() && g.open.is_none())
        {
            self.groups.remove(value);
        }
    }
}

fn set_or_remove(map: &mut HashMap<SiteIdx, Box<str>>, site: SiteIdx, value: Option<&str>) {
    match value {
        Some(value) => {
            map.insert(site, value.into());
        }
        None => {
            map.remove(&site);
        }
    }
}

#[cfg(test)]
mod tests;
