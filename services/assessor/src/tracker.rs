//! Per-site state machine: connectivity (unknown → online ⇄ late → offline)
//! and health, and the [`StatusEvent`] each change produces.
//!
//! Pure: time comes in as arguments (`now` monotonic, `now_ms` unix), and the
//! tracker answers with the site's next deadline instead of arming a timer,
//! so the I/O loop owns the single timing wheel (see `timers.rs`) and tests
//! drive the machine with synthetic instants.
//!
//! Deadlines are counted from each site's *window start*: the central receive
//! time of its last report, or a later instant when the assessor gives sites
//! a fresh window after being blind (see [`Tracker::on_link_restored`]).
//! Monotonic times are kept as whole milliseconds since the tracker's epoch,
//! which also represents bootstrap receive times from before the process
//! started.
//!
//! Memory (the assessor must hold a million sites in ~150 bytes each): a
//! [`Site`] is 56 bytes with no heap allocation while the site is healthy;
//! its id lives once, in one arena string shared by all sites, and the index
//! from id to site is a `hashbrown::HashTable` of bare `u32` site indices
//! (5 bytes a bucket) that hashes ids out of the arena.

use std::collections::HashMap;
use std::time::Duration;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use healthmon_proto::view::ReportView;
use healthmon_proto::{Connectivity, Health, Rejection, StatusEvent, WIRE_VERSION};
use std::hash::BuildHasher;
use tokio::time::Instant;

use crate::availability::{JudgingClock, Uptime};
use crate::findings::{Assessed, Finding};
use crate::flapping::FlapCount;
use crate::rules::Rules;
use crate::timeouts::Thresholds;

mod adopt;
mod groups;
mod hold;
mod judge;
mod links;
use groups::Grouping;
mod page;
mod registry;

pub use registry::{DEFAULT_INTERVAL_MS, DEFAULT_MAX_INTERVAL_MS};

/// Index of a site in the tracker; stable for the life of the process.
pub type SiteIdx = u32;

/// Prefix of the connectivity reason inside adopted reason lists; the
/// contract's, since displays re-time reasons that start with it.
const CONNECTIVITY_REASON_PREFIX: &str = healthmon_proto::reason::NO_REPORT_PREFIX;

/// A finding as kept between reports: only what later events and queries show.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Kept {
    key: Box<str>,
    reason: Box<str>,
    /// For the score; the site's health for adopted findings.
    severity: Health,
}

/// A site's findings: `None` (one word, no allocation) while it has none,
/// which is the usual case.
type KeptFindings = Option<Box<Box<[Kept]>>>;

fn kept(findings: impl IntoIterator<Item = Kept>) -> KeptFindings {
    let all: Box<[Kept]> = findings.into_iter().collect();
    (!all.is_empty()).then(|| Box::new(all))
}

fn kept_slice(findings: &KeptFindings) -> &[Kept] {
    findings.as_deref().map_or(&[], |all| all)
}

/// A millisecond time in 6 bytes (alignment 2, so three pack into 18): a
/// signed 48-bit count spans ±4,462 years, which covers unix ms and ms since
/// the tracker epoch alike; values beyond saturate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ms48([u16; 3]);

impl Ms48 {
    const MAX: i64 = (1 << 47) - 1;
    const MIN: i64 = -(1 << 47);

    fn new(ms: i64) -> Self {
        let v = ms.clamp(Self::MIN, Self::MAX) as u64;
        Ms48([v as u16, (v >> 16) as u16, (v >> 32) as u16])
    }

    fn get(self) -> i64 {
        let [a, b, c] = self.0.map(u64::from);
        // Shifted up and back down to extend the sign of bit 47.
        (((a | b << 16 | c << 32) << 16) as i64) >> 16
    }

