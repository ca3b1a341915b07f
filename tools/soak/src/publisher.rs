//! The load: every simulated site's report, on schedule, over one NATS
//! connection. Lean on purpose (a prepared report per site, only `seq` and
//! `sent_at_ms` change), so the soak's own CPU goes to the services under
//! test rather than to making up data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::{Client, Subject};
use healthmon_common::CancellationToken;
use healthmon_proto::{Subjects, encode};
use tokio::time::Instant;

use crate::fleet::{self, Schedule};

/// What the publisher has done so far, readable while it runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub sent: AtomicU64,
    /// Worst delay of a send behind its slot, in microseconds.
    pub max_lag_us: AtomicU64,
    /// Sends more than half an interval behind: those make a site late for real.
    pub very_late: AtomicU64,
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
}

/// Publishes every send due within `duration` of now, then flushes.
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
    let mut reports: Vec<_> = (0..sites)
        .map(|i| fleet::report(i, &instance, interval))
        .collect();
    let targets: Vec<Subject> = (0..sites)
        .map(|i| Subject::from(subjects.report(&fleet::site_id(i))))
        .collect();
    let last = schedule.due(duration.saturating_sub(Duration::from_nanos(1)));
    let start = Instant::now();
    let mut k = 0u64;
    while k < last {
        let due = schedule.due(start.elapsed()).min(last);
        while k < due {
            if k & 63 == 0 {
                note_lag(
                    &progress,
                    start.elapsed().saturating_sub(schedule.at(k)),
                    interval,
                );
            }
            let report = &mut reports[schedule.site(k)];
            report.seq = schedule.seq(k);
            report.sent_at_ms = healthmon_common::clock::now_ms();
            client
                .publish(targets[schedule.site(k)].clone(), encode(report).into())
                .await?;
            k += 1;
            progress.sent.store(k, Ordering::Relaxed);
        }
        if k >= last {
            break;
        }
        let next = start + schedule.at(k);
        tokio::select! {
            _ = tokio::time::sleep_until(next.max(Instant::now() + Duration::from_millis(2))) => {}
            _ = stop.cancelled() => break,
        }
    }
    client.flush().await?;
    Ok(())
}

fn note_lag(progress: &Progress, lag: Duration, interval: Duration) {
    progress
        .max_lag_us
        .fetch_max(lag.as_micros() as u64, Ordering::Relaxed);
    if lag > interval / 2 {
        progress.very_late.fetch_add(1, Ordering::Relaxed);
    }
}
