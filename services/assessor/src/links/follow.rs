//! Following the NATS server's disconnect advisories with a system-account
//! user of its own (least privilege: it may subscribe to
//! `$SYS.ACCOUNT.*.DISCONNECT` and nothing else), handing each closed link
//! healthmon knows to the engine. Losing this connection costs only the
//! early warning: silence is still judged by the timeouts.

use futures::StreamExt;
use healthmon_common::clock::now_ms;
use healthmon_common::nats::{self, NatsConfig};
use healthmon_common::{CancellationToken, ServiceError};
use tokio::sync::mpsc;

use super::{DISCONNECT_ADVISORIES, LinkDown, parse};

/// Closed links queued for the engine; a burst beyond this (a whole hub of
/// leaf nodes at once) waits in the subscription.
const QUEUE: usize = 1024;

/// Connects as `config`'s user and forwards closed links until shutdown.
pub async fn spawn(
    config: &NatsConfig,
    shutdown: CancellationToken,
) -> Result<mpsc::Receiver<LinkDown>, ServiceError> {
    let conn = nats::connect(config, "healthmon-assessor advisories").await?;
    let mut advisories = conn
        .client
        .subscribe(DISCONNECT_ADVISORIES)
        .await
        .map_err(|e| ServiceError::nats("subscribe to disconnect advisories", e))?;
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                message = advisories.next() => {
                    let Some(message) = message else { break };
                    if let Some(down) = parse(&message.payload, now_ms())
                        && tx.send(down).await.is_err()
                    {
                        break;
                    }
                }
            }
        }
        let _ = conn.client.drain().await;
    });
    Ok(rx)
}
