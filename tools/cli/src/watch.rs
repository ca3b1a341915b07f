//! `healthmon watch [SUBJECT]`: subscribes and prints every message as one
//! JSON line ([`crate::decode`]) until `--count` messages, Ctrl-C, or a closed
//! output (`healthmon watch | head -3` ends quietly).

use std::collections::BTreeMap;
use std::io::{ErrorKind, Write};

use async_nats::{Client, HeaderMap};
use futures::StreamExt;
use healthmon_common::CancellationToken;
use healthmon_common::clock::now_ms;
use healthmon_proto::Subjects;

use crate::decode::decode;
use crate::error::CliError;

pub async fn watch(
    client: &Client,
    subjects: &Subjects,
    subject: &str,
    count: Option<u64>,
    shutdown: CancellationToken,
) -> Result<(), CliError> {
    let mut subscription =
        client
            .subscribe(subject.to_owned())
            .await
            .map_err(|e| CliError::Subscribe {
                subject: subject.to_owned(),
                reason: e.to_string(),
            })?;
    // Once the server has seen the subscription, nothing published from now
    // on is missed; say so on stderr, which also tells scripts when to start.
    healthmon_common::nats::round_trip(client).await?;
    eprintln!("watching {subject} (Ctrl-C to stop)");

    let stdout = std::io::stdout();
    let mut printed: u64 = 0;
    while count.is_none_or(|n| printed < n) {
        let message = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            message = subscription.next() => message.ok_or(CliError::Closed)?,
        };
        let headers = message.headers.as_ref().map(header_map).unwrap_or_default();
        let line = decode(
            subjects,
            message.subject.as_str(),
            headers,
            &message.payload,
            now_ms(),
        );
        let mut out = stdout.lock();
        match writeln!(out, "{}", line.to_json()).and_then(|()| out.flush()) {
            Ok(()) => printed += 1,
            Err(e) if e.kind() == ErrorKind::BrokenPipe => break,
            Err(e) => return Err(e.into()),
        }
    }
    // Best effort: the connection closes right after anyway.
    let _ = subscription.unsubscribe().await;
    Ok(())
}

/// Header name → value; several values of one name joined with `, `.
fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(name, values)| {
            let joined = values
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            (name.to_string(), joined)
        })
        .collect()
}
