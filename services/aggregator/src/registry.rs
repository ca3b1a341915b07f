//! The fleet registry in the aggregator: the registry's watch applied to
//! the site table ([`crate::state::registered`]), maintenance windows closed
//! on time, and what reports teach the registry written back
//! ([`Registrar`]): a site first heard of (auto-registration), its first
//! report, the interval and labels it declares.
//!
//! Nothing here is on the ingest path's critical section: ingest offers a
//! [`Registration`] without waiting, and the registrar writes (a few at a
//! time) when the registry is available; while it is not, offers wait (one
//! per site, up to a bound) and are written when it is back.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_nats::Client;
use compact_str::CompactString;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use healthmon_common::CancellationToken;
use healthmon_common::clock::now_ms;
use healthmon_proto::Partition;
use healthmon_registry::{Availability, Change, Registry, RegistryConfig, RegistryError};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::metric_names::{REGISTRATIONS, SITES};
use crate::state::{Registration, Shared, lock};

/// Registrations queued before offers are dropped (the next report offers again).
const QUEUE: usize = 4096;
/// Registry writes in flight at once.
const IN_FLIGHT: usize = 64;
/// Offers kept while the registry is unavailable (the rest are dropped:
/// their sites' next reports offer again).
const DEFERRED: usize = 100_000;
/// Changes applied under one lock of the table.
const BATCH: usize = 1024;

/// What the rest of the aggregator holds of the registry.
#[derive(Clone)]
pub struct RegistryLink {
    pub registrar: Registrar,
    pub availability: watch::Receiver<Availability>,
}

/// Starts the watch, the table's sync and the registrar, on `tasks`.
pub fn start(
    client: Client,
    config: RegistryConfig,
    partition: Option<Partition>,
    table: Shared,
    stop: &CancellationToken,
    tasks: &mut JoinSet<()>,
) -> RegistryLink {
    let registry = Arc::new(Registry::new(client, config));
    let (changes, availability, watch) =
        healthmon_registry::watch::spawn(registry.clone(), partition, stop.clone());
    tasks.spawn(async move {
        let _ = watch.await;
    });
    tasks.spawn(sync(changes, table, stop.clone()));
    let (tx, rx) = mpsc::channel(QUEUE);
    tasks.spawn(register(rx, registry, availability.clone(), stop.clone()));
    RegistryLink {
        registrar: Registrar { tx },
        availability,
    }
}

/// Applies the registry's changes to the table as they come, and closes
/// maintenance windows when they end.
async fn sync(mut changes: mpsc::Receiver<Change>, table: Shared, stop: CancellationToken) {
    loop {
        let next_end = lock(&table).next_window_end();
        let window_ends = async {
            match next_end {
                Some(end) => {
                    let wait = end.saturating_sub(now_ms());
                    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stop.cancelled() => return,
            () = window_ends => {
                let closed = lock(&table).expire_windows(now_ms());
                if closed > 0 {
                    tracing::info!(closed, "maintenance windows ended");
                }
            }
            change = changes.recv() => {
                let Some(first) = change else { return };
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match changes.try_recv() {
                        Ok(change) => batch.push(change),
                        Err(_) => break,
                    }
                }
                let sites = {
                    let mut table = lock(&table);
                    let now = now_ms();
                    for change in batch {
                        apply(&mut table, change, now);
                    }
                    table.len()
                };
                metrics::gauge!(SITES).set(sites as f64);
            }
        }
    }
}

fn apply(table: &mut crate::state::SiteTable, change: Change, now_ms: u64) {
    match change {
        Change::Site(site, record) => {
            if record.is_none() {
                tracing::info!(site, "site forgotten (fleet registry)");
            }
            table.apply_record(&site, record, now_ms);
        }
        Change::Maintenance(site, window) => table.apply_maintenance(&site, window, now_ms),
        Change::Ack(site, ack) => table.apply_ack(&site, ack, now_ms),
        Change::Loaded => table.set_registry_loaded(),
    }
}

/// Takes what reports teach the registry, without waiting.
#[derive(Clone)]
pub struct Registrar {
    tx: mpsc::Sender<Registration>,
}

impl Registrar {
    /// Offers a registration; dropped when the queue is full (the next
    /// report of the site offers it again).
    pub fn offer(&self, registration: Registration) {
        let _ = self.tx.try_send(registration);
    }
}

async fn register(
    mut offers: mpsc::Receiver<Registration>,
    registry: Arc<Registry>,
    mut availability: watch::Receiver<Availability>,
    stop: CancellationToken,
) {
    let mut pending: HashSet<CompactString> = HashSet::new();
    // Offers made while the registry is unavailable, written when it is back.
    let mut deferred: HashMap<CompactString, Registration> = HashMap::new();
    let mut writing = FuturesUnordered::new();
    loop {
        let available = availability.borrow().available;
        let ready = if available && writing.len() < IN_FLIGHT {
            let site = deferred.keys().next().cloned();
            site.and_then(|site| deferred.remove(&site))
        } else {
            None
        };
        let offer = match ready {
            Some(offer) => offer,
            None => tokio::select! {
                _ = stop.cancelled() => return,
                Some((site, outcome)) = writing.next(), if !writing.is_empty() => {
                    pending.remove(&site);
                    count(outcome);
                    continue;
                }
                changed = availability.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    continue;
                }
                offer = offers.recv(), if writing.len() < IN_FLIGHT => match offer {
                    Some(offer) => offer,
                    None => return,
                },
            },
        };
        if !available {
            if deferred.len() < DEFERRED || deferred.contains_key(&offer.site_id) {
                deferred.insert(offer.site_id.clone(), offer);
            }
            continue;
        }
        if !pending.insert(offer.site_id.clone()) {
            continue;
        }
        let registry = registry.clone();
        writing.push(async move {
            let outcome = registry
                .update_site(&offer.site_id, |current| offer.apply(current))
                .await;
            (offer.site_id, outcome.map(|written| written.is_some()))
        });
    }
}

fn count(outcome: Result<bool, RegistryError>) {
    let label = match outcome {
        Ok(true) => "written",
        Ok(false) => "unchanged",
        Err(e) => {
            tracing::debug!(error = %e, "registry write failed; the next report retries");
            "failed"
        }
    };
    metrics::counter!(REGISTRATIONS, "outcome" => label).increment(1);
}
