//! The `statuses` endpoint of the assessor's NATS micro service:
//! `PageQuery` → `StatusPage`, so a restarted aggregator can learn every
//! site's current connectivity and health instead of waiting for changes.
//!
//! The engine answers from its own state in its loop (no locks); only the
//! reply itself is sent from a spawned task so a slow requester costs nothing.

use async_nats::service::Request;
use healthmon_common::micro::{ReplyError, parse_request, reply_json};
use healthmon_proto::query::{PageQuery, StatusPage};

use crate::tracker::Tracker;

/// The page a request asks for; a malformed request is a 400 reply.
pub fn answer(
    tracker: &mut Tracker,
    payload: &[u8],
    now_ms: u64,
) -> Result<StatusPage, ReplyError> {
    let query: PageQuery = parse_request(payload)?;
    Ok(tracker.statuses(query, now_ms))
}

pub fn respond(request: Request, result: Result<StatusPage, ReplyError>) {
    tokio::spawn(async move { reply_json(&request, result).await });
}
