//! An SSE client for the dashboard-restart fault test: it reconnects like a
//! browser's `EventSource` (here after 200 ms) and keeps what it received.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use healthmon_test_support::eventually;

/// For an event to travel from the assessor to the client.
const PATIENCE: Duration = Duration::from_secs(10);

/// An SSE client that reconnects like a browser's EventSource (here after
/// 200 ms) and keeps what it received.
pub struct SseClient {
    state: Arc<Mutex<SseState>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct SseState {
    connects: usize,
    ends: usize,
    data: String,
}

impl SseClient {
    pub fn start(url: String) -> Self {
        let state = Arc::new(Mutex::new(SseState::default()));
        let task = tokio::spawn({
            let state = state.clone();
            async move {
                let http = reqwest::Client::new();
                loop {
                    if let Ok(response) = http.get(&url).send().await
                        && response.status() == 200
                    {
                        state.lock().unwrap().connects += 1;
                        let mut body = response.bytes_stream();
                        while let Some(Ok(chunk)) = body.next().await {
                            state
                                .lock()
                                .unwrap()
                                .data
                                .push_str(&String::from_utf8_lossy(&chunk));
                        }
                        state.lock().unwrap().ends += 1;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        SseClient { state, task }
    }

    pub fn connects(&self) -> usize {
        self.state.lock().unwrap().connects
    }

    pub fn ends(&self) -> usize {
        self.state.lock().unwrap().ends
    }

    pub async fn wait_for_site(&self, site: &str) {
        let needle = format!("\"site_id\":\"{site}\"");
        eventually(
            &format!("a status event of {site} over SSE"),
            PATIENCE,
            || async {
                self.state
                    .lock()
                    .unwrap()
                    .data
                    .contains(&needle)
                    .then_some(())
            },
        )
        .await;
    }
}

impl Drop for SseClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}
