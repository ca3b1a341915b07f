//! What the fleet registry says of each site, held in the site table, and
//! the registry's changes applied to it (pure; the watch that delivers
//! them is `crate::registry`).
//!
//! - A registered site the aggregator has not heard from since it started
//!   is in the table at once, `unknown`, with the reason "no report since
//!   the centre started" ("never reported" if it never did, "not expected
//!   to report" if the registry says so), so it is shown, counted and
//!   exported (`healthmon_site_up` 0) across a full restart of the centre.
//! - A maintenance window is open from the moment its entry arrives until
//!   `until_ms`; the table keeps the open windows' ends so that they close
//!   on time ([`SiteTable::expire_windows`]), on every replica alike.
//! - A site whose `site.<id>` key is deleted is forgotten, here as on every
//!   replica; it comes back only if it reports again.
//! - Effective labels: declared in the registry, else what the site last
//!   declared (recorded in the registry), else what its report carries.

use compact_str::CompactString;
use healthmon_proto::fleet::{Ack, Maintenance, SiteRecord, Source};
use healthmon_proto::labels::Labels;
use healthmon_proto::{Rejection, ReportView};

use super::{SiteEntry, SiteTable};

pub use healthmon_proto::fleet::unheard::{NEVER_REPORTED, NO_REPORT_SINCE_START, NOT_EXPECTED};

/// The registry's part of a site.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Registered {
    pub record: Option<SiteRecord>,
    pub maintenance: Option<Maintenance>,
    pub ack: Option<Ack>,
}

/// What a report tells the registry (for `crate::registry::Registrar`).
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub site_id: CompactString,
    pub interval_ms: u64,
    pub labels: Labels,
    pub received_ms: u64,
}

impl Registration {
    /// The record to write given the current one: a new record for a site
    /// first heard of, else the current one with what the site declares.
    /// `None` when nothing changes.
    pub fn apply(&self, current: Option<SiteRecord>) -> Option<SiteRecord> {
        let mut record = current
            .clone()
            .unwrap_or_else(|| SiteRecord::declared(self.received_ms, Source::Report));
        record.first_report_ms.get_or_insert(self.received_ms);
        record.declared_interval_ms = Some(self.interval_ms);
        record.declared_labels = self.labels.clone();
        (current.as_ref() != Some(&record)).then_some(record)
    }
}

impl SiteEntry {
    pub fn registered(&self) -> Option<&Registered> {
        self.registry.as_deref()
    }

    pub fn record(&self) -> Option<&SiteRecord> {
        self.registry.as_ref()?.record.as_ref()
    }

    /// The open maintenance window, if any.
    pub fn maintenance_window(&self) -> Option<&Maintenance> {
        self.maintenance
            .then(|| self.registry.as_ref()?.maintenance.as_ref())
            .flatten()
    }

    /// The acknowledgement, while it applies to the current state.
    pub fn ack(&self) -> Option<&Ack> {
        self.registry
            .as_ref()?
            .ack
            .as_ref()
            .filter(|a| a.applies_to(self.connectivity, self.health, self.status_since_ms))
    }

    /// The value of one effective label.
    pub fn label(&self, key: &str) -> Option<String> {
        if let Some(record) = self.record() {
            return record
                .labels
                .get(key)
                .or_else(|| record.declared_labels.get(key))
                .cloned();
        }
        let report = self.report()?;
        report
            .labels
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
    }

