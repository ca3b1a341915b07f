//! The aggregator's NATS micro service (`<prefix>.agg.{summary,list,get}`),
//! the only source of site state: the dashboard API keeps none of its own, so
//! any number of replicas answer alike.
//!
//! With `--partitions N` (N > 1) the fleet is split over N aggregators
//! (`<prefix>.agg.<i>.*`, docs/SCALING.md) and every request is scattered to
//! all of them at once and gathered into the answer one aggregator would give
//! (`healthmon_common::partitions`): summaries add up, pages are merged in
//! the aggregator's own order, a site is answered by the partition holding
//! it. A partition that does not answer fails the request (503/504 naming
//! the partition), never a silently partial fleet.
//!
//! Reads (summary, list, get) are tried once more when no replica answered:
//! with several aggregator replicas in one queue group, a request in flight
//! to a replica that just died (or a moment with none reachable while this
//! connection moves to another server) is lost, and the next try reaches a
//! live one. Worst case is twice the timeout. Admin actions are not retried.

use std::time::Duration;

use async_nats::Client;
use healthmon_common::partitions::Aggregators;
use healthmon_common::query::QueryError;
use healthmon_proto::Subjects;
use healthmon_proto::query::{Forgotten, ListQuery, SiteDetail, SitePage, Summary};

#[derive(Clone)]
pub struct Aggregator {
    inner: Aggregators,
}

impl Aggregator {
    /// The aggregators of a fleet in `partitions` partitions (1: unpartitioned).
    pub fn new(client: Client, subjects: Subjects, timeout: Duration, partitions: u16) -> Self {
        Aggregator {
            inner: Aggregators::new(client, &subjects, partitions, timeout, true),
        }
    }

    /// How many partitions every request goes to.
    pub fn partitions(&self) -> usize {
        self.inner.partitions()
    }

    pub async fn summary(&self) -> Result<Summary, QueryError> {
        self.inner.summary().await
    }

    pub async fn list(&self, query: &ListQuery) -> Result<SitePage, QueryError> {
        self.inner.list(query).await
    }

    pub async fn get(&self, site_id: &str) -> Result<SiteDetail, QueryError> {
        self.inner.get(site_id).await
    }

    /// Admin: forget a site (404 if unknown).
    pub async fn forget(&self, site_id: &str) -> Result<Forgotten, QueryError> {
        self.inner.forget(site_id).await
    }

    /// Admin: set or clear a site's maintenance flag (404 if unknown).
    pub async fn maintenance(&self, site_id: &str, on: bool) -> Result<SiteDetail, QueryError> {
        self.inner.maintenance(site_id, on).await
    }
}
