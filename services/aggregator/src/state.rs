//! The aggregator's whole memory: the latest known state of every site.
//!
//! Pure data and rules, no I/O, so it is tested exhaustively in isolation.
//! Callers keep one [`SiteTable`] behind a single mutex ([`Shared`]) and hold
//! it only for these O(1) updates (or one page of a query): decoding and
//! validation happen before the lock is taken.
//!
//! Two sources feed an entry:
//! - reports (collector → here): the latest accepted report, its central
//!   receive time, and the count of reports lost to `seq` gaps;
//! - statuses (assessor → here): connectivity, health and reasons, either live
//!   [`StatusEvent`]s or rows pulled from the assessor at start-up. A live event
//!   always wins; a pulled row only fills in what no newer status has set.
//!
//! A third source, the fleet registry ([`registered`]), lists the sites the
//! centre expects (so a silent one is shown across a restart), their
//! labels, maintenance windows and acknowledgements. A site forgotten in the
//! registry leaves a tombstone here so that late status events do not bring
//! it back; its next report does.
//!
//! Incidents (assessor → here: sites that fell silent together) are held
//! apart from the sites, for the fleet summary ([`incidents`]).
//!
//! Memory is the design constraint (a million sites on one machine): entries
//! live densely in an [`IndexMap`] keyed by inline [`CompactString`] ids, and
//! the report is kept in its compact form ([`StoredReport`]), a third of a
//! decoded `HealthReport` and one allocation instead of about fourteen.
//! Every status change (and so every change of `status_since_ms`, which
//! orders problems within a rank) also goes through [`Order`], the severity
//! index that makes summaries O(1) and list pages O(page) (see
//! `state/order.rs`).

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use compact_str::CompactString;
use foldhash::fast::RandomState;
use healthmon_proto::query::StatusRow;
use healthmon_proto::{Connectivity, Health, Judgement, Rejection, ReportView, StatusEvent};
use indexmap::IndexMap;

pub mod incidents;
mod order;
pub mod registered;
mod stored;

pub use order::{Order, OrderKey};
pub use registered::{Registered, Registration};
pub use stored::StoredReport;

/// The table as the service's tasks share it.
pub type Shared = Arc<Mutex<SiteTable>>;

/// Locks the table. A panic elsewhere while holding the lock cannot leave an
/// entry half-written in a way that matters for display, so poisoning is ignored
/// rather than taking the whole service down.
pub fn lock(table: &Mutex<SiteTable>) -> MutexGuard<'_, SiteTable> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything known about one site.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteEntry {
    /// The latest accepted report; `None` for a site known only from the assessor.
    report: Option<StoredReport>,
    /// Central receive time of the latest report, unix ms.
    pub last_report_ms: Option<u64>,
    /// The microseconds within `last_report_ms` (0 when it came from the
    /// assessor, in ms): the detail's `received_at_us`. Fits the padding.
    pub received_us_frac: u16,
    pub connectivity: Connectivity,
    pub health: Health,
    pub reasons: Vec<String>,
    /// When connectivity or health last changed, unix ms.
    pub status_since_ms: Option<u64>,
    /// Assessor time of the newest status information applied; orders pulled
    /// rows against live events.
    status_at_ms: Option<u64>,
    /// Reports missing from `seq` gaps within one collector instance.
    pub lost_reports: u64,
    /// A maintenance window is open (set by an admin in the registry):
    /// shown, but not counted as failing.
    pub maintenance: bool,
    /// What the fleet registry says of it ([`registered`]).
    registry: Option<Box<Registered>>,
    /// The assessor's judgement beyond connectivity and health; boxed and
    /// absent while it says nothing, to keep a healthy entry small.
    judgement: Option<Box<Judgement>>,
    /// Changes of connectivity or health this aggregator applied (the
    /// counter `healthmon_site_transitions_total`, for damping flaps).
    pub transitions: u64,
}