    /// Every effective label.
    pub fn labels(&self) -> Labels {
        match self.record() {
            Some(record) => record.effective_labels(),
            None => self
                .report()
                .map(|r| {
                    r.labels
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether it has every label of `wanted`.
    pub fn has_labels(&self, wanted: &Labels) -> bool {
        wanted
            .iter()
            .all(|(k, v)| self.label(k).is_some_and(|have| &have == v))
    }
}

impl SiteTable {
    /// Whether the registry has been read in full at least once.
    pub fn registry_loaded(&self) -> bool {
        self.registry_loaded
    }

    pub fn set_registry_loaded(&mut self) {
        self.registry_loaded = true;
    }

    /// With auto-registration off, a report of a site the (loaded)
    /// registry does not list is refused. Before the registry has been
    /// read, every site is admitted: the fleet is not blanked because
    /// JetStream is down.
    pub fn admit(&self, report: &ReportView<'_>, auto_register: bool) -> Result<(), Rejection> {
        if auto_register || !self.registry_loaded {
            return Ok(());
        }
        let listed = self
            .get(report.site_id)
            .is_some_and(|e| e.record().is_some());
        if listed {
            Ok(())
        } else {
            Err(Rejection::Unregistered(report.site_id.to_owned()))
        }
    }

    /// What the registry should learn from an accepted report, if anything:
    /// a site not registered yet, its first report, or a changed interval
    /// or labels. Cheap when nothing changed (the usual case).
    pub fn registration(&self, report: &ReportView<'_>, received_ms: u64) -> Option<Registration> {
        let entry = self.get(report.site_id)?;
        let stale = match entry.record() {
            None => true,
            Some(r) => {
                r.first_report_ms.is_none()
                    || r.declared_interval_ms != Some(report.interval_ms)
                    || r.declared_labels.len() != report.labels.len()
                    || report
                        .labels
                        .iter()
                        .any(|(k, v)| r.declared_labels.get(*k).map(String::as_str) != Some(*v))
            }
        };
        stale.then(|| Registration {
            site_id: CompactString::from(report.site_id),
            interval_ms: report.interval_ms,
            labels: report
                .labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            received_ms,
        })
    }

    /// A site's record written (`Some`) or deleted (forget).
    pub fn apply_record(&mut self, site_id: &str, record: Option<SiteRecord>, now_ms: u64) {
        let Some(record) = record else {
            self.forget(site_id);
            return;
        };
        let reason = unheard(Some(&record));
        self.registered_entry(site_id, now_ms, reason).record = Some(record);
    }

    /// A maintenance window set (`Some`) or cleared.
    pub fn apply_maintenance(&mut self, site_id: &str, window: Option<Maintenance>, now_ms: u64) {
        if window.is_none() && self.get(site_id).is_none() {
            return;
        }
        let reason = self.unheard_reason(site_id);
        let registered = self.registered_entry(site_id, now_ms, reason);
        let old_end = registered.maintenance.as_ref().and_then(|m| m.until_ms);
        let open = window.as_ref().is_some_and(|m| m.active_at(now_ms));
        let new_end = window.as_ref().and_then(|m| m.until_ms).filter(|_| open);
        registered.maintenance = window;
        if let Some(end) = old_end {
            self.windows.remove(&(end, CompactString::from(site_id)));
        }
        if let Some(end) = new_end {
            self.windows.insert((end, CompactString::from(site_id)));
        }
        self.restatus(site_id, |entry| entry.maintenance = open);
    }

    /// An acknowledgement set (`Some`) or cleared. One that applies to the
    /// site's current state moves it below the unacknowledged problems of
    /// its rank (and back when cleared); one that does not is kept but has
    /// no effect (see [`SiteEntry::ack`]).
    pub fn apply_ack(&mut self, site_id: &str, ack: Option<Ack>, now_ms: u64) {
        if ack.is_none() && self.get(site_id).is_none() {
            return;
        }
        let reason = self.unheard_reason(site_id);
        self.registered_entry(site_id, now_ms, reason);
        // Through `restatus`, so the severity index follows.
        self.restatus(site_id, |entry| {
            entry.registry.get_or_insert_with(Box::default).ack = ack;
        });
    }

    /// Closes the windows that ended by `now_ms`; returns how many.
    pub fn expire_windows(&mut self, now_ms: u64) -> usize {
        let mut closed = 0;
        while let Some((end, site)) = self.windows.first().cloned() {
            if end > now_ms {
                break;
            }
            self.windows.pop_first();
            if self.get(&site).is_some_and(|e| e.maintenance) {
                self.restatus(&site, |entry| entry.maintenance = false);
                closed += 1;
            }
        }
        closed
    }

    /// When the next open window ends, unix ms.
    pub fn next_window_end(&self) -> Option<u64> {
        self.windows.first().map(|(end, _)| *end)
    }

    /// Why a site not heard from is shown as it is, from the record this
    /// replica holds (none yet while the bucket loads: its record, when it
    /// comes, says).
    fn unheard_reason(&self, site_id: &str) -> &'static str {
        unheard(
            self.get(site_id)
                .and_then(|e| e.registry.as_deref())
                .and_then(|r| r.record.as_ref()),
        )
    }

    /// The site's registry part, creating the site (as the registry lists
    /// it, not heard from) when the table does not hold it yet.
    fn registered_entry(&mut self, site_id: &str, now_ms: u64, reason: &str) -> &mut Registered {
        if self.get(site_id).is_none() {
            self.forgotten.remove(site_id);
            self.restatus(site_id, |entry| {
                entry.reasons = vec![reason.to_owned()];
                entry.status_since_ms = Some(now_ms);
            });
        }
        let entry = self
            .sites
            .get_mut(site_id)
            .expect("the entry exists: created just above");
        if entry.report.is_none() && entry.status_at_ms.is_none() {
            // Not heard from, not judged yet: the registry's reason shows.
            entry.reasons = vec![reason.to_owned()];
        }
        entry.registry.get_or_insert_with(Box::default)
    }
}

/// The reason of a registered site not heard from since the centre started.
fn unheard(record: Option<&SiteRecord>) -> &'static str {
    match record {
        Some(r) if !r.expected => NOT_EXPECTED,
        Some(r) if r.first_report_ms.is_none() => NEVER_REPORTED,
        _ => NO_REPORT_SINCE_START,
    }
}

#[cfg(test)]
mod tests;
