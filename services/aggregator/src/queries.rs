//! The aggregator's NATS micro service (`healthmon-aggregator`): endpoints
//! `summary`, `list` and `get` under `<prefix>.agg`, answering JSON per
//! `healthmon_proto::query`.
//!
//! One task per endpoint, so a large `list` never delays a `summary`. Each
//! answer is built under the table lock (one pass) and serialized after the
//! lock is released.

use async_nats::Client;
use async_nats::service::{Service as MicroService, ServiceExt, endpoint::Endpoint};
use futures::StreamExt;
use healthmon_common::query::{ReplyError, parse_request, reply_json};
use healthmon_common::{CancellationToken, ServiceError};
use healthmon_proto::Subjects;
use healthmon_proto::query::{GetQuery, ListQuery, SiteDetail, SitePage, Summary};
use healthmon_proto::subjects::AGGREGATOR_SERVICE;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::state::{Shared, lock};

/// Registers the micro service and spawns one task per endpoint into `tasks`.
pub async fn start(
    client: &Client,
    subjects: &Subjects,
    table: &Shared,
    stop: &CancellationToken,
    tasks: &mut JoinSet<()>,
) -> Result<MicroService, ServiceError> {
    let service = client
        .service_builder()
        .description("healthmon: latest health of every site (summary, list, get)")
        .start(AGGREGATOR_SERVICE, env!("CARGO_PKG_VERSION"))
        .await
        .map_err(|e| ServiceError::nats("start micro service", e))?;
    let group = service.group(subjects.aggregator_group());
    let endpoint = |name: &'static str| {
        let group = &group;
        async move {
            group
                .endpoint(name)
                .await
                .map_err(|e| ServiceError::nats(format!("add endpoint {name}"), e))
        }
    };

    let summary = endpoint("summary").await?;
    let t = table.clone();
    tasks.spawn(serve(summary, stop.clone(), move |_| {
        Ok(answer_summary(&t))
    }));

    let list = endpoint("list").await?;
    let t = table.clone();
    tasks.spawn(serve(list, stop.clone(), move |payload| {
        answer_list(&t, payload)
    }));

    let get = endpoint("get").await?;
    let t = table.clone();
    tasks.spawn(serve(get, stop.clone(), move |payload| {
        answer_get(&t, payload)
    }));

    Ok(service)
}

async fn serve<T: Serialize>(
    mut endpoint: Endpoint,
    stop: CancellationToken,
    answer: impl Fn(&[u8]) -> Result<T, ReplyError>,
) {
    loop {
        let request = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            request = endpoint.next() => match request {
                Some(request) => request,
                None => break,
            },
        };
        let result = answer(&request.message.payload);
        reply_json(&request, result).await;
    }
}

pub fn answer_summary(table: &Shared) -> Summary {
    lock(table).summary()
}

pub fn answer_list(table: &Shared, payload: &[u8]) -> Result<SitePage, ReplyError> {
    let query: ListQuery = parse_request(payload)?;
    Ok(lock(table).list(&query))
}

pub fn answer_get(table: &Shared, payload: &[u8]) -> Result<SiteDetail, ReplyError> {
    // GetQuery has no default: an empty body is a request without its site.
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Err(ReplyError::bad_request(
            "bad request: expected {\"site_id\": \"...\"}",
        ));
    }
    let query: GetQuery = serde_json::from_slice(payload)
        .map_err(|e| ReplyError::bad_request(format!("bad request: {e}")))?;
    lock(table)
        .detail(&query.site_id)
        .ok_or_else(|| ReplyError::not_found(format!("unknown site {:?}", query.site_id)))
}
