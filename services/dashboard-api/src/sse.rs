//! `GET /api/v1/events`: live status events as Server-Sent Events.
//!
//! Every client's stream is a receiver of the one relay ([`crate::relay`]).
//! Each client gets
//! `event: status` with the `StatusEvent` as JSON. A client too slow to keep
//! up with the channel gets `event: lagged` with `{"skipped": n}` and carries
//! on from the newest events, so it knows to reload the list rather than
//! silently missing changes. Streams end when the service shuts down, which
//! lets graceful shutdown complete. A scoped caller gets only the events of
//! the sites in its scope, by this replica's copy of the registry.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use healthmon_common::CancellationToken;
use tokio::sync::broadcast;

use crate::error::{ApiError, BadRequest};
use crate::events::Relayed;
use crate::fleet::Fleet;
use crate::guard::Caller;
use crate::metric_names::{SSE_CLIENTS, SSE_LAGGED};
use crate::state::AppState;
use crate::{params, scope};
use healthmon_registry::Selector;

/// Comment lines that keep proxies from closing an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

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
        BadRequest,
    ),
)]
pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let site = params::events_site(raw.as_deref())?;
    let scope = caller.principal.scope;
    let client = SseClient {
        receiver: state.events.subscribe(),
        site,
        scope: (!scope.is_empty()).then(|| (scope, state.fleet.clone())),
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
    /// A scoped caller's selector, and where to look sites' labels up.
    scope: Option<(Selector, Fleet)>,
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
                Ok(relayed) if relayed.wanted_by(self.site.as_deref()) && self.sees(&relayed) => {
                    return Some(Outgoing::Status(relayed));
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    metrics::counter!(SSE_LAGGED).increment(1);
                    return Some(Outgoing::Lagged(skipped));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl SseClient {
    fn sees(&self, relayed: &Relayed) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|(scope, fleet)| scope::sees_site(scope, &fleet.view(), &relayed.site_id))
    }
}

/// Keeps `healthmon_dashboard_sse_clients` equal to the open streams.
struct ClientGauge;

impl ClientGauge {
    fn new() -> Self {
        metrics::gauge!(SSE_CLIENTS).increment(1.0);
        ClientGauge
    }
}

impl Drop for ClientGauge {
    fn drop(&mut self) {
        metrics::gauge!(SSE_CLIENTS).decrement(1.0);
    }
}

#[cfg(test)]
mod tests;
