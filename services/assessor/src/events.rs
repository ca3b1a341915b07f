//! Publishing status events: MessagePack body plus headers that make
//! `nats sub 'health.status.*'` readable without decoding anything.

use async_nats::{Client, HeaderMap};
use healthmon_proto::subjects::{
    CONTENT_TYPE_MSGPACK, HEADER_CONNECTIVITY, HEADER_CONTENT_TYPE, HEADER_HEALTH, HEADER_SITE,
};
use healthmon_proto::{StatusEvent, Subjects};

pub fn headers(event: &StatusEvent) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(HEADER_CONTENT_TYPE, CONTENT_TYPE_MSGPACK);
    h.insert(HEADER_SITE, event.site_id.as_str());
    h.insert(HEADER_CONNECTIVITY, event.connectivity.as_str());
    h.insert(HEADER_HEALTH, event.health.as_str());
    h
}

/// Publishes a MessagePack `body` on `subject` with its content type and
/// `headers`: what every event of the assessor's looks like on the wire.
pub async fn publish_msgpack(
    client: &Client,
    subject: String,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<(), async_nats::PublishError> {
    let mut h = HeaderMap::new();
    h.insert(HEADER_CONTENT_TYPE, CONTENT_TYPE_MSGPACK);
    for (name, value) in headers {
        h.insert(*name, *value);
    }
    client.publish_with_headers(subject, h, body.into()).await
}

pub async fn publish(
    client: &Client,
    subjects: &Subjects,
    event: &StatusEvent,
) -> Result<(), async_nats::PublishError> {
    let payload = healthmon_proto::encode(event);
    client
        .publish_with_headers(
            subjects.status(&event.site_id),
            headers(event),
            payload.into(),
        )
        .await
}
