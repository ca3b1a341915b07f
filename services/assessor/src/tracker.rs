//! Per-site state machine: connectivity (unknown → online ⇄ late → offline)
//! and health, and the [`StatusEvent`] each change produces.
//!
//! Pure: time comes in as arguments (`now` monotonic, `now_ms` unix), and the
//! tracker answers with the site's next deadline instead of arming a timer,
//! so the I/O loop owns the single `DelayQueue` (see `timers.rs`) and tests
//! drive the machine with synthetic instants.
//!
//! Deadlines are counted from each site's *window start*: the central receive
//! time of its last report, or a later instant when the assessor gives sites
//! a fresh window after being blind (see [`Tracker::on_link_restored`]).
//! Monotonic times are kept as whole milliseconds since the tracker's epoch,
//! which also represents bootstrap receive times from before the process
//! started, and keeps [`Site`] compact (many thousands of sites per process).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use healthmon_proto::{Connectivity, Health, HealthReport, Rejection, StatusEvent, WIRE_VERSION};
use tokio::time::Instant;

use crate::findings::{self, Finding};
use crate::rules::Rules;
use crate::timeouts::Thresholds;

mod adopt;
mod hold;
mod page;

/// Index of a site in the tracker; stable for the life of the process.
pub type SiteIdx = u32;

/// Prefix of the connectivity reason inside adopted reason lists.
const CONNECTIVITY_REASON_PREFIX: &str = "no report for ";

/// A finding as kept between reports: only what later events and queries show.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Kept {
    key: Box<str>,
    reason: Box<str>,
}

#[derive(Debug)]
struct Site {
    id: Arc<str>,
    findings: Box<[Kept]>,
    /// Deadlines count from here: ms since the tracker epoch (may be negative).
    window_start: i64,
    /// Central receive time of the last report, unix ms.
    last_report_ms: u64,
    /// When connectivity or health last changed, unix ms.
    since_ms: u64,
    /// Last accepted seq of `instance`; 0 when unknown (adopted sites).
    seq: u64,
    /// Hash of the collector instance, to tell a restart from a replay.
    instance: u64,
    interval_ms: u32,
    connectivity: Connectivity,
    health: Health,
    /// Adopted from the aggregator: finding keys unknown until the next report.
    adopted: bool,
}

/// What the I/O loop must do after the tracker handled something.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub site: SiteIdx,
    /// To publish on the site's status subject.
    pub event: Option<StatusEvent>,
    /// When to call [`Tracker::on_deadline`] next; `None` cancels.
    pub deadline: Option<Instant>,
    /// How long after its deadline an offline transition was declared.
    pub detection_lag: Option<Duration>,
}

#[derive(Debug)]
pub struct Tracker {
    epoch: Instant,
    missed_heartbeats: u32,
    rules: Rules,
    sites: Vec<Site>,
    index: HashMap<Arc<str>, SiteIdx>,
    /// Site indices sorted by id, for paging; extended lazily as sites appear.
    by_id: Vec<SiteIdx>,
    /// Sites per connectivity, in `Connectivity::ALL` order.
    counts: [usize; 4],
    /// The centre is suspected (mass silence): sites due offline stay late.
    hold_offline: bool,
}

impl Tracker {
    pub fn new(epoch: Instant, missed_heartbeats: u32, rules: Rules) -> Self {
        Tracker {
            epoch,
            missed_heartbeats,
            rules,
            sites: Vec::new(),
            index: HashMap::new(),
            by_id: Vec::new(),
            counts: [0; 4],
            hold_offline: false,
        }
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    pub fn site_index(&self, site_id: &str) -> Option<SiteIdx> {
        self.index.get(site_id).copied()
    }

    pub fn state(&self, site: SiteIdx) -> (Connectivity, Health) {
        let s = &self.sites[site as usize];
        (s.connectivity, s.health)
    }

    /// How many sites are in each connectivity state.
    pub fn counts(&self) -> impl Iterator<Item = (Connectivity, usize)> + '_ {
        Connectivity::ALL.into_iter().zip(self.counts)
    }

