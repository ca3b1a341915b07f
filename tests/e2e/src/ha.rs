//! What the high-availability tests watch while replicas come and go: a
//! load of continuous queries that counts failures, the requests each
//! micro-service instance answered, and every status event published.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use healthmon_common::CancellationToken;
use healthmon_proto::StatusEvent;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::recorder::Recorder;

/// `GET /api/v1/summary` in a loop, as a dashboard would poll it; counts
/// answers that are not 200 with the expected fleet size.
pub struct QueryLoad {
    pub ok: Arc<AtomicU64>,
    pub failed: Arc<AtomicU64>,
    pub failures: Arc<std::sync::Mutex<Vec<(std::time::Instant, String)>>>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl QueryLoad {
    pub fn start(api: &str, total: u64, every: Duration) -> Self {
        let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let url = format!("{api}/api/v1/summary");
        let task = tokio::spawn({
            let (ok, failed, failures, stop) =
                (ok.clone(), failed.clone(), failures.clone(), stop.clone());
            async move {
                let http = reqwest::Client::new();
                while !stop.is_cancelled() {
                    let answer = match http.get(&url).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let body: Value = r.json().await.unwrap_or(Value::Null);
                            (status == 200 && body["total"] == total)
                                .then_some(())
                                .ok_or(format!("{status} {body}"))
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    match answer {
                        Ok(()) => ok.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            failures
                                .lock()
                                .expect("lock")
                                .push((std::time::Instant::now(), e));
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    tokio::time::sleep(every).await;
                }
            }
        });
        QueryLoad {
            ok,
            failed,
            failures,
            stop,
            task,
        }
    }

    pub fn ok(&self) -> u64 {
        self.ok.load(Ordering::Relaxed)
    }

    /// Stops the loop; (answered, failed with what).
    pub async fn finish(self) -> (u64, Vec<(std::time::Instant, String)>) {
        self.stop.cancel();
        let _ = self.task.await;
        let failures = self.failures.lock().expect("lock").clone();
        (self.ok.load(Ordering::Relaxed), failures)
    }
}

/// What `nats micro stats <service>` shows: per running instance, the
/// requests its endpoints answered (every instance replies to the request).
pub async fn micro_requests(
    client: &async_nats::Client,
    service: &str,
    instances: usize,
) -> Vec<u64> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await.expect("inbox");
    client
        .publish_with_reply(format!("$SRV.STATS.{service}"), inbox, "".into())
        .await
        .expect("stats request");
    let mut counts = Vec::new();
    while counts.len() < instances {
        let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(2), replies.next()).await
        else {
            break;
        };
        let stats: Value = serde_json::from_slice(&msg.payload).unwrap_or(Value::Null);
        let n = stats["endpoints"]
            .as_array()
            .map(|eps| eps.iter().filter_map(|e| e["num_requests"].as_u64()).sum())
            .unwrap_or(0);
        counts.push(n);
    }
    counts
}

/// Every status event published, from a plain client that may connect to
/// any of several servers (a comma list) and rides out the loss of one.
pub async fn status_log(urls: &str) -> Recorder<StatusEvent> {
    let servers: Vec<async_nats::ServerAddr> = urls
        .split(',')
        .map(|u| u.parse().expect("server URL"))
        .collect();
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(servers)
        .await
        .expect("status log connects");
    Recorder::on(client, "health.status.*").await
}
