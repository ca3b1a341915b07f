//! Leader election between assessor replicas: a lease in a JetStream KV
//! bucket (`healthmon_assessor_leader`, key `leader`; for partition `i` of
//! `N`, key `leader-i-of-N`, see [`key`]).
//!
//! Every replica tracks every site; only the holder of the lease publishes
//! status events, so two replicas never announce the same change. Why a KV
//! lease and not a queue group: a queue group spreads *messages* over
//! members, but a report must reach every replica (each one's heartbeat
//! timers need all of them), and a timeout has no message to deliver at all.
//!
//! The lease: a replica becomes leader by `create`-ing the key (which fails
//! while another holds it) and renews it with a revision-checked `update`
//! every `ttl / 3`; the bucket's `max_age` (= `ttl`) removes a lease nobody
//! renews, so a follower's next `create` succeeds. A leader that cannot
//! renew steps down *before* its last write can expire (no split brain), and
//! a leader that stops cleanly deletes the key so a follower takes over at
//! once. While the KV is unreachable no replica publishes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::Client;
use async_nats::jetstream::{self, kv};
use futures::StreamExt;
use healthmon_common::CancellationToken;
use healthmon_common::log_limit::LogLimiter;
use healthmon_proto::Partition;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};

use crate::stats;

pub const BUCKET: &str = "healthmon_assessor_leader";
/// The lease key of an unpartitioned fleet.
pub const KEY: &str = "leader";
pub const DEFAULT_LEASE: Duration = Duration::from_secs(3);
pub const MIN_LEASE: Duration = Duration::from_secs(1);

/// A name for this replica, unique enough to tell replicas apart in the KV
/// and the logs (several may run in one process in tests).
pub fn instance_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "assessor-{}-{nanos:08x}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The lease key of the replicas serving `partition`: one lease per
/// partition, so replicas of the same partition elect one publisher among
/// themselves and different partitions never compete. The count is part of
/// the key: while a fleet is re-partitioned (N changes), the old and the new
/// partition `i` judge different sites and must not take each other's lease.
pub fn key(partition: Option<Partition>) -> String {
    match partition {
        Some(p) => format!("{KEY}-{}-of-{}", p.index(), p.count()),
        None => KEY.to_owned(),
    }
}

/// A constant "leader" for a single assessor without election.
pub fn always() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(true);
    // Kept open forever so `changed()` never reports a closed channel.
    std::mem::forget(tx);
    rx
}

/// Starts the lease task; the receiver says whether this replica leads now.
/// The task ends after releasing the lease at shutdown: await it before
/// draining the connection.
pub fn spawn(
    client: Client,
    ttl: Duration,
    replicas: usize,
    instance: String,
    key: String,
    shutdown: CancellationToken,
) -> (watch::Receiver<bool>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(false);
    stats::leader(false);
    let task = tokio::spawn(Lease::new(client, ttl, replicas, instance, key, tx).run(shutdown));
    (rx, task)
}

struct Lease {
    js: jetstream::Context,
    store: Option<kv::Store>,
    ttl: Duration,
    /// Replicas of the bucket's stream, when this replica creates it.
    replicas: usize,
    instance: String,
    /// The lease key ([`key`]).
    key: String,
    /// The revision of our lease entry while we lead.
    revision: Option<u64>,
    /// When the request that last wrote our lease was sent: the entry
    /// expires no earlier than this + ttl.
    written_at: Instant,
    tx: watch::Sender<bool>,
    log: LogLimiter,
}

impl Lease {
    fn new(
        client: Client,
        ttl: Duration,
        replicas: usize,
        instance: String,
        key: String,
        tx: watch::Sender<bool>,
    ) -> Self {
        Lease {
            js: jetstream::new(client),
            store: None,
            ttl,
            replicas,
            instance,
            key,
            revision: None,
            written_at: Instant::now(),
            tx,
            log: LogLimiter::default(),
        }
    }

    fn tick(&self) -> Duration {
        self.ttl / 3
    }

