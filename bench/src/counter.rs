//! The bare subscriber of the ingest section: a separate process (this binary,
//! `healthmon-bench count`) that only counts, the limit the services are
//! compared with. It uses the services' subscription buffer size, says
//! `ready` on stdout once its subscription is at the server, and when done
//! prints one JSON line ([`CountResult`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use futures::StreamExt;
use healthmon_common::nats::{DEFAULT_SUBSCRIPTION_CAPACITY, round_trip};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountResult {
    pub received: u64,
    /// Unix nanoseconds of the first and the last message.
    pub first_unix_ns: u64,
    pub last_unix_ns: u64,
    /// Slow-consumer events of the client (its buffer overflowed and dropped messages).
    pub slow_consumer_events: u64,
    /// CPU seconds this process spent from `ready` to the last message.
    #[serde(default)]
    pub cpu_seconds: f64,
}

pub fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Counts messages on `subject` until `expect` arrived or none came for `idle`.
pub async fn run(url: &str, subject: &str, expect: u64, idle: Duration) -> Result<CountResult> {
    let slow = Arc::new(AtomicU64::new(0));
    let events = slow.clone();
    let client = async_nats::ConnectOptions::new()
        .subscription_capacity(DEFAULT_SUBSCRIPTION_CAPACITY)
        .event_callback(move |event| {
            let events = events.clone();
            async move {
                if let async_nats::Event::SlowConsumer(_) = event {
                    events.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
        .connect(url)
        .await
        .with_context(|| format!("connect to {url}"))?;
    let mut sub = client.subscribe(subject.to_owned()).await?;
    round_trip(&client).await?;
    let cpu_at_ready = healthmon_test_support::own_cpu_seconds();
    println!("ready");

    let mut result = CountResult {
        received: 0,
        first_unix_ns: 0,
        last_unix_ns: 0,
        slow_consumer_events: 0,
        cpu_seconds: 0.0,
    };
    // Before the first message the publisher may still be encoding: wait longer.
    let mut wait = idle * 10;
    while result.received < expect {
        match tokio::time::timeout(wait, sub.next()).await {
            Ok(Some(_msg)) => {
                result.received += 1;
                if result.received == 1 {
                    result.first_unix_ns = unix_ns();
                    wait = idle;
                }
                // A vDSO clock read: tens of nanoseconds, negligible next to a message.
                result.last_unix_ns = unix_ns();
            }
            Ok(None) | Err(_) => break,
        }
    }
    result.slow_consumer_events = slow.load(Ordering::Relaxed);
    result.cpu_seconds = healthmon_test_support::own_cpu_seconds() - cpu_at_ready;
    Ok(result)
}