impl SiteEntry {
    /// The latest report, read back from its compact form without copying.
    pub fn report(&self) -> Option<ReportView<'_>> {
        self.report.as_ref().and_then(StoredReport::view)
    }

    /// Stale findings, flapping, recovering and the score, as last judged.
    pub fn judgement(&self) -> &Judgement {
        static NOTHING: Judgement = Judgement {
            stale_reasons: Vec::new(),
            flapping: None,
            recovering: None,
            score: None,
            score_off: Vec::new(),
            availability: None,
        };
        self.judgement.as_deref().unwrap_or(&NOTHING)
    }

    fn set_judgement(&mut self, judgement: Judgement) {
        self.judgement = (!judgement.is_empty()).then(|| Box::new(judgement));
    }

    /// Its score, when it counts towards the fleet's (not in maintenance).
    fn fleet_score(&self) -> Option<u8> {
        self.judgement().score.filter(|_| !self.maintenance)
    }

    fn order_key(&self) -> OrderKey {
        OrderKey::new(
            self.connectivity,
            self.health,
            self.maintenance,
            self.ack().is_some(),
            self.status_since_ms,
        )
    }
}

/// What accepting a report did, for the service's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// The site was not known before.
    pub new_site: bool,
    /// The report came from a new collector instance (a restart).
    pub restarted: bool,
    /// Reports skipped since the previous one of the same instance.
    pub lost: u64,
}

#[derive(Debug, Default)]
pub struct SiteTable {
    // foldhash rather than SipHash: ids are validated subject tokens a site
    // cannot choose freely (it may publish only on its own subject), and
    // hashing them was a visible share of ingest CPU.
    sites: IndexMap<CompactString, SiteEntry, RandomState>,
    order: Order,
    /// Forgotten sites whose status events are ignored until they report again.
    forgotten: HashSet<String>,
    /// Open maintenance windows by end (unix ms), to close them on time.
    windows: BTreeSet<(u64, CompactString)>,
    registry_loaded: bool,
    /// Sum and count of the scores of sites not in maintenance, for the
    /// fleet score without a walk over every site at scrape time.
    score_sum: u64,
    scored: u64,
    /// Open incidents, for the fleet summary.
    pub incidents: incidents::HeldIncidents,
}

