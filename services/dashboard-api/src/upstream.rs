//! The aggregator's NATS micro service (`<prefix>.agg.{summary,list,get}`),
//! the only source of site state: the dashboard API keeps none of its own, so
//! any number of replicas answer alike.
//!
//! Reads (summary, list, get) are tried once more when no replica answered:
//! with several aggregator replicas in one queue group, a request in flight
//! to a replica that just died (or a moment with none reachable while this
//! connection moves to another server) is lost, and the next try reaches a
//! live one. Worst case is twice the timeout. Admin actions are not retried.

use std::time::Duration;

use async_nats::Client;
use bytes::Bytes;
use healthmon_common::query::{QueryError, request, request_json};
use healthmon_proto::Subjects;
use healthmon_proto::query::{
    Forgotten, GetQuery, ListQuery, MaintenanceQuery, SiteDetail, SitePage, Summary,
};

#[derive(Clone)]
pub struct Aggregator {
    client: Client,
    subjects: Subjects,
    timeout: Duration,
}

impl Aggregator {
    pub fn new(client: Client, subjects: Subjects, timeout: Duration) -> Self {
        Aggregator {
            client,
            subjects,
            timeout,
        }
    }

    pub async fn summary(&self) -> Result<Summary, QueryError> {
        // The contract's summary request is an empty payload.
        let subject = self.subjects.aggregator("summary");
        retry_once(|| request(&self.client, &subject, Bytes::new(), self.timeout)).await
    }

    pub async fn list(&self, query: &ListQuery) -> Result<SitePage, QueryError> {
        let subject = self.subjects.aggregator("list");
        retry_once(|| request_json(&self.client, &subject, query, self.timeout)).await
    }

    pub async fn get(&self, site_id: &str) -> Result<SiteDetail, QueryError> {
        let subject = self.subjects.aggregator("get");
        let query = GetQuery {
            site_id: site_id.to_owned(),
        };
        retry_once(|| request_json(&self.client, &subject, &query, self.timeout)).await
    }

    /// Admin: forget a site (404 if unknown).
    pub async fn forget(&self, site_id: &str) -> Result<Forgotten, QueryError> {
        let subject = self.subjects.aggregator("forget");
        let query = GetQuery {
            site_id: site_id.to_owned(),
        };
        request_json(&self.client, &subject, &query, self.timeout).await
    }

    /// Admin: set or clear a site's maintenance flag (404 if unknown).
    pub async fn maintenance(&self, site_id: &str, on: bool) -> Result<SiteDetail, QueryError> {
        let subject = self.subjects.aggregator("maintenance");
        let query = MaintenanceQuery {
            site_id: site_id.to_owned(),
            maintenance: on,
        };
        request_json(&self.client, &subject, &query, self.timeout).await
    }
}

/// Pause before the second try after `NoResponders`, time for a replica's
/// subscription (or this connection) to come back.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

async fn retry_once<T, F, Fut>(mut attempt: F) -> Result<T, QueryError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, QueryError>>,
{
    match attempt().await {
        Err(QueryError::NoResponders(_)) => {
            tokio::time::sleep(RETRY_PAUSE).await;
            attempt().await
        }
        Err(QueryError::TimedOut(_)) => attempt().await,
        other => other,
    }
}