    fn unix(ms: u64) -> Self {
        Ms48::new(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    fn get_unix(self) -> u64 {
        u64::try_from(self.get()).unwrap_or(0)
    }
}

/// 80 bytes (checked by a test): times in 48 bits ([`Ms48`]); seq and the
/// instance hash stay 64-bit; the interval is `u32` ms (validation caps it
/// at one day, 86.4 M ms); the flap count is 8.8 fixed point and the
/// recovery figures and uptime saturate at `u32::MAX`.
#[derive(Debug)]
struct Site {
    /// Deadlines count from here: ms since the tracker epoch (may be negative).
    window_start: Ms48,
    /// Central receive time of the last report, unix ms.
    last_report_ms: Ms48,
    /// When connectivity or health last changed, unix ms.
    since_ms: Ms48,
    /// Last accepted seq of `instance`; 0 when unknown (adopted sites).
    seq: u64,
    /// Hash of the collector instance, to tell a restart from a replay.
    instance: u64,
    findings: KeptFindings,
    /// The id is `ids[id_start..id_start + id_len]` in [`Tracker::ids`].
    id_start: u32,
    interval_ms: u32,
    /// While recovering: store-and-forward depth at the last report, and
    /// messages drained a minute since the one before (0: not falling).
    backlog: u32,
    drain_per_min: u32,
    /// Decaying count of connectivity/health changes ([`FlapCount`]),
    /// counted from `since_ms`, the last change.
    flap: FlapCount,
    /// Online and judged time up to `since_ms` ([`Uptime`]).
    uptime: Uptime,
    /// Site ids are at most 64 bytes (`MAX_SITE_ID_LEN`).
    id_len: u8,
    connectivity: Connectivity,
    health: Health,
    /// [`Flags`]: adopted, registered, heard, expected, forgotten,
    /// flapping, recovering.
    flags: u8,
}

/// What a site's `flags` say (one byte, so a site stays 56 bytes).
struct Flags;

impl Flags {
    /// Adopted from the aggregator: finding keys unknown until the next report.
    const ADOPTED: u8 = 1;
    /// The fleet registry lists it.
    const REGISTERED: u8 = 1 << 1;
    /// Listed, but no report (nor a receive time from the aggregator) since
    /// this assessor started: judged from when it learned of the site.
    const UNHEARD: u8 = 1 << 2;
    /// The registry says it never reported at all.
    const NEVER_REPORTED: u8 = 1 << 3;
    /// The registry says not to expect reports: never judged for silence.
    const NOT_EXPECTED: u8 = 1 << 4;
    /// Forgotten in the registry: not judged, counted or listed until it reports again.
    const FORGOTTEN: u8 = 1 << 5;
    /// Shown as flapping (see `crate::flapping`): kept to apply hysteresis.
    const FLAPPING: u8 = 1 << 6;
    /// Back from offline with a backlog above `recovering.min_depth`.
    const RECOVERING: u8 = 1 << 7;
}

impl Site {
    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    fn id<'a>(&self, ids: &'a str) -> &'a str {
        let start = self.id_start as usize;
        &ids[start..start + usize::from(self.id_len)]
    }

    fn window_start(&self) -> i64 {
        self.window_start.get()
    }

    fn last_report_ms(&self) -> u64 {
        self.last_report_ms.get_unix()
    }

    /// Central receive time of its last report; `None` for a registered
    /// site not heard of since this assessor started.
    fn last_report(&self) -> Option<u64> {
        (!self.has(Flags::UNHEARD)).then(|| self.last_report_ms())
    }

    fn since_ms(&self) -> u64 {
        self.since_ms.get_unix()
    }
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
    /// Reports missing before this one (a `seq` gap within the instance):
    /// lost on the way, by a slow consumer included.
    pub lost: u64,
}

impl Outcome {
    /// The site's timer set to `deadline` (cancelled with `None`), and
    /// nothing else: no event, no lag, no loss. An outcome that also
    /// announces something starts from it (`..Outcome::timer(..)`).
    fn timer(site: SiteIdx, deadline: Option<Instant>) -> Outcome {
        Outcome {
            site,
            event: None,
            deadline,
            detection_lag: None,
            lost: 0,
        }
    }
}

#[derive(Debug)]
pub struct Tracker {
    epoch: Instant,
    missed_heartbeats: u32,
    rules: Rules,
    sites: Vec<Site>,
    /// Every site id once, back to back (sites are never removed).
    ids: String,
    /// Site indices, found by the hash of their id.
    index: HashTable<SiteIdx>,
    hasher: RandomState,
    /// Site indices sorted by id, for paging; extended lazily as sites appear.
    by_id: Vec<SiteIdx>,
    /// Sites per connectivity, in `Connectivity::ALL` order.
    counts: [usize; 4],
    /// The centre is suspected (mass silence): sites due offline stay late.
    hold_offline: bool,
    /// Longest interval a site's own declaration can make its timeouts
    /// (`--max-interval`); the registry's expected interval overrides both.
    max_interval_ms: u32,
    /// The registry's expected interval of the sites that have one.
    interval_overrides: HashMap<SiteIdx, u32>,
    /// The registry has been read in full once.
    registry_loaded: bool,
    /// The time the centre could not judge (blind, or suspecting itself).
    judging: JudgingClock,
    /// Which sites sit behind which leaf node, from their `leaf` labels:
    /// the registry's, else the site's own (only sites that have one).
    leaves: Grouping,
    /// The sites by their `--incident-label` value, if one is set.
    groups: Option<Grouping>,
    /// Incidents opened or closed, until the engine takes them.
    incidents: Vec<healthmon_proto::Incident>,
    /// Sites made late by a lost link, and the reason, until they report.
    link_lost: HashMap<SiteIdx, Box<str>>,
    /// Of those, the ones late now (a running count: mass silence reads it
    /// on every connectivity change).
    late_by_link: usize,
}