impl SiteTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn shared() -> Shared {
        Arc::new(Mutex::new(Self::new()))
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    pub fn get(&self, site_id: &str) -> Option<&SiteEntry> {
        self.sites.get(site_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &SiteEntry)> {
        self.sites.iter().map(|(id, e)| (id.as_str(), e))
    }

    /// The severity index: counts and ordered ids.
    pub fn order(&self) -> &Order {
        &self.order
    }

    /// Accepts an already validated report received at `received_ms`.
    ///
    /// Within one collector `instance`, `seq` must grow; an older or equal one
    /// is a duplicate or a reordering and is refused as `stale_seq`. A new
    /// instance means the collector restarted, so its `seq` starts afresh.
    pub fn apply_report(
        &mut self,
        report: &ReportView<'_>,
        received_ms: u64,
    ) -> Result<Applied, Rejection> {
        self.apply_stored_at(report, StoredReport::new(report), received_ms * 1000)
    }

    /// [`SiteTable::apply_report`] with the report already in its stored
    /// form, received at `received_us` (unix µs): ingest encodes it before
    /// taking the table lock, so the lock is held for bookkeeping only.
    pub fn apply_stored_at(
        &mut self,
        report: &ReportView<'_>,
        stored: StoredReport,
        received_us: u64,
    ) -> Result<Applied, Rejection> {
        let (received_ms, frac) = (received_us / 1000, (received_us % 1000) as u16);
        // get_mut first so that the steady state (a known site) allocates no key.
        let Some(entry) = self.sites.get_mut(report.site_id) else {
            self.forgotten.remove(report.site_id);
            let entry = SiteEntry {
                report: Some(stored),
                last_report_ms: Some(received_ms),
                received_us_frac: frac,
                ..SiteEntry::default()
            };
            let id = CompactString::from(report.site_id);
            self.order.insert(entry.order_key(), &id);
            self.sites.insert(id, entry);
            return Ok(Applied {
                new_site: true,
                ..Applied::default()
            });
        };
        let mut applied = Applied::default();
        match &entry.report {
            Some(last) if last.same_instance(report) => {
                if report.seq <= last.seq() {
                    return Err(Rejection::StaleSeq {
                        seq: report.seq,
                        last: last.seq(),
                    });
                }
                applied.lost = report.seq - last.seq() - 1;
            }
            Some(_) => applied.restarted = true,
            None => {}
        }
        entry.lost_reports = entry.lost_reports.saturating_add(applied.lost);
        entry.last_report_ms = Some(received_ms);
        entry.received_us_frac = frac;
        entry.report = Some(stored);
        Ok(applied)
    }

    /// Applies a live status event (already checked against its subject).
    /// Returns whether the site was new.
    pub fn apply_status(&mut self, event: StatusEvent) -> bool {
        if self.forgotten.contains(&event.site_id) {
            return false;
        }
        let changed_per_assessor = event.connectivity != event.previous_connectivity
            || event.health != event.previous_health;
        self.restatus(&event.site_id, |entry| {
            let changed_here =
                entry.connectivity != event.connectivity || entry.health != event.health;
            if changed_per_assessor || changed_here || entry.status_since_ms.is_none() {
                entry.status_since_ms = Some(event.at_ms);
            }
            if changed_per_assessor {
                entry.transitions += 1;
            }
            entry.set_judgement(event.judgement);
            entry.connectivity = event.connectivity;
            entry.health = event.health;
            entry.reasons = event.reasons;
            entry.status_at_ms = Some(event.at_ms);
            if entry.last_report_ms.is_none() {
                entry.last_report_ms = event.last_report_ms;
            }
        })
    }

    /// Applies a row pulled from the assessor at start-up, unless a status at
    /// least as new already arrived live. Returns `Some(new_site)` when applied.
    pub fn apply_bootstrap(&mut self, row: StatusRow) -> Option<bool> {
        if self.forgotten.contains(&row.site_id) {
            return None;
        }
        if let Some(entry) = self.sites.get(row.site_id.as_str())
            && entry.status_at_ms.is_some_and(|at| row.since_ms <= at)
        {
            return None;
        }
        Some(self.restatus(&row.site_id, |entry| {
            entry.connectivity = row.connectivity;
            entry.health = row.health;
            entry.reasons = row.reasons;
            entry.set_judgement(row.judgement);
            entry.status_since_ms = Some(row.since_ms);
            entry.status_at_ms = Some(row.since_ms);
            if entry.last_report_ms.is_none() {
                entry.last_report_ms = row.last_report_ms;
            }
        }))
    }

    /// Drops a site (forgotten in the registry); false if it was unknown.
    /// Its status events are ignored from now on, until it reports again.
    pub fn forget(&mut self, site_id: &str) -> bool {
        let Some((id, entry)) = self.sites.swap_remove_entry(site_id) else {
            return false;
        };
        self.order.remove(entry.order_key(), &id);
        self.tally_score(entry.fleet_score(), None);
        if let Some(end) = entry.maintenance_window().and_then(|m| m.until_ms) {
            self.windows.remove(&(end, id));
        }
        self.forgotten.insert(site_id.to_owned());
        true
    }

    /// Changes a site's status fields through `change`, creating the site if
    /// needed, and keeps the severity index in step. Returns whether it was new.
    /// The mean score of the sites not in maintenance (`None` when no site
    /// has one yet): `healthmon_fleet_health_score`.
    pub fn fleet_score(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.score_sum as f64 / self.scored as f64)
    }

    fn tally_score(&mut self, before: Option<u8>, after: Option<u8>) {
        if let Some(b) = before {
            self.score_sum -= u64::from(b);
            self.scored -= 1;
        }
        if let Some(a) = after {
            self.score_sum += u64::from(a);
            self.scored += 1;
        }
    }

    fn restatus(&mut self, site_id: &str, change: impl FnOnce(&mut SiteEntry)) -> bool {
        let (entry, before) = match self.sites.get_mut(site_id) {
            Some(entry) => {
                let before = entry.order_key();
                (entry, Some(before))
            }
            None => {
                let entry = self.sites.entry(CompactString::from(site_id)).or_default();
                (entry, None)
            }
        };
        let score_before = entry.fleet_score();
        change(entry);
        let after = entry.order_key();
        let score_after = entry.fleet_score();
        self.tally_score(score_before, score_after);
        match before {
            Some(before) if before == after => {}
            Some(before) => self.order.change(before, after, site_id),
            None => self.order.insert(after, site_id),
        }
        before.is_none()
    }
}

#[cfg(test)]
pub(crate) mod tests;
