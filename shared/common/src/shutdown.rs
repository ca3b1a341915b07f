//! Turns SIGTERM and Ctrl-C into a `CancellationToken`, the one shutdown
//! trigger every service's `run` takes (tests cancel their own token
//! instead), and reads a stream until that token stops it.

use futures::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

/// A token cancelled on the first SIGTERM or Ctrl-C.
pub fn on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown signal received; draining");
        trigger.cancel();
    });
    token
}

/// The next item of `stream`, or `None` once `stop` is cancelled or the
/// stream ends: a consumer is `while let Some(item) = next_or_stop(..)`.
/// `stop` is looked at first, so a stream that always has an item ready
/// cannot keep a stopping service busy.
pub async fn next_or_stop<S: Stream + Unpin>(
    stream: &mut S,
    stop: &CancellationToken,
) -> Option<S::Item> {
    tokio::select! {
        biased;
        _ = stop.cancelled() => None,
        item = stream.next() => item,
    }
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops this service");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