impl Tracker {
    pub fn new(epoch: Instant, missed_heartbeats: u32, rules: Rules) -> Self {
        let groups = rules.incidents.label.as_deref().map(Grouping::new);
        Tracker {
            epoch,
            missed_heartbeats,
            rules,
            sites: Vec::new(),
            ids: String::new(),
            index: HashTable::new(),
            hasher: RandomState::default(),
            by_id: Vec::new(),
            counts: [0; 4],
            hold_offline: false,
            max_interval_ms: DEFAULT_MAX_INTERVAL_MS,
            interval_overrides: HashMap::new(),
            registry_loaded: false,
            judging: JudgingClock::default(),
            leaves: Grouping::new(crate::links::LEAF_LABEL),
            groups,
            incidents: Vec::new(),
            link_lost: HashMap::new(),
            late_by_link: 0,
        }
    }

    /// The same tracker with another `--max-interval`.
    pub fn with_max_interval(mut self, max: Duration) -> Self {
        self.max_interval_ms = u32::try_from(max.as_millis()).unwrap_or(u32::MAX);
        self
    }

    /// The rules reports are judged by (to evaluate them off the engine loop).
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    pub fn site_index(&self, site_id: &str) -> Option<SiteIdx> {
        let hash = self.hasher.hash_one(site_id);
        let (sites, ids) = (&self.sites, &self.ids);
        self.index
            .find(hash, |&idx| sites[idx as usize].id(ids) == site_id)
            .copied()
    }

    pub fn site_id(&self, site: SiteIdx) -> &str {
        self.sites[site as usize].id(&self.ids)
    }

    pub fn state(&self, site: SiteIdx) -> (Connectivity, Health) {
        let s = &self.sites[site as usize];
        (s.connectivity, s.health)
    }