    /// A validated report arrived now. Stale seqs of the same instance are rejected.
    pub fn on_report(
        &mut self,
        report: &HealthReport,
        now: Instant,
        now_ms: u64,
    ) -> Result<Outcome, Rejection> {
        let instance = hash_instance(&report.instance);
        let idx = match self.index.get(report.site_id.as_str()) {
            Some(&idx) => {
                let s = &self.sites[idx as usize];
                if s.seq != 0 && s.instance == instance && report.seq <= s.seq {
                    return Err(Rejection::StaleSeq {
                        seq: report.seq,
                        last: s.seq,
                    });
                }
                idx
            }
            None => self.insert(&report.site_id, now_ms),
        };
        let found = findings::evaluate(&self.rules, report);
        let health = findings::health_of(found.iter().map(|f| &f.severity));
        let window_start = self.mono_ceil(now);

        let s = &mut self.sites[idx as usize];
        let keys_changed = !s.adopted && !same_keys(&s.findings, &found);
        let previous = (s.connectivity, s.health);
        s.adopted = false;
        s.findings = found.into_iter().map(Kept::from).collect();
        s.seq = report.seq;
        s.instance = instance;
        // Validation caps intervals at one day, far below u32::MAX ms.
        s.interval_ms = u32::try_from(report.interval_ms).unwrap_or(u32::MAX);
        s.window_start = window_start;
        s.last_report_ms = now_ms;
        let changed = previous != (Connectivity::Online, health);
        let event = (changed || keys_changed)
            .then(|| self.change(idx, Connectivity::Online, health, now_ms));
        Ok(Outcome {
            site: idx,
            event,
            deadline: self.deadline(idx),
            detection_lag: None,
        })
    }

    /// The site's deadline passed: mark it late or offline if due. While
    /// offline judgements are held (see [`Tracker::set_hold_offline`]) a site
    /// due offline goes no further than late, and gets no deadline: it is
    /// re-armed when the hold ends.
    pub fn on_deadline(&mut self, site: SiteIdx, now: Instant, now_ms: u64) -> Outcome {
        let s = &self.sites[site as usize];
        let th = self.thresholds(s);
        let elapsed = u64::try_from(self.mono_floor(now) - s.window_start).unwrap_or(0);
        let mut judged = th.judge(elapsed);
        let held = self.hold_offline && judged == Connectivity::Offline;
        if held {
            judged = Connectivity::Late;
        }
        let worse = match (s.connectivity, judged) {
            (Connectivity::Offline, _) => false,
            (_, Connectivity::Offline) => true,
            (Connectivity::Late, _) => false,
            (_, Connectivity::Late) => true,
            _ => false,
        };
        let mut outcome = Outcome {
            site,
            event: None,
            deadline: None,
            detection_lag: None,
        };
        if worse {
            let health = s.health;
            if judged == Connectivity::Offline {
                let deadline = self.instant(s.window_start.saturating_add_unsigned(th.offline_ms));
                outcome.detection_lag = Some(now.saturating_duration_since(deadline));
            }
            outcome.event = Some(self.change(site, judged, health, now_ms));
        }
        outcome.deadline = if held { None } else { self.deadline(site) };
        outcome
    }

    /// The assessor can see again after being blind: every site not yet
    /// offline gets a fresh full window from `now`, since reports missed
    /// while blind say nothing about the site. Returns the new deadlines.
    pub fn on_link_restored(&mut self, now: Instant) -> Vec<(SiteIdx, Instant)> {
        let start = self.mono_ceil(now);
        let mut deadlines = Vec::new();
        for idx in 0..self.sites.len() as SiteIdx {
            let s = &mut self.sites[idx as usize];
            if s.connectivity == Connectivity::Offline {
                continue;
            }
            s.window_start = s.window_start.max(start);
            if let Some(at) = self.deadline(idx) {
                deadlines.push((idx, at));
            }
        }
        deadlines
    }

