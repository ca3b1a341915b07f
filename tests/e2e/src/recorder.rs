//! Everything published on a subject, decoded, with arrival times, from a
//! plain client (which rides out broker restarts by reconnecting).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use healthmon_proto::{Connectivity, StatusEvent};
use healthmon_test_support::{NatsServer, eventually};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

/// Every message on a subject, decoded as `T`, with its arrival time.
pub struct Recorder<T> {
    seen: Arc<Mutex<Vec<(Instant, T)>>>,
    task: JoinHandle<()>,
}

impl<T: DeserializeOwned + Clone + Send + 'static> Recorder<T> {
    /// Subscribes on `nats` (active when this returns) and records until dropped.
    pub async fn start(nats: &NatsServer, subject: &str) -> Self {
        Self::on(nats.client().await, subject).await
    }

    /// The same on a client of the test's making (a user's, or one that
    /// knows several servers); it is kept until the recorder is dropped.
    pub async fn on(client: async_nats::Client, subject: &str) -> Self {
        let mut sub = client
            .subscribe(subject.to_owned())
            .await
            .expect("recorder subscribes");
        client.flush().await.expect("recorder flush");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                let _client = client;
                while let Some(msg) = sub.next().await {
                    // What does not decode is not what the test waits for.
                    if let Ok(value) = healthmon_proto::decode::<T>(&msg.payload) {
                        seen.lock()
                            .expect("recorder lock")
                            .push((Instant::now(), value));
                    }
                }
            }
        });
        Recorder { seen, task }
    }

    pub fn all(&self) -> Vec<(Instant, T)> {
        self.seen.lock().expect("recorder lock").clone()
    }

    pub fn values(&self) -> Vec<T> {
        self.all().into_iter().map(|(_, v)| v).collect()
    }

    /// Waits for the first recorded value matching `want`.
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        want: impl Fn(&T) -> bool,
    ) -> (Instant, T) {
        eventually(what, timeout, || async {
            self.all().into_iter().find(|(_, v)| want(v))
        })
        .await
    }
}

/// Status events, as an operator's `nats sub 'health.status.*'` sees them.
impl Recorder<StatusEvent> {
    /// Events that moved `site` to `connectivity`.
    pub fn count(&self, site: &str, connectivity: Connectivity) -> usize {
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
    pub fn count_any(&self, states: &[Connectivity]) -> usize {
        self.all()
            .iter()
            .filter(|(_, e)| {
                states.contains(&e.connectivity) && e.previous_connectivity != e.connectivity
            })
            .count()
    }
}

impl<T> Drop for Recorder<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}