    /// How many sites are in each connectivity state.
    pub fn counts(&self) -> impl Iterator<Item = (Connectivity, usize)> + '_ {
        Connectivity::ALL.into_iter().zip(self.counts)
    }

    /// [`Tracker::on_report`] for a whole validated report (tests, tools).
    pub fn on_view(
        &mut self,
        report: &ReportView<'_>,
        now: Instant,
        now_ms: u64,
    ) -> Result<Outcome, Rejection> {
        let assessed = Assessed::new(&self.rules, report);
        self.on_report(report.site_id, assessed, now, now_ms)
    }

    /// A validated report of `site_id`, assessed already, arrived now.
    /// Stale seqs of the same instance are rejected.
    pub fn on_report(
        &mut self,
        site_id: &str,
        report: Assessed,
        now: Instant,
        now_ms: u64,
    ) -> Result<Outcome, Rejection> {
        let idx = match self.site_index(site_id) {
            Some(idx) => {
                let s = &self.sites[idx as usize];
                if s.seq != 0 && s.instance == report.instance && report.seq <= s.seq {
                    return Err(Rejection::StaleSeq {
                        seq: report.seq,
                        last: s.seq,
                    });
                }
                idx
            }
            None => self.insert(site_id, now_ms),
        };
        let mut report = report;
        self.link_back(idx);
        self.set_own_groups(idx, report.leaf.as_deref(), report.group.as_deref());
        self.cap_interval(idx, &mut report);
        self.track_recovery(idx, &mut report, now_ms);
        let window_start = self.mono_ceil(now);
        let health = report.health;

        let s = &mut self.sites[idx as usize];
        let keys_changed =
            !s.has(Flags::ADOPTED) && !same_keys(kept_slice(&s.findings), &report.findings);
        // Other values in reasons change without an event (a rate moving
        // within its band is not news); a recovery's progress is, and its
        // reason is rounded so that it changes only when the picture does.
        let recovery_moved = judge::recovery_reason(
            kept_slice(&s.findings)
                .iter()
                .map(|k| (&*k.key, &*k.reason)),
        ) != judge::recovery_reason(
            report
                .findings
                .iter()
                .map(|f| (f.key.as_str(), f.reason.as_str())),
        );
        let previous = (s.connectivity, s.health);
        if s.has(Flags::FORGOTTEN) {
            self.counts[slot(Connectivity::Unknown)] += 1;
        }
        let s = &mut self.sites[idx as usize];
        s.set(
            Flags::ADOPTED | Flags::UNHEARD | Flags::NEVER_REPORTED | Flags::FORGOTTEN,
            false,
        );
        // Unchanged findings (the usual case: none before, none now) keep
        // their allocation, if any, untouched.
        if keys_changed || !same_findings(kept_slice(&s.findings), &report.findings) {
            s.findings = kept(report.findings.into_iter().map(Kept::from));
        }
        let lost = if s.seq != 0 && s.instance == report.instance {
            report.seq.saturating_sub(s.seq + 1)
        } else {
            0
        };
        s.seq = report.seq;
        s.instance = report.instance;
        s.interval_ms = report.interval_ms;
        s.window_start = Ms48::new(window_start);
        s.last_report_ms = Ms48::unix(now_ms);
        let changed = previous != (Connectivity::Online, health);
        let event = (changed || keys_changed || recovery_moved)
            .then(|| self.change(idx, Connectivity::Online, health, now_ms));
        Ok(Outcome {
            site: idx,
            event,
            deadline: self.next_deadline(idx, now, now_ms),
            detection_lag: None,
            lost,
        })
    }

    /// The site's deadline passed: mark it late or offline if due. While
    /// offline judgements are held (see [`Tracker::set_hold_offline`]) a site
    /// due offline goes no further than late, and gets no deadline: it is
    /// re-armed when the hold ends.
    pub fn on_deadline(&mut self, site: SiteIdx, now: Instant, now_ms: u64) -> Outcome {
        let th = self.thresholds(site);
        let s = &self.sites[site as usize];
        let elapsed = u64::try_from(self.mono_floor(now) - s.window_start()).unwrap_or(0);
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
        let mut outcome = Outcome::timer(site, None);
        let calmed = self.calm_down(site, now_ms);
        let s = &self.sites[site as usize];
        if worse {
            let health = s.health;
            if judged == Connectivity::Offline {
                let deadline =
                    self.instant(s.window_start().saturating_add_unsigned(th.offline_ms));
                outcome.detection_lag = Some(now.saturating_duration_since(deadline));
            }
            outcome.event = Some(self.change(site, judged, health, now_ms));
        } else if calmed {
            let (connectivity, health) = self.state(site);
            outcome.event = Some(self.change(site, connectivity, health, now_ms));
        }
        outcome.deadline = if held {
            None
        } else {
            self.next_deadline(site, now, now_ms)
        };
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
            s.window_start = Ms48::new(s.window_start().max(start));
            if let Some(at) = self.deadline(idx) {
                deadlines.push((idx, at));
            }
        }
        deadlines
    }

    /// The centre can judge (neither blind nor suspecting itself) or not:
    /// time it cannot counts for no site's availability.
    pub fn set_judging(&mut self, judging: bool, now_ms: u64) {
        self.judging.set(judging, now_ms);
    }

    fn insert(&mut self, site_id: &str, since_ms: u64) -> SiteIdx {
        self.judging.begin(since_ms);
        // Memory bounds the site count far below u32::MAX; the arena holds
        // at most 64 bytes a site, so u32 offsets last past 60 M sites.
        let idx = self.sites.len() as SiteIdx;
        let id_start = u32::try_from(self.ids.len()).expect("site id arena within 4 GiB");
        let id_len = u8::try_from(site_id.len()).expect("site ids are validated to 64 bytes");
        self.ids.push_str(site_id);
        self.sites.push(Site {
            window_start: Ms48::new(0),
            last_report_ms: Ms48::new(0),
            since_ms: Ms48::unix(since_ms),
            seq: 0,
            instance: 0,
            findings: None,
            id_start,
            interval_ms: 0,
            backlog: 0,
            drain_per_min: 0,
            flap: FlapCount::default(),
            uptime: Uptime::starting(&self.judging, since_ms),
            id_len,
            connectivity: Connectivity::Unknown,
            health: Health::Unknown,
            flags: 0,
        });
        let (sites, ids, hasher) = (&self.sites, &self.ids, &self.hasher);
        let hash = hasher.hash_one(site_id);
        self.index
            .insert_unique(hash, idx, |&i| hasher.hash_one(sites[i as usize].id(ids)));
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
        self.judging.begin(now_ms);
        self.set_connectivity(site, connectivity);
        let s = &mut self.sites[site as usize];
        s.health = health;
        let rule = self.rules.flapping;
        if (previous_connectivity, previous_health) != (connectivity, health) {
            let since = s.since_ms();
            s.uptime
                .close(previous_connectivity, since, now_ms, &self.judging);
            s.flap = s.flap.bump(now_ms.saturating_sub(since), rule);
            s.since_ms = Ms48::unix(now_ms);
        }
        let flapping = s.flap.flapping(
            now_ms.saturating_sub(s.since_ms()),
            rule,
            s.has(Flags::FLAPPING),
        );
        s.set(Flags::FLAPPING, flapping);
        if previous_connectivity != connectivity {
            self.judge_groups(site, now_ms);
        }
        let (reasons, judgement) = self.describe(site, now_ms);
        let s = &self.sites[site as usize];
        StatusEvent {
            v: WIRE_VERSION,
            site_id: s.id(&self.ids).to_owned(),
            at_ms: now_ms,
            connectivity,
            previous_connectivity,
            health,
            previous_health,
            reasons,
            last_report_ms: s.last_report(),
            judgement,
        }
    }

    fn set_connectivity(&mut self, site: SiteIdx, connectivity: Connectivity) {
        let s = &mut self.sites[site as usize];
        let from = s.connectivity;
        self.counts[slot(from)] -= 1;
        self.counts[slot(connectivity)] += 1;
        s.connectivity = connectivity;
        self.count_silence(site, from, connectivity);
    }

    fn deadline(&self, site: SiteIdx) -> Option<Instant> {
        let s = &self.sites[site as usize];
        // A site not expected to report is left alone until it does; once
        // heard, its silence is judged like any other's.
        if s.has(Flags::FORGOTTEN) || s.has(Flags::NOT_EXPECTED) && s.has(Flags::UNHEARD) {
            return None;
        }
        let after = self.thresholds(site).next_deadline_ms(s.connectivity)?;
        Some(self.instant(s.window_start().saturating_add_unsigned(after)))
    }

    /// The registry's expected interval if it has one, else what the site
    /// declared, at most `--max-interval`.
    fn thresholds(&self, site: SiteIdx) -> Thresholds {
        let declared = self.sites[site as usize].interval_ms;
        let interval = match self.interval_overrides.get(&site) {
            Some(expected) => *expected,
            None => declared.min(self.max_interval_ms),
        };
        Thresholds::new(u64::from(interval), self.missed_heartbeats)
    }

    /// `now` in whole ms since the epoch, rounded up so that a deadline
    /// counted from it never comes before the full threshold has passed.
    fn mono_ceil(&self, now: Instant) -> i64 {
        // u64 nanoseconds (584 years) keep this off 128-bit division.
        let ns = nanos(now.saturating_duration_since(self.epoch));
        i64::try_from(ns.div_ceil(1_000_000)).unwrap_or(i64::MAX)
    }

    fn mono_floor(&self, now: Instant) -> i64 {
        i64::try_from(nanos(now.saturating_duration_since(self.epoch)) / 1_000_000)
            .unwrap_or(i64::MAX)
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
            severity: f.severity,
        }
    }
}

fn same_keys(kept: &[Kept], findings: &[Finding]) -> bool {
    if kept.len() != findings.len() {
        return false;
    }
    if kept.iter().zip(findings).all(|(k, f)| *k.key == f.key) {
        return true;
    }
    let mut a: Vec<&str> = kept.iter().map(|k| &*k.key).collect();
    let mut b: Vec<&str> = findings.iter().map(|f| f.key.as_str()).collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// The same findings in the same order, reasons and severities included.
fn same_findings(kept: &[Kept], findings: &[Finding]) -> bool {
    kept.len() == findings.len()
        && kept
            .iter()
            .zip(findings)
            .all(|(k, f)| *k.key == f.key && *k.reason == f.reason && k.severity == f.severity)
}

/// Whole nanoseconds, saturating (a `u64` spans 584 years).
pub(crate) fn nanos(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(d.subsec_nanos()))
}

fn slot(c: Connectivity) -> usize {
    match c {
        Connectivity::Online => 0,
        Connectivity::Late => 1,
        Connectivity::Offline => 2,
        Connectivity::Unknown => 3,
    }
}

#[cfg(test)]
mod clock;
#[cfg(test)]
mod tests;
