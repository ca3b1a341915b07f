//! The load: every simulated site's report, on schedule, over one NATS
//! connection, and the answers to resend commands, as real collectors
//! give them. Lean on purpose (a prepared report per site, only `seq` and
//! `sent_at_ms` change), so the soak's own CPU goes to the services under
//! test rather than to making up data.
//!
//! Both kinds of send come from one loop, so a site's `seq` steps by one in
//! the order its reports leave: an answer racing the site's regular report
//! on another task could overtake it and look stale to the aggregator.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::{Client, Subject};
use futures::StreamExt;
use healthmon_common::CancellationToken;
use healthmon_proto::subjects::{HEADER_RESEND_SPREAD_MS, resend_spread};
use healthmon_proto::{HealthReport, Subjects, encode};
use tokio::time::Instant;

use crate::fleet::{self, Schedule};

/// A collector's own jitter when a resend names no window (its default).
pub const DEFAULT_RESEND_JITTER: Duration = Duration::from_secs(1);

/// What the publisher has done so far, readable while it runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub sent: AtomicU64,
    /// Worst delay of a send behind its slot, in microseconds.
    pub max_lag_us: AtomicU64,
    /// Sends more than half an interval behind: those make a site late for real.
    pub very_late: AtomicU64,
    /// Resend commands heard.
    pub resends: AtomicU64,
    /// `sent` when the last resend command arrived: every report sent after
    /// it reaches whoever asked (its subscriptions were in place first).
    pub sent_at_resend: AtomicU64,
    /// The window the last resend command asked for, ms.
    pub resend_window_ms: AtomicU64,
    /// Answers to resend commands sent (also counted in `sent`).
    pub answers: AtomicU64,
    /// Sites whose regular report fell inside a resend's window and answered
    /// it (as a collector does: no extra report).
    pub covered: AtomicU64,
    /// Resends whose window has closed; the last report sent by then went to
    /// site number `last_site` with `last_seq`.
    pub passes: AtomicU64,
    pub last_site: AtomicU64,
    pub last_seq: AtomicU64,
}

impl Progress {
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn max_lag(&self) -> Duration {
        Duration::from_micros(self.max_lag_us.load(Ordering::Relaxed))
    }

    pub fn very_late(&self) -> u64 {
        self.very_late.load(Ordering::Relaxed)
    }

    pub fn resends(&self) -> u64 {
        self.resends.load(Ordering::SeqCst)
    }

    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::SeqCst)
    }
}

/// The latest resend command not yet picked up by the loop: when it came, its window.
type Pending = Arc<Mutex<Option<(Instant, Duration)>>>;

/// A resend being answered: site `next` onward, spread over the schedule's
/// interval (the window) from `since`. Sites whose regular send falls inside
/// the window are left to it (`covered`); the pass is over once the last
/// site that must answer has (`last_answering`) and the last covering
/// regular send is due (`covered_until`, since the run's start).
struct Answering {
    since: Instant,
    schedule: Schedule,
    next: u64,
    covered: Vec<bool>,
    last_answering: Option<u64>,
    covered_until: Duration,
}

impl Answering {
    /// Plans the answers to a command heard at `at` (since the run's start)
    /// asking for `window`, given the regular `schedule`.
    fn plan(
        schedule: &Schedule,
        sites: usize,
        since: Instant,
        at: Duration,
        window: Duration,
    ) -> Self {
        let from = schedule.due(at);
        let n = sites as u64;
        let mut covered = vec![false; sites];
        let (mut last_answering, mut covered_until) = (None, at);
        for (site, covered) in covered.iter_mut().enumerate() {
            let regular = schedule.at(from + (site as u64 + n - from % n) % n);
            if regular <= at + window {
                *covered = true;
                covered_until = covered_until.max(regular);
            } else {
                last_answering = Some(site as u64);
            }
        }
        Answering {
            since,
            schedule: Schedule::new(sites, window),
            next: 0,
            covered,
            last_answering,
            covered_until,
        }
    }

    fn done(&self, elapsed: Duration) -> bool {
        self.last_answering.is_none_or(|last| self.next > last) && elapsed >= self.covered_until
    }
}

/// The fleet's reports and where each goes; `seq` steps by one per send.
struct Sender {
    client: Client,
    reports: Vec<HealthReport>,
    targets: Vec<Subject>,
    progress: Arc<Progress>,
    /// The site sent to last.
    last: usize,
}

