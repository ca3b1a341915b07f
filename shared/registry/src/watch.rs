//! Every replica's copy of the registry: a task that watches the whole
//! bucket from the start and hands each change to its service, in order.
//!
//! - At start it delivers every entry, then [`Change::Loaded`]; from then
//!   on, each write as it happens. A restarted service therefore has the
//!   registry back at once, and an admin action reaches every replica.
//! - When JetStream goes away (down, no quorum) the service keeps what it
//!   has; the task says so ([`Availability`], `healthmon_registry_available`,
//!   one log line per outage) and retries; when it is back it resumes from
//!   the last revision seen, or reloads everything (reporting the keys that
//!   disappeared meanwhile) if the bucket was recreated.
//! - A value that does not read (put by hand, or by a broken writer) is
//!   counted (`healthmon_registry_invalid_total`), logged and skipped.
//! - With a partition, only the partition's sites are handed on.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::kv;
use futures::StreamExt;
use healthmon_common::CancellationToken;
use healthmon_common::clock::now_ms;
use healthmon_proto::Partition;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::timeout;

use crate::entry::{self, Kind};
use crate::metric_names::{AVAILABLE, INVALID, LOADED_SECONDS, SITES};
use crate::store::{OP_TIMEOUT, Registry};
use healthmon_proto::fleet::{Ack, FleetError, Maintenance, SiteRecord};

mod lost;
use lost::Lost;

/// Pause between attempts while the registry is unavailable.
const RETRY: Duration = Duration::from_secs(1);

/// How often a quiet watch asks whether the bucket still answers: a watch
/// whose server vanished neither ends nor fails, it only goes quiet.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// Changes queued for the service before the watch waits for it.
const QUEUE: usize = 4096;

/// One change of the registry, for one site.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `site.<id>` written (`Some`) or deleted (`None`).
    Site(String, Option<SiteRecord>),
    Maintenance(String, Option<Maintenance>),
    Ack(String, Option<Ack>),
    /// Every entry present at start has been delivered (once per process;
    /// after an outage, catching up needs no marker).
    Loaded,
}

/// Whether the registry can be read and written right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub available: bool,
    /// The whole registry has been read at least once.
    pub loaded: bool,
    /// What went wrong last, while unavailable.
    pub error: Option<String>,
    /// Unix ms of the last change of `available`.
    pub since_ms: u64,
}

/// Starts the watch; the changes and the availability are the service's to read.
pub fn spawn(
    registry: Arc<Registry>,
    partition: Option<Partition>,
    shutdown: CancellationToken,
) -> (
    mpsc::Receiver<Change>,
    watch::Receiver<Availability>,
    JoinHandle<()>,
) {
    crate::metric_names::describe();
    let (changes, rx) = mpsc::channel(QUEUE);
    let (state, availability) = watch::channel(Availability {
        available: false,
        loaded: false,
        error: None,
        since_ms: now_ms(),
    });
    let watcher = Watcher {
        registry,
        partition,
        changes,
        state,
        keys: HashSet::new(),
        sites: 0,
        revision: 0,
        loaded: false,
    };
    let task = tokio::spawn(async move {
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = watcher.run() => {}
        }
    });
    (rx, availability, task)
}

struct Watcher {
    registry: Arc<Registry>,
    partition: Option<Partition>,
    changes: mpsc::Sender<Change>,
    state: watch::Sender<Availability>,
    /// Every key seen, to tell what vanished when the bucket is reloaded.
    keys: HashSet<String>,
    /// How many of `keys` are sites' records.
    sites: usize,
    /// The last revision handed on.
    revision: u64,
    loaded: bool,
}

impl Watcher {
    async fn run(mut self) {
        let started = std::time::Instant::now();
        loop {
            match self.watch_once(started).await {
                // The service went away: nothing left to do.
                Ok(()) => return,
                Err(lost) => self.unavailable(&lost.to_string()),
            }
            self.registry.reset().await;
            tokio::time::sleep(RETRY).await;
        }
    }

