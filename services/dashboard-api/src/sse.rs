//! `GET /api/v1/events`: live status events as Server-Sent Events.
//!
//! The process subscribes ONCE to `<prefix>.status.*` ([`start_relay`]) and
//! fans each checked event out through a `tokio::sync::broadcast` channel, so
//! a thousand open dashboards cost one NATS subscription. Each client gets
//! `event: status` with the `StatusEvent` as JSON. A client too slow to keep
//! up with the channel gets `event: lagged` with `{"skipped": n}` and carries
//! on from the newest events, so it knows to reload the list rather than
//! silently missing changes. Streams end when the service shuts down, which
//! lets graceful shutdown complete.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, Message};
use axum::extract::{RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use healthmon_common::{CancellationToken, ServiceError};
use healthmon_proto::Subjects;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::error::ApiError;
use crate::events::{self, EventRejection, Relayed};
use crate::openapi::ErrorBody;
use crate::params;
use healthmon_common::log_limit::LogLimiter;

/// Comment lines that keep proxies from closing an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Events buffered per client before it is told it lagged.
pub const CHANNEL_CAPACITY: usize = 1024;

const REJECTED: &str = "healthmon_dashboard_events_rejected_total";
const CLIENTS: &str = "healthmon_dashboard_sse_clients";
const RELAYED: &str = "healthmon_dashboard_events_relayed_total";
const LAGGED: &str = "healthmon_dashboard_sse_lagged_total";

/// Hands out receivers of the relayed events.
#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Arc<Relayed>>,
}

impl EventHub {
    fn subscribe(&self) -> broadcast::Receiver<Arc<Relayed>> {
        self.sender.subscribe()
    }
}

/// Subscribes to every site's status events (active when this returns) and
/// relays them until `shutdown`.
pub async fn start_relay(
    client: &Client,
    subjects: &Subjects,
    shutdown: CancellationToken,
) -> Result<(EventHub, JoinHandle<()>), ServiceError> {
    for reason in EventRejection::REASONS {
        metrics::counter!(REJECTED, "reason" => reason).absolute(0);
    }
    metrics::counter!(RELAYED).absolute(0);
    metrics::counter!(LAGGED).absolute(0);
    metrics::gauge!(CLIENTS).set(0.0);
    metrics::describe_counter!(REJECTED, "Status events not relayed, by reason.");
    metrics::describe_counter!(RELAYED, "Status events relayed to SSE clients.");
    metrics::describe_counter!(LAGGED, "Times a slow SSE client missed events.");
    metrics::describe_gauge!(CLIENTS, "Open SSE streams.");
    let subject = subjects.statuses();
    let mut subscription = client
        .subscribe(subject.clone())
        .await
        .map_err(|e| ServiceError::nats(format!("subscribe to {subject}"), e))?;
    // Events published by anyone after `start` returns must reach us.
    healthmon_common::nats::round_trip(client).await?;
    let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
    let hub = EventHub { sender };
    let relay_hub = hub.clone();
    let subjects = subjects.clone();
    let task = tokio::spawn(async move {
        let mut log = LogLimiter::default();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                message = subscription.next() => match message {
                    Some(message) => relay_one(&relay_hub, &subjects, &message, &mut log),
                    None => {
                        tracing::error!(%subject, "status event subscription ended");
                        break;
                    }
                },
            }
        }
    });
    Ok((hub, task))
}

fn relay_one(hub: &EventHub, subjects: &Subjects, message: &Message, log: &mut LogLimiter) {
    let site = subjects.site_of("status", &message.subject).unwrap_or("");
    match events::relay(&message.payload, site) {
        Ok(relayed) => {
            metrics::counter!(RELAYED).increment(1);
            // An error only means nobody is listening right now.
            let _ = hub.sender.send(Arc::new(relayed));
        }
        Err(rejection) => {
            metrics::counter!(REJECTED, "reason" => rejection.reason()).increment(1);
            if let Some(suppressed) = log.allow() {
                tracing::warn!(
                    subject = %message.subject,
                    reason = rejection.reason(),
                    error = %rejection,
                    suppressed,
                    "skipping bad status event"
                );
            }
        }
    }
}

/// `GET /api/v1/events[?site_id=...]`: every status event as it happens, or
/// one site's.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    summary = "Live status events (Server-Sent Events)",
    tag = "events",
    params(
        ("site_id" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]{1,64}$",
            description = "Follow only this site (default: every site)"),
    ),
    responses(
        (status = 200, description = "A Server-Sent Events stream that stays open. `event: status` \
            carries a `StatusEvent` (schema `StatusEvent`) as one line of JSON; `event: lagged` \
            carries `{\"skipped\": n}` when this client fell behind and missed n events (reload \
            the list then); comment lines keep the connection alive every 15 s. The stream ends \
            when the service shuts down.",
            content_type = "text/event-stream", body = String),
        (status = 400, description = "A bad or unknown parameter", body = ErrorBody),
        (status = 401, description = "No or invalid credentials (`unauthorized`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let site = params::events_site(raw.as_deref())?;
    let client = SseClient {
        receiver: state.events.subscribe(),
        site,
        shutdown: state.shutdown.clone(),
        _gauge: ClientGauge::new(),
    };
    let stream = futures::stream::unfold(client, |mut client| async move {
        let next = client.next_outgoing().await?;
        Some((Ok(next.into_event()), client))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// What a client is sent next.
#[derive(Debug, PartialEq)]
enum Outgoing {
    Status(Arc<Relayed>),
    /// This many events were dropped for this client because it fell behind.
    Lagged(u64),
}

impl Outgoing {
    fn into_event(self) -> Event {
        match self {
            Outgoing::Status(relayed) => Event::default().event("status").data(&relayed.json),
            Outgoing::Lagged(skipped) => Event::default()
                .event("lagged")
                .data(serde_json::json!({ "skipped": skipped }).to_string()),
        }
    }
}

/// One connected SSE client.
struct SseClient {
    receiver: broadcast::Receiver<Arc<Relayed>>,
    site: Option<String>,
    shutdown: CancellationToken,
    _gauge: ClientGauge,
}

impl SseClient {
    /// The next thing to send; `None` ends the stream.
    async fn next_outgoing(&mut self) -> Option<Outgoing> {
        loop {
            let received = tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => return None,
                received = self.receiver.recv() => received,
            };
            match received {
                Ok(relayed) if relayed.wanted_by(self.site.as_deref()) => {
                    return Some(Outgoing::Status(relayed));
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    metrics::counter!(LAGGED).increment(1);
                    return Some(Outgoing::Lagged(skipped));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Keeps `healthmon_dashboard_sse_clients` equal to the open streams.
struct ClientGauge;

impl ClientGauge {
    fn new() -> Self {
        metrics::gauge!(CLIENTS).increment(1.0);
        ClientGauge
    }
}

impl Drop for ClientGauge {
    fn drop(&mut self) {
        metrics::gauge!(CLIENTS).decrement(1.0);
    }
}

#[cfg(test)]
mod tests;
