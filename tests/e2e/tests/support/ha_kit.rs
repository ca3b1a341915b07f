//! Replicas for the high-availability tests: start any number of the real
//! services against any NATS URL (one server, a proxy, or a comma list of
//! cluster servers), plus a load of continuous queries that counts failures.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use healthmon_common::CancellationToken;
use healthmon_common::nats::NatsConfig;
use serde_json::Value;
use tokio::task::JoinHandle;

fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

pub use crate::running::Running as Svc;

pub async fn aggregator(url: &str) -> Svc<healthmon_aggregator::Service> {
    let token = CancellationToken::new();
    let config = healthmon_aggregator::Config::new(NatsConfig::local(url), any_port());
    let service = healthmon_aggregator::start(config, token.clone())
        .await
        .expect("aggregator starts");
    Svc {
        token,
        service: Some(service),
    }
}

/// An assessor; with `lease`, one of several replicas electing a leader.
pub async fn assessor(url: &str, lease: Option<Duration>) -> Svc<healthmon_assessor::Service> {
    let token = CancellationToken::new();
    let mut config = healthmon_assessor::Config::new(NatsConfig::local(url), any_port());
    config.leader_lease = lease;
    let service = healthmon_assessor::start(config, token.clone())
        .await
        .expect("assessor starts");
    Svc {
        token,
        service: Some(service),
    }
}

/// The dashboard API and its base URL.
pub async fn dashboard(url: &str) -> (Svc<healthmon_dashboard_api::Service>, String) {
    let token = CancellationToken::new();
    let config = healthmon_dashboard_api::Config {
        nats: NatsConfig::local(url),
        http_addr: any_port(),
        aggregator_timeout: Duration::from_secs(2),
        auth: healthmon_dashboard_api::auth::AuthMode::Disabled,
        partitions: 1,
    };
    let service = healthmon_dashboard_api::start(config, token.clone())
        .await
        .expect("dashboard API starts");
    let api = format!("http://{}", service.http_addr);
    (
        Svc {
            token,
            service: Some(service),
        },
        api,
    )
}

/// A real collector for one site.
pub async fn collector(
    url: &str,
    site: &str,
    interval: Duration,
) -> Svc<healthmon_collector::Service> {
    let mut config = healthmon_collector::Config::new(NatsConfig::local(url), site);
    config.interval = interval;
    config.resend_jitter = Duration::from_millis(100);
    start_collector(config).await
}

/// A real collector simulating `sites` healthy sites.
pub async fn simulator(
    url: &str,
    sites: usize,
    interval: Duration,
) -> Svc<healthmon_collector::Service> {
    let mut config = healthmon_collector::Config::new(NatsConfig::local(url), "");
    config.interval = interval;
    config.resend_jitter = Duration::from_millis(100);
    config.simulate = Some(healthmon_collector::Simulate {
        sites,
        fault_rate: 0.0,
        seed: Some(7),
    });
    start_collector(config).await
}

async fn start_collector(config: healthmon_collector::Config) -> Svc<healthmon_collector::Service> {
    let token = CancellationToken::new();
    let service = healthmon_collector::start(config, token.clone())
        .await
        .expect("collector starts");
    Svc {
        token,
        service: Some(service),
    }
}

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
pub struct StatusLog {
    seen: Arc<std::sync::Mutex<Vec<(std::time::Instant, healthmon_proto::StatusEvent)>>>,
    task: JoinHandle<()>,
}

impl StatusLog {
    pub async fn start(urls: &str) -> Self {
        let servers: Vec<async_nats::ServerAddr> = urls
            .split(',')
            .map(|u| u.parse().expect("server URL"))
            .collect();
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect(servers)
            .await
            .expect("status log connects");
        let mut sub = client
            .subscribe("health.status.*")
            .await
            .expect("status subscription");
        client.flush().await.expect("status log flush");
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                let _client = client;
                while let Some(msg) = sub.next().await {
                    if let Ok(event) = healthmon_proto::decode(&msg.payload) {
                        seen.lock()
                            .expect("lock")
                            .push((std::time::Instant::now(), event));
                    }
                }
            }
        });
        StatusLog { seen, task }
    }

    pub fn all(&self) -> Vec<(std::time::Instant, healthmon_proto::StatusEvent)> {
        self.seen.lock().expect("lock").clone()
    }

    /// Events that moved `site` to `connectivity`.
    pub fn count(&self, site: &str, connectivity: healthmon_proto::Connectivity) -> usize {
        self.all()
            .iter()
            .filter(|(_, e)| {
                e.site_id == site
                    && e.connectivity == connectivity
                    && e.previous_connectivity != connectivity
            })
            .count()
    }

    /// Events, for any site, moving it to one of `states`.
    pub fn count_any(&self, states: &[healthmon_proto::Connectivity]) -> usize {
        self.all()
            .iter()
            .filter(|(_, e)| {
                states.contains(&e.connectivity) && e.previous_connectivity != e.connectivity
            })
            .count()
    }
}

impl Drop for StatusLog {
    fn drop(&mut self) {
        self.task.abort();
    }
}
