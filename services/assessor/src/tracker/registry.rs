//! The fleet registry in the tracker: sites the centre expects are tracked
//! before they report, their expected interval wins over the one they
//! declare, a declared interval above `--max-interval` is capped (and said
//! so), sites not expected to report are never judged for silence, and a
//! forgotten site is dropped from judgement until it reports again.
//!
//! A registered site this assessor has not heard of is `unknown` from the
//! moment it learned of it (its start, for a restarted centre) and goes
//! late and offline by the same windows as any other, with the reason "no
//! report since the centre started" (or "never reported"); the blind and
//! mass-silence rules apply to it as to any other site.

use healthmon_proto::fleet::{SiteRecord, unheard};
use healthmon_proto::{Connectivity, Health, Rejection};
use tokio::time::Instant;

use super::{Flags, Ms48, Outcome, Site, SiteIdx, Tracker, slot};
use crate::findings::{Assessed, Finding, health_of};
use crate::timeouts::{Thresholds, fmt_secs};

/// `--max-interval`'s default: 15 minutes.
pub const DEFAULT_MAX_INTERVAL_MS: u32 = 15 * 60 * 1000;

/// The interval a registered site is judged by before anyone knows better
/// (no expected interval in the registry, none declared yet): the
/// collector's default.
pub const DEFAULT_INTERVAL_MS: u32 = 30_000;

/// Finding key of a declared interval above the maximum.
const CAPPED_KEY: &str = "interval:capped";

impl Tracker {
    /// Whether the registry has been read in full once.
    pub fn set_registry_loaded(&mut self) {
        self.registry_loaded = true;
    }

    /// With auto-registration off, a site the (loaded) registry does not
    /// list is not judged; before the registry was read, every site is.
    pub fn admit(&self, site_id: &str, auto_register: bool) -> Result<(), Rejection> {
        if auto_register || !self.registry_loaded {
            return Ok(());
        }
        match self.site_index(site_id) {
            Some(idx) if self.sites[idx as usize].has(Flags::REGISTERED) => Ok(()),
            _ => Err(Rejection::Unregistered(site_id.to_owned())),
        }
    }

    /// A site's registry record written (`Some`) or deleted (forget), at
    /// `now`. Returns the site's new deadline (cancel when `None`), if it
    /// is tracked.
    pub fn apply_record(
        &mut self,
        site_id: &str,
        record: Option<&SiteRecord>,
        now: Instant,
        now_ms: u64,
    ) -> Option<Outcome> {
        let Some(record) = record else {
            return self.forget(site_id);
        };
        let (idx, fresh) = match self.site_index(site_id) {
            Some(idx) if self.forgotten(idx) => {
                // Listed again after a forget: tracked (and counted) anew.
                self.counts[slot(Connectivity::Unknown)] += 1;
                (idx, true)
            }
            Some(idx) => (idx, false),
            None => (self.insert(site_id, now_ms), true),
        };
        if fresh {
            let start = self.mono_ceil(now);
            let s = &mut self.sites[idx as usize];
            s.flags = Flags::UNHEARD;
            s.window_start = Ms48::new(start);
            s.interval_ms = record
                .declared_interval_ms
                .and_then(|ms| u32::try_from(ms).ok())
                .unwrap_or(DEFAULT_INTERVAL_MS);
        }
        let s = &mut self.sites[idx as usize];
        s.set(Flags::REGISTERED, true);
        s.set(Flags::NOT_EXPECTED, !record.expected);
        self.set_registry_groups(idx, &record.labels);
        let s = &mut self.sites[idx as usize];
        s.set(
            Flags::NEVER_REPORTED,
            s.has(Flags::UNHEARD) && record.first_report_ms.is_none(),
        );
        match record.interval_ms.and_then(|ms| u32::try_from(ms).ok()) {
            Some(expected) => self.interval_overrides.insert(idx, expected),
            None => self.interval_overrides.remove(&idx),
        };
        Some(Outcome::timer(idx, self.deadline(idx)))
    }

    /// Drops a site from judgement: its timer is cancelled, it no longer
    /// counts (mass silence included) nor is listed, until it reports again.
    fn forget(&mut self, site_id: &str) -> Option<Outcome> {
        let idx = self.site_index(site_id)?;
        if self.forgotten(idx) {
            return None;
        }
        self.set_connectivity(idx, Connectivity::Unknown);
        // Not counted while forgotten (on_report and apply_record count it again).
        self.counts[slot(Connectivity::Unknown)] -= 1;
        self.interval_overrides.remove(&idx);
        let s = &mut self.sites[idx as usize];
        s.health = Health::Unknown;
        s.findings = None;
        s.flags = Flags::FORGOTTEN;
        Some(Outcome::timer(idx, None))
    }

    /// Whether the site is forgotten (not listed).
    pub(super) fn forgotten(&self, site: SiteIdx) -> bool {
        self.sites[site as usize].has(Flags::FORGOTTEN)
    }

    /// A declared interval above `--max-interval` is judged by the maximum,
    /// unless the registry sets the interval; either way the report's
    /// findings say so when the cap applies.
    pub(super) fn cap_interval(&self, site: SiteIdx, report: &mut Assessed) {
        if self.interval_overrides.contains_key(&site) || report.interval_ms <= self.max_interval_ms
        {
            return;
        }
        report.findings.push(Finding {
            key: CAPPED_KEY.to_owned(),
            reason: format!(
                "declares a {} interval, judged by the {} maximum (--max-interval)",
                fmt_secs(u64::from(report.interval_ms)),
                fmt_secs(u64::from(self.max_interval_ms))
            ),
            severity: Health::Degraded,
        });
        report.health = health_of(report.findings.iter().map(|f| &f.severity));
    }
}

/// The connectivity reason of a site not heard of since this assessor
/// started: "no report since the centre started", "never reported" or "not
/// expected to report" (the aggregator's placeholder reasons), with
/// the threshold passed (`None` while it is not late yet).
pub(super) fn unheard_reason(s: &Site, th: &Thresholds) -> Option<String> {
    let why = if s.has(Flags::NOT_EXPECTED) {
        unheard::NOT_EXPECTED
    } else if s.has(Flags::NEVER_REPORTED) {
        unheard::NEVER_REPORTED
    } else {
        unheard::NO_REPORT_SINCE_START
    };
    match s.connectivity {
        Connectivity::Late => Some(format!("{why} (late after {})", fmt_secs(th.late_ms))),
        Connectivity::Offline => Some(format!("{why} (timeout {})", fmt_secs(th.offline_ms))),
        Connectivity::Online | Connectivity::Unknown => Some(why.to_owned()),
    }
}

#[cfg(test)]
mod tests;
