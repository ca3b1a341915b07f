//! A replica's copy of the registry in memory, built from the watch's
//! [`Change`]s: what a service that does not judge sites (the dashboard
//! API) needs to answer "which sites does this selector name?" and "may
//! this caller see that site?" without asking anyone.
//!
//! Pure: the watch task feeds it, tests feed it by hand.

use std::collections::HashMap;

use healthmon_proto::fleet::{Ack, Maintenance, SiteRecord};
use healthmon_proto::labels::Labels;

use crate::selector::Selector;
use crate::watch::Change;

/// What the registry holds of one site.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub record: Option<SiteRecord>,
    pub maintenance: Option<Maintenance>,
    pub ack: Option<Ack>,
}

impl Entry {
    fn is_empty(&self) -> bool {
        self.record.is_none() && self.maintenance.is_none() && self.ack.is_none()
    }
}

#[derive(Debug, Clone, Default)]
pub struct FleetView {
    sites: HashMap<String, Entry>,
    /// Sites with a record (kept, not counted: asked after every batch).
    registered: usize,
    loaded: bool,
}

impl FleetView {
    pub fn apply(&mut self, change: Change) {
        let site = match change {
            Change::Loaded => {
                self.loaded = true;
                return;
            }
            Change::Site(site, record) => {
                let entry = self.sites.entry(site.clone()).or_default();
                match (entry.record.is_some(), record.is_some()) {
                    (false, true) => self.registered += 1,
                    (true, false) => self.registered -= 1,
                    _ => {}
                }
                entry.record = record;
                site
            }
            Change::Maintenance(site, window) => {
                self.sites.entry(site.clone()).or_default().maintenance = window;
                site
            }
            Change::Ack(site, ack) => {
                self.sites.entry(site.clone()).or_default().ack = ack;
                site
            }
        };
        // Forgotten (every key deleted): nothing left to hold.
        if self.sites.get(&site).is_some_and(Entry::is_empty) {
            self.sites.remove(&site);
        }
    }

    /// Whether the whole registry has been read once.
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    pub fn get(&self, site: &str) -> Option<&Entry> {
        self.sites.get(site)
    }

    /// Whether the registry lists the site (has its `site.<id>` record).
    pub fn is_registered(&self, site: &str) -> bool {
        self.record(site).is_some()
    }

    pub fn record(&self, site: &str) -> Option<&SiteRecord> {
        self.sites.get(site)?.record.as_ref()
    }

    /// The labels the site shows: the registry's, over those it declared.
    pub fn labels(&self, site: &str) -> Labels {
        self.record(site)
            .map(SiteRecord::effective_labels)
            .unwrap_or_default()
    }

    /// Whether a registered site is selected (an unregistered one never is
    /// by a non-empty selector: its labels are unknown here).
    pub fn selects(&self, selector: &Selector, site: &str) -> bool {
        selector.is_empty()
            || self
                .record(site)
                .is_some_and(|r| selector.matches(&r.effective_labels()))
    }

    /// The registered sites a selector names, sorted by id.
    pub fn select(&self, selector: &Selector) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sites
            .iter()
            .filter(|(_, e)| {
                e.record
                    .as_ref()
                    .is_some_and(|r| selector.matches(&r.effective_labels()))
            })
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Registered sites.
    pub fn len(&self) -> usize {
        self.registered
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests;