    fn insert(&mut self, site_id: &str, since_ms: u64) -> SiteIdx {
        let id: Arc<str> = Arc::from(site_id);
        // Memory bounds the site count far below u32::MAX.
        let idx = self.sites.len() as SiteIdx;
        self.sites.push(Site {
            id: id.clone(),
            findings: Box::default(),
            window_start: 0,
            last_report_ms: 0,
            since_ms,
            seq: 0,
            instance: 0,
            interval_ms: 0,
            connectivity: Connectivity::Unknown,
            health: Health::Unknown,
            adopted: false,
        });
        self.index.insert(id, idx);
        self.counts[slot(Connectivity::Unknown)] += 1;
        idx
    }

    /// Applies a change and describes it; `since_ms` moves only when
    /// connectivity or health do.
    fn change(
        &mut self,
        site: SiteIdx,
        connectivity: Connectivity,
        health: Health,
        now_ms: u64,
    ) -> StatusEvent {
        let (previous_connectivity, previous_health) = self.state(site);
        self.set_connectivity(site, connectivity);
        let s = &mut self.sites[site as usize];
        s.health = health;
        if (previous_connectivity, previous_health) != (connectivity, health) {
            s.since_ms = now_ms;
        }
        StatusEvent {
            v: WIRE_VERSION,
            site_id: s.id.to_string(),
            at_ms: now_ms,
            connectivity,
            previous_connectivity,
            health,
            previous_health,
            reasons: self.reasons(site, now_ms),
            last_report_ms: Some(self.sites[site as usize].last_report_ms),
        }
    }

    fn set_connectivity(&mut self, site: SiteIdx, connectivity: Connectivity) {
        let s = &mut self.sites[site as usize];
        self.counts[slot(s.connectivity)] -= 1;
        self.counts[slot(connectivity)] += 1;
        s.connectivity = connectivity;
    }

    /// Connectivity reason first (when late/offline), then health reasons.
    fn reasons(&self, site: SiteIdx, now_ms: u64) -> Vec<String> {
        let s = &self.sites[site as usize];
        let elapsed = now_ms.saturating_sub(s.last_report_ms);
        self.thresholds(s)
            .reason(s.connectivity, elapsed)
            .into_iter()
            .chain(s.findings.iter().map(|f| f.reason.to_string()))
            .collect()
    }

    fn deadline(&self, site: SiteIdx) -> Option<Instant> {
        let s = &self.sites[site as usize];
        let after = self.thresholds(s).next_deadline_ms(s.connectivity)?;
        Some(self.instant(s.window_start.saturating_add_unsigned(after)))
    }

    fn thresholds(&self, s: &Site) -> Thresholds {
        Thresholds::new(u64::from(s.interval_ms), self.missed_heartbeats)
    }

    /// `now` in whole ms since the epoch, rounded up so that a deadline
    /// counted from it never comes before the full threshold has passed.
    fn mono_ceil(&self, now: Instant) -> i64 {
        let ns = now.saturating_duration_since(self.epoch).as_nanos();
        i64::try_from(ns.div_ceil(1_000_000)).unwrap_or(i64::MAX)
    }

    fn mono_floor(&self, now: Instant) -> i64 {
        i64::try_from(now.saturating_duration_since(self.epoch).as_millis()).unwrap_or(i64::MAX)
    }

    fn instant(&self, mono_ms: i64) -> Instant {
        // Before the epoch means "already due": the epoch is in the past too.
        self.epoch + Duration::from_millis(u64::try_from(mono_ms).unwrap_or(0))
    }
}

impl From<Finding> for Kept {
    fn from(f: Finding) -> Self {
        Kept {
            key: f.key.into_boxed_str(),
            reason: f.reason.into_boxed_str(),
        }
    }
}

fn same_keys(kept: &[Kept], findings: &[Finding]) -> bool {
    if kept.len() != findings.len() {
        return false;
    }
    let mut a: Vec<&str> = kept.iter().map(|k| &*k.key).collect();
    let mut b: Vec<&str> = findings.iter().map(|f| f.key.as_str()).collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

fn slot(c: Connectivity) -> usize {
    match c {
        Connectivity::Online => 0,
        Connectivity::Late => 1,
        Connectivity::Offline => 2,
        Connectivity::Unknown => 3,
    }
}

fn hash_instance(instance: &str) -> u64 {
    let mut h = DefaultHasher::new();
    instance.hash(&mut h);
    h.finish()
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tests;
