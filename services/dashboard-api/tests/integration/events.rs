//! `/api/v1/events`: status events published on real NATS arrive at HTTP
//! clients as Server-Sent Events.

use std::pin::Pin;

use crate::support::{Harness, TIMEOUT};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use healthmon_proto::{Connectivity, Health, StatusEvent, encode};
use serde_json::Value;

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Reads an SSE response frame by frame, skipping keep-alive comments.
struct SseReader {
    stream: ByteStream,
    buffer: String,
}

impl SseReader {
    async fn open(h: &Harness, path: &str) -> Self {
        Self::open_as(h, path, None).await
    }

    /// The stream as the user of `token` sees it.
    async fn open_as(h: &Harness, path: &str, token: Option<&str>) -> Self {
        let mut request = h.http.get(h.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        SseReader {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event's name and data.
    async fn next_event(&mut self) -> (String, String) {
        tokio::time::timeout(TIMEOUT, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let frame: String = self.buffer.drain(..end + 2).collect();
                    let (mut name, mut data) = (String::new(), Vec::new());
                    for line in frame.lines() {
                        if let Some(v) = line.strip_prefix("event:") {
                            name = v.trim_start().to_owned();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                        }
                    }
                    if !name.is_empty() || !data.is_empty() {
                        return (name, data.join("\n"));
                    }
                    continue;
                }
                let chunk = self.stream.next().await.expect("stream open").unwrap();
                self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .expect("an event within the timeout")
    }

    async fn next_status(&mut self) -> Value {
        let (name, data) = self.next_event().await;
        assert_eq!(name, "status", "{data}");
        serde_json::from_str(&data).unwrap()
    }
}

fn event(site: &str, connectivity: Connectivity) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms: 1_700_000_000_123,
        connectivity,
        previous_connectivity: Connectivity::Online,
        health: Health::Degraded,
        previous_health: Health::Healthy,
        reasons: vec!["no report for 92s (timeout 90s)".into()],
        last_report_ms: None,
        judgement: Default::default(),
    }
}

/// Publishes `event` on `subject`, which may be another site's.
async fn publish(h: &Harness, subject: &str, event: &StatusEvent) {
    h.nats
        .publish(subject.to_owned(), encode(event).into())
        .await
        .unwrap();
}

#[tokio::test]
async fn status_events_arrive_as_json_and_bad_payloads_are_skipped() {
    let h = Harness::start().await;
    let mut all = SseReader::open(&h, "/api/v1/events").await;
    let mut only_s2 = SseReader::open(&h, "/api/v1/events?site_id=s2").await;

    h.nats
        .publish("health.status.s1", Bytes::from_static(b"\xc1 not msgpack"))
        .await
        .unwrap();
    // A valid event on another site's subject is refused too.
    publish(&h, "health.status.s1", &event("s9", Connectivity::Late)).await;
    let s1 = event("s1", Connectivity::Offline);
    let s2 = event("s2", Connectivity::Late);
    publish(&h, "health.status.s1", &s1).await;
    publish(&h, "health.status.s2", &s2).await;

    let first = all.next_status().await;
    assert_eq!(first, serde_json::to_value(&s1).unwrap());
    assert_eq!(first["connectivity"], "offline");
    assert_eq!(first["previous_connectivity"], "online");
    assert_eq!(first["last_report_ms"], Value::Null);
    assert_eq!(all.next_status().await["site_id"], "s2");

    let followed = only_s2.next_status().await;
    assert_eq!(followed, serde_json::to_value(&s2).unwrap());

    let metrics = h.metrics().await;
    for line in [
        r#"healthmon_dashboard_events_rejected_total{reason="malformed"} 1"#,
        r#"healthmon_dashboard_events_rejected_total{reason="subject_mismatch"} 1"#,
        "healthmon_dashboard_events_relayed_total 2",
        "healthmon_dashboard_sse_clients 2",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line}:\n{metrics}"
        );
    }
}

#[tokio::test]
async fn clients_connected_later_get_later_events() {
    let h = Harness::start().await;
    let mut early = SseReader::open(&h, "/api/v1/events").await;
    publish(&h, "health.status.a", &event("a", Connectivity::Late)).await;
    assert_eq!(early.next_status().await["site_id"], "a");

    let mut late = SseReader::open(&h, "/api/v1/events").await;
    publish(&h, "health.status.b", &event("b", Connectivity::Online)).await;
    assert_eq!(
        late.next_status().await["site_id"],
        "b",
        "no replay of older events"
    );
    assert_eq!(early.next_status().await["site_id"], "b");
}

#[tokio::test]
async fn a_scoped_user_gets_only_the_events_of_its_sites() {
    let token = "0123456789abcdef0123456789abcdef-north";
    let h = Harness::with_tokens(&format!("viewer north {token} region=north\n")).await;
    crate::scope::label_sites(&h).await;
    let mut north = SseReader::open_as(&h, "/api/v1/events", Some(token)).await;
    for site in ["south-1", "north-1", "unlisted-1", "north-2"] {
        let subject = format!("health.status.{site}");
        publish(&h, &subject, &event(site, Connectivity::Late)).await;
    }
    assert_eq!(north.next_status().await["site_id"], "north-1");
    assert_eq!(north.next_status().await["site_id"], "north-2");
}
