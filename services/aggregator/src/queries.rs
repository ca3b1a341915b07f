//! The aggregator's NATS micro service (`healthmon-aggregator`): endpoints
//! `summary`, `list` and `get` under `<prefix>.agg` (`<prefix>.agg.<i>` for
//! partition `i`, with `partition: i/N` in the service metadata), answering
//! JSON per `healthmon_proto::query`. Admin actions (forget, maintenance,
//! labels, acknowledgements) are not here: they are written to the fleet
//! registry, which every replica watches (`crate::registry`).
//!
//! One task per endpoint, so a large `list` never delays a `summary`. Each
//! answer is built under the table lock (one pass) and serialized after the
//! lock is released.

use async_nats::Client;
use async_nats::service::{Service as MicroService, endpoint::Endpoint};
use healthmon_common::clock::now_ms;
use healthmon_common::micro::{self, ReplyError, parse_request, reply_json};
use healthmon_common::shutdown::next_or_stop;
use healthmon_common::{CancellationToken, ServiceError};
use healthmon_proto::Subjects;
use healthmon_proto::query::{
    FleetSummary, GetQuery, ListQuery, SiteDetail, SitePage, SummaryQuery,
};
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
    let service = micro::start_service(
        client,
        subjects,
        AGGREGATOR_SERVICE,
        env!("CARGO_PKG_VERSION"),
        "healthmon: latest health of every site (summary, list, get)",
    )
    .await?;
    let group = service.group(subjects.aggregator_group());
    let endpoint = |name: &'static str| {
        let group = &group;
        async move {
            // Named explicitly: by default the endpoint would be named after
            // its whole subject (`health-agg-list`) in `nats micro info/stats`.
            group
                .endpoint_builder()
                .name(name)
                .add(name)
                .await
                .map_err(|e| ServiceError::nats(format!("add endpoint {name}"), e))
        }
    };

    let summary = endpoint("summary").await?;
    let t = table.clone();
    tasks.spawn(serve(summary, stop.clone(), move |payload| {
        answer_summary(&t, payload)
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
    while let Some(request) = next_or_stop(&mut endpoint, &stop).await {
        let result = answer(&request.message.payload);
        reply_json(&request, result).await;
    }
}

pub fn answer_summary(table: &Shared, payload: &[u8]) -> Result<FleetSummary, ReplyError> {
    let query: SummaryQuery = parse_request(payload)?;
    let table = lock(table);
    let mut summary = table.fleet_summary(&query);
    summary.incidents = table.incidents.shown_to(&query.labels, now_ms());
    Ok(summary)
}

pub fn answer_list(table: &Shared, payload: &[u8]) -> Result<SitePage, ReplyError> {
    let query: ListQuery = parse_request(payload)?;
    Ok(lock(table).list(&query))
}

/// A request that has no defaults: an empty body is a request without its site.
fn parse_required<T: serde::de::DeserializeOwned>(
    payload: &[u8],
    expected: &str,
) -> Result<T, ReplyError> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Err(ReplyError::bad_request(format!(
            "bad request: expected {expected}"
        )));
    }
    serde_json::from_slice(payload)
        .map_err(|e| ReplyError::bad_request(format!("bad request: {e}")))
}

pub fn answer_get(table: &Shared, payload: &[u8]) -> Result<SiteDetail, ReplyError> {
    let query: GetQuery = parse_required(payload, "{\"site_id\": \"...\"}")?;
    lock(table)
        .detail(&query.site_id)
        .ok_or_else(|| ReplyError::not_found(format!("unknown site {:?}", query.site_id)))
}