impl Sender {
    async fn send(&mut self, site: usize) -> anyhow::Result<()> {
        let report = &mut self.reports[site];
        report.seq += 1;
        report.sent_at_ms = healthmon_common::clock::now_ms();
        self.client
            .publish(self.targets[site].clone(), encode(report).into())
            .await?;
        self.progress.sent.fetch_add(1, Ordering::Relaxed);
        self.last = site;
        Ok(())
    }
}

/// Publishes every send due within `duration` of now, answering resend
/// commands meanwhile, then flushes.
pub async fn run(
    client: Client,
    subjects: &Subjects,
    sites: usize,
    interval: Duration,
    duration: Duration,
    progress: Arc<Progress>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let schedule = Schedule::new(sites, interval);
    let instance = format!("soak-{}", std::process::id());
    let pending = Pending::default();
    let commands = client.subscribe(subjects.resend()).await?;
    tokio::spawn(listen(commands, pending.clone(), progress.clone()));
    let mut sender = Sender {
        client: client.clone(),
        reports: (0..sites)
            .map(|i| {
                let mut r = fleet::report(i, &instance, interval);
                r.seq = 0;
                r
            })
            .collect(),
        targets: (0..sites)
            .map(|i| Subject::from(subjects.report(&fleet::site_id(i))))
            .collect(),
        progress: progress.clone(),
        last: 0,
    };
    let mut answering: Option<Answering> = None;
    let last = schedule.due(duration.saturating_sub(Duration::from_nanos(1)));
    let start = Instant::now();
    let mut k = 0u64;
    while k < last {
        let now = start.elapsed();
        let due = schedule.due(now).min(last);
        while k < due {
            if k & 63 == 0 {
                note_lag(
                    &progress,
                    start.elapsed().saturating_sub(schedule.at(k)),
                    interval,
                );
            }
            sender.send(schedule.site(k)).await?;
            k += 1;
        }
        if let Some((since, window)) = pending.lock().expect("resend lock").take() {
            let at = since.saturating_duration_since(start);
            let plan = Answering::plan(&schedule, sites, since, at, window);
            let covered = plan.covered.iter().filter(|c| **c).count();
            progress
                .covered
                .fetch_add(covered as u64, Ordering::Relaxed);
            answering = Some(plan);
        }
        if let Some(a) = &mut answering {
            let due = a.schedule.due(a.since.elapsed()).min(sites as u64);
            while a.next < due {
                let site = a.next as usize;
                a.next += 1;
                if !a.covered[site] {
                    sender.send(site).await?;
                    progress.answers.fetch_add(1, Ordering::Relaxed);
                }
            }
            // The regular sends due by `now` went first in this turn.
            if a.done(now) {
                answering = None;
                let site = sender.last;
                let seq = sender.reports[site].seq;
                progress.last_site.store(site as u64, Ordering::SeqCst);
                progress.last_seq.store(seq, Ordering::SeqCst);
                progress.passes.fetch_add(1, Ordering::SeqCst);
            }
        }
        if k >= last {
            break;
        }
        let mut next = start + schedule.at(k);
        if answering.is_some() {
            next = next.min(Instant::now());
        }
        tokio::select! {
            _ = tokio::time::sleep_until(next.max(Instant::now() + Duration::from_millis(2))) => {}
            _ = stop.cancelled() => break,
        }
    }
    client.flush().await?;
    Ok(())
}

/// Hears resend commands as a collector does: the window from the header,
/// or the collector's own jitter.
async fn listen(mut commands: async_nats::Subscriber, pending: Pending, progress: Arc<Progress>) {
    while let Some(command) = commands.next().await {
        let window = command
            .headers
            .as_ref()
            .and_then(|h| h.get(HEADER_RESEND_SPREAD_MS))
            .and_then(|v| resend_spread(v.as_str()))
            .unwrap_or(DEFAULT_RESEND_JITTER);
        progress
            .sent_at_resend
            .store(progress.sent(), Ordering::Relaxed);
        progress
            .resend_window_ms
            .store(window.as_millis() as u64, Ordering::Relaxed);
        progress.resends.fetch_add(1, Ordering::SeqCst);
        *pending.lock().expect("resend lock") = Some((Instant::now(), window));
    }
}

fn note_lag(progress: &Progress, lag: Duration, interval: Duration) {
    progress
        .max_lag_us
        .fetch_max(lag.as_micros() as u64, Ordering::Relaxed);
    if lag > interval / 2 {
        progress.very_late.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