    /// Watches until an error (returned) or until the service stops
    /// listening (`Ok`).
    async fn watch_once(&mut self, started: std::time::Instant) -> Result<(), Lost> {
        let store = self
            .registry
            .store()
            .await
            .map_err(|e| Lost::Store(e.reason()))?;
        let mut stream = store.stream.clone();
        let info = timeout(OP_TIMEOUT, stream.info())
            .await
            .map_err(|_| Lost::StateTimedOut)?
            .map_err(Lost::nats)?;
        served(info)?;
        let last = info.state.last_sequence;
        // A bucket whose revisions went backwards was recreated: reload.
        let reload = self.revision > last;
        let from = if reload || self.revision == 0 {
            None
        } else {
            Some(self.revision + 1)
        };
        let watch = match from {
            Some(revision) => timeout(OP_TIMEOUT, store.watch_all_from_revision(revision)).await,
            // With history: every key's current value first (a plain
            // `watch_all` delivers only what is written from now on).
            None => timeout(OP_TIMEOUT, store.watch_with_history(">")).await,
        };
        let mut watch = watch
            .map_err(|_| Lost::WatchTimedOut)?
            .map_err(Lost::nats)?;
        self.available();
        let mut seen = (from.is_none() && !self.keys.is_empty()).then(HashSet::new);
        let mut caught_up = info.state.messages == 0 || self.revision >= last;
        if caught_up {
            self.caught_up(seen.take(), started).await?;
        }
        let mut probe = tokio::time::interval(PROBE_EVERY);
        probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let next = tokio::select! {
                next = watch.next() => next,
                _ = probe.tick() => {
                    match timeout(OP_TIMEOUT, stream.info()).await {
                        Ok(Ok(info)) => {
                            served(info)?;
                            continue;
                        }
                        Ok(Err(e)) => return Err(Lost::nats(e)),
                        Err(_) => return Err(Lost::Silent),
                    }
                }
            };
            let entry = match next {
                Some(Ok(entry)) => entry,
                Some(Err(e)) => return Err(Lost::nats(e)),
                None => return Err(Lost::Ended),
            };
            self.revision = entry.revision;
            if let Some(seen) = seen.as_mut() {
                seen.insert(entry.key.clone());
            }
            if let Some(change) = self.change(&entry)
                && self.changes.send(change).await.is_err()
            {
                // The service stopped listening.
                return Ok(());
            }
            if !caught_up && entry.revision >= last {
                caught_up = true;
                self.caught_up(seen.take(), started).await?;
            }
        }
    }

    /// After a (re)load: the keys that were not delivered again are gone;
    /// the first time, [`Change::Loaded`].
    async fn caught_up(
        &mut self,
        seen: Option<HashSet<String>>,
        started: std::time::Instant,
    ) -> Result<(), Lost> {
        if let Some(seen) = seen {
            let gone: Vec<String> = self.keys.difference(&seen).cloned().collect();
            for key in gone {
                self.forget_key(&key);
                if let Some(change) = removal(&key, self.partition) {
                    let _ = self.changes.send(change).await;
                }
            }
        }
        if !self.loaded {
            self.loaded = true;
            metrics::gauge!(LOADED_SECONDS).set(started.elapsed().as_secs_f64());
            let _ = self.changes.send(Change::Loaded).await;
            self.state.send_modify(|s| s.loaded = true);
            tracing::info!(
                keys = self.keys.len(),
                took = ?started.elapsed(),
                bucket = %self.registry.config().bucket,
                "fleet registry loaded"
            );
        }
        Ok(())
    }

    fn change(&mut self, entry: &kv::Entry) -> Option<Change> {
        let (kind, site) = Kind::of_key(&entry.key)?;
        if self.partition.is_some_and(|p| !p.holds(site)) {
            return None;
        }
        let site = site.to_owned();
        if entry.operation != kv::Operation::Put {
            self.forget_key(&entry.key);
            return removal(&entry.key, None);
        }
        if self.keys.insert(entry.key.clone()) && kind == Kind::Site {
            self.sites += 1;
            metrics::gauge!(SITES).set(self.sites as f64);
        }
        let decoded: Result<Change, FleetError> = match kind {
            Kind::Site => entry::decode_site(&entry.value).map(|r| Change::Site(site, Some(r))),
            Kind::Maintenance => {
                entry::decode_maintenance(&entry.value).map(|m| Change::Maintenance(site, Some(m)))
            }
            Kind::Ack => entry::decode_ack(&entry.value).map(|a| Change::Ack(site, Some(a))),
        };
        match decoded {
            Ok(change) => Some(change),
            Err(e) => {
                metrics::counter!(INVALID).increment(1);
                tracing::warn!(key = %entry.key, error = %e, "skipping an unreadable registry entry");
                None
            }
        }
    }

    fn forget_key(&mut self, key: &str) {
        let is_site = Kind::of_key(key).is_some_and(|(kind, _)| kind == Kind::Site);
        if self.keys.remove(key) && is_site {
            self.sites -= 1;
            metrics::gauge!(SITES).set(self.sites as f64);
        }
    }

    fn available(&self) {
        if !self.state.borrow().available {
            metrics::gauge!(AVAILABLE).set(1.0);
            if self.state.borrow().error.is_some() {
                tracing::info!(bucket = %self.registry.config().bucket, "fleet registry available again");
            }
            self.state.send_modify(|s| {
                s.available = true;
                s.error = None;
                s.since_ms = now_ms();
            });
        }
    }

    fn unavailable(&self, reason: &str) {
        if reason.is_empty() {
            return;
        }
        metrics::gauge!(AVAILABLE).set(0.0);
        let was = self.state.borrow().available || self.state.borrow().error.is_none();
        if was {
            tracing::warn!(
                bucket = %self.registry.config().bucket,
                error = reason,
                "fleet registry unavailable: judging with the registry last seen, admin writes refused until it is back"
            );
        }
        self.state.send_modify(|s| {
            if s.available {
                s.since_ms = now_ms();
            }
            s.available = false;
            s.error = Some(reason.to_owned());
        });
    }
}

/// Whether the bucket's stream can take writes ([`Lost::NoLeader`]).
fn served(info: &async_nats::jetstream::stream::Info) -> Result<(), Lost> {
    match &info.cluster {
        Some(cluster) if cluster.leader.is_none() => Err(Lost::NoLeader),
        _ => Ok(()),
    }
}

/// The change a vanished key means (filtered by partition when given).
fn removal(key: &str, partition: Option<Partition>) -> Option<Change> {
    let (kind, site) = Kind::of_key(key)?;
    if partition.is_some_and(|p| !p.holds(site)) {
        return None;
    }
    let site = site.to_owned();
    Some(match kind {
        Kind::Site => Change::Site(site, None),
        Kind::Maintenance => Change::Maintenance(site, None),
        Kind::Ack => Change::Ack(site, None),
    })
}