    async fn run(mut self, shutdown: CancellationToken) {
        tracing::info!(instance = %self.instance, lease = ?self.ttl, bucket = BUCKET, key = %self.key, "leader election on");
        // A follower watches the key so that a released lease is taken at
        // once; an expired one is found by the next periodic try.
        let mut released: Option<kv::Watch> = None;
        'outer: loop {
            self.step().await;
            if released.is_none()
                && self.revision.is_none()
                && let Some(store) = &self.store
            {
                released = timeout(self.tick(), store.watch(&self.key))
                    .await
                    .ok()
                    .and_then(Result::ok);
            }
            let next_try = Instant::now() + self.tick();
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break 'outer,
                    () = tokio::time::sleep_until(next_try) => break,
                    entry = next_entry(&mut released), if self.revision.is_none() => match entry {
                        Some(Ok(entry)) if entry.operation != kv::Operation::Put => break,
                        Some(Ok(_)) => {}
                        _ => released = None,
                    },
                }
            }
        }
        self.resign().await;
    }

    async fn step(&mut self) {
        if self.store.is_none() {
            self.store = self.open().await;
        }
        let Some(store) = self.store.clone() else {
            self.check_expiry();
            return;
        };
        let value = bytes::Bytes::from(self.instance.clone());
        let sent = Instant::now();
        match self.revision {
            None => match timeout(self.tick(), store.create(&self.key, value)).await {
                Ok(Ok(revision)) => {
                    self.revision = Some(revision);
                    self.written_at = sent;
                    self.set(true, "acquired the lease: publishing status events");
                }
                Ok(Err(e)) if e.kind() == kv::CreateErrorKind::AlreadyExists => {}
                Ok(Err(e)) => self.unreachable(&e.to_string()),
                Err(_) => self.unreachable("lease request timed out"),
            },
            Some(revision) => {
                match timeout(self.tick(), store.update(&self.key, value, revision)).await {
                    Ok(Ok(revision)) => {
                        self.revision = Some(revision);
                        self.written_at = sent;
                    }
                    Ok(Err(e)) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                        self.revision = None;
                        self.set(false, "lease taken by another replica: following");
                    }
                    Ok(Err(e)) => {
                        self.unreachable(&e.to_string());
                        self.check_expiry();
                    }
                    Err(_) => {
                        self.unreachable("lease renewal timed out");
                        self.check_expiry();
                    }
                }
            }
        }
    }

    /// Steps down while our last write is still valid, so that no other
    /// replica can hold the lease while we still publish.
    fn check_expiry(&mut self) {
        if self.revision.is_some() && self.written_at.elapsed() + self.tick() >= self.ttl {
            self.revision = None;
            self.set(
                false,
                "cannot renew the lease in time: stepping down, not publishing",
            );
        }
    }

    async fn open(&mut self) -> Option<kv::Store> {
        let config = kv::Config {
            bucket: BUCKET.into(),
            description: "healthmon assessor leader lease".into(),
            history: 1,
            max_age: self.ttl,
            storage: jetstream::stream::StorageType::Memory,
            num_replicas: self.replicas,
            ..Default::default()
        };
        let created = timeout(self.ttl, self.js.create_key_value(config)).await;
        match created {
            Ok(Ok(store)) => return Some(store),
            Ok(Err(e)) => tracing::debug!(error = %e, "create lease bucket; trying to open it"),
            Err(_) => {}
        }
        match timeout(self.ttl, self.js.get_key_value(BUCKET)).await {
            Ok(Ok(store)) => Some(store),
            Ok(Err(e)) => {
                self.unreachable(&e.to_string());
                None
            }
            Err(_) => {
                self.unreachable("opening the lease bucket timed out");
                None
            }
        }
    }

    async fn resign(&mut self) {
        if let (Some(store), Some(revision)) = (&self.store, self.revision.take()) {
            // Lets a follower take over now rather than after the lease expires.
            let deleted = timeout(
                self.tick(),
                store.delete_expect_revision(&self.key, Some(revision)),
            )
            .await;
            if !matches!(deleted, Ok(Ok(()))) {
                tracing::warn!(
                    "could not release the lease; a follower takes over when it expires"
                );
            }
            self.set(false, "released the lease at shutdown");
        }
    }

    fn unreachable(&mut self, error: &str) {
        if let Some(suppressed) = self.log.allow() {
            tracing::warn!(
                error,
                suppressed,
                leader = self.revision.is_some(),
                "leader lease store (JetStream KV) unreachable"
            );
        }
    }

    fn set(&self, leader: bool, why: &str) {
        stats::leader(leader);
        if leader {
            tracing::info!(instance = %self.instance, "{why}");
        } else {
            tracing::warn!(instance = %self.instance, "{why}");
        }
        self.tx.send_replace(leader);
    }
}

async fn next_entry(watch: &mut Option<kv::Watch>) -> Option<Result<kv::Entry, kv::WatcherError>> {
    match watch {
        Some(watch) => watch.next().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
