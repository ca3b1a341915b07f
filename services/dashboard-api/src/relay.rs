//! The one subscription to `<prefix>.status.*` behind every SSE client:
//! each checked event ([`crate::events`]) is fanned out through a
//! `tokio::sync::broadcast` channel, so a thousand open dashboards cost one
//! NATS subscription. [`crate::sse`] turns a receiver into a client's stream.

use std::sync::Arc;

use async_nats::{Client, Message};
use futures::StreamExt;
use healthmon_common::log_limit::LogLimiter;
use healthmon_common::{CancellationToken, ServiceError};
use healthmon_proto::Subjects;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::events::{self, Relayed};
use crate::metric_names::{EVENTS_REJECTED, EVENTS_RELAYED};

/// Events buffered per client before it is told it lagged.
pub const CHANNEL_CAPACITY: usize = 1024;

/// Hands out receivers of the relayed events.
#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Arc<Relayed>>,
}

impl EventHub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Relayed>> {
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
            metrics::counter!(EVENTS_RELAYED).increment(1);
            // An error only means nobody is listening right now.
            let _ = hub.sender.send(Arc::new(relayed));
        }
        Err(rejection) => {
            metrics::counter!(EVENTS_REJECTED, "reason" => rejection.reason()).increment(1);
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
