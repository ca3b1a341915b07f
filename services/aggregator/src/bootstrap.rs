//! Filling an empty table right after start-up, instead of waiting a full
//! report interval and the next status change.
//!
//! - [`request_resend`] publishes `<prefix>.cmd.resend`: every collector
//!   answers with a fresh report, within the window the header sizes from
//!   the fleet ([`crate::resend`]); the first one waits (briefly) until
//!   the registry is read, so that window counts the listed sites.
//! - [`pull_statuses`] pages through the assessor's `statuses` endpoint, so
//!   sites that are offline (and thus send nothing) show up with their current
//!   status. The assessor may not be running; then live events will do.
//!   A partition's aggregator asks the same partition's assessor
//!   (`<prefix>.assessor.<i>.statuses`), which judges exactly its sites.
//! - [`resend_after_reconnect`] repeats the resend request whenever the
//!   aggregator's own NATS link comes back, since reports sent meanwhile
//!   never reached it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_nats::Client;
use healthmon_client::{QueryError, request_json};
use healthmon_common::nats::LinkState;
use healthmon_common::{CancellationToken, ServiceError};
use healthmon_proto::query::{MAX_LIMIT, PageQuery, StatusPage};
use healthmon_proto::{Rejection, validate_site_id};
use std::time::Duration;
use tokio::sync::watch;

use crate::ingest::Ingest;
use crate::state::lock;

/// Longest wait for the registry before the first resend.
const REGISTRY_WAIT: Duration = Duration::from_secs(5);

/// Returns once the table holds the registry's sites, the registry says it
/// cannot be read, `stop`, or [`REGISTRY_WAIT`] passed.
pub async fn registry_read(
    ingest: &Ingest,
    availability: &watch::Receiver<healthmon_registry::watch::Availability>,
    stop: &CancellationToken,
) {
    let deadline = tokio::time::Instant::now() + REGISTRY_WAIT;
    while !lock(&ingest.table).registry_loaded()
        && availability.borrow().error.is_none()
        && !stop.is_cancelled()
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asks every collector for a report, spread over a window sized from the
/// sites the table holds or the reports heard stand for, whichever is more,
/// and `rate` (reports/s).
pub async fn request_resend(
    client: &Client,
    ingest: &Ingest,
    rate: u32,
) -> Result<(), ServiceError> {
    let subject = ingest.subjects.resend();
    let held = lock(&ingest.table).len();
    let inferred = ingest.heard.fleet_at(std::time::Instant::now());
    let sites = held.max(inferred);
    let spread = crate::resend::spread(sites, rate);
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(
        healthmon_proto::subjects::HEADER_RESEND_SPREAD_MS,
        healthmon_proto::subjects::resend_spread_value(spread).as_str(),
    );
    client
        .publish_with_headers(subject.clone(), headers, bytes::Bytes::new())
        .await
        .map_err(|e| ServiceError::nats(format!("publish {subject}"), e))?;
    client
        .flush()
        .await
        .map_err(|e| ServiceError::nats(format!("flush {subject}"), e))?;
    tracing::info!(%subject, held, inferred, spread_ms = spread.as_millis() as u64, "asked collectors to report again");
    Ok(())
}

/// Asks every collector for a report each time the link is re-established,
/// until `stop`. Collectors report on their own reconnection too; this
/// covers the case where only the aggregator's link dropped, so its view is
/// current again within the collectors' resend jitter instead of a whole
/// interval. Reconnections are counted by the client itself (`connects`),
/// because the link watch may also move once for the initial connection.
pub async fn resend_after_reconnect(
    client: Client,
    mut link: watch::Receiver<LinkState>,
    ingest: Arc<Ingest>,
    rate: u32,
    stop: CancellationToken,
) {
    let connects = || client.statistics().connects.load(Ordering::Relaxed);
    let mut seen = connects();
    loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            changed = link.changed() => if changed.is_err() {
                // The connection is gone for good; the service is stopping.
                stop.cancelled().await;
                return;
            },
        }
        if !link.borrow_and_update().connected {
            continue;
        }
        let now = connects();
        if now > seen {
            seen = now;
            if let Err(e) = request_resend(&client, &ingest, rate).await {
                tracing::warn!(error = %e, "could not ask collectors to report after reconnecting");
            }
        }
    }
}

/// Pulls every site's current status from the assessor; each page gets `timeout`.
pub async fn pull_statuses(client: &Client, ingest: &Ingest, timeout: Duration) {
    let subject = ingest.subjects.assessor("statuses");
    let (mut offset, mut applied) = (0usize, 0usize);
    loop {
        let query = PageQuery {
            offset,
            limit: MAX_LIMIT,
        };
        let page: StatusPage = match request_json(client, &subject, &query, timeout).await {
            Ok(page) => page,
            Err(e @ (QueryError::NoResponders(_) | QueryError::TimedOut(_))) => {
                tracing::info!(error = %e, "assessor not available; statuses will arrive as live events");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not pull statuses from the assessor; statuses will arrive as live events");
                return;
            }
        };
        let total = page.total;
        if page.items.is_empty() {
            break;
        }
        offset += page.items.len();
        applied += apply_page(ingest, page.items);
        // `total` bounds the paging even if the assessor's fleet changes meanwhile.
        if offset >= total {
            break;
        }
    }
    tracing::info!(applied, "pulled current site statuses from the assessor");
}

/// Applies one page under one lock; returns how many rows took effect.
fn apply_page(ingest: &Ingest, rows: Vec<healthmon_proto::query::StatusRow>) -> usize {
    let mut applied = 0;
    let mut new_sites = false;
    let mut bad = Vec::new();
    let sites = {
        let mut table = lock(&ingest.table);
        for row in rows {
            if let Err(e) = validate_site_id(&row.site_id) {
                bad.push((row.site_id, Rejection::BadSiteId(e)));
                continue;
            }
            if let Some(new_site) = table.apply_bootstrap(row) {
                applied += 1;
                new_sites |= new_site;
            }
        }
        table.len()
    };
    if new_sites {
        ingest.metrics.set_sites(sites);
    }
    for (site_id, rejection) in bad {
        ingest.metrics.status_rejected(rejection.reason());
        ingest.warn_refused("assessor status row", &site_id, &rejection);
    }
    applied
}
