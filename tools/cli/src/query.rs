//! The aggregator's NATS micro service, as `sites`, `site` and `summary` ask
//! it: the same requests the dashboard API makes (`healthmon_proto::query`),
//! through the same scatter-gather (`healthmon_common::partitions`), so
//! `--partitions N` shows a partitioned fleet exactly as the dashboard does.
//! Unlike the dashboard, a query is not retried: a person at a terminal
//! sees the failure at once and runs it again.

use std::time::Duration;

use async_nats::Client;
use healthmon_common::partitions::Aggregators;
use healthmon_common::query::QueryError;
use healthmon_proto::Subjects;
use healthmon_proto::query::{ListQuery, SiteDetail, SitePage, Summary};

use crate::error::CliError;

pub struct Aggregator {
    inner: Aggregators,
    timeout: Duration,
}

impl Aggregator {
    /// The aggregators of a fleet in `partitions` partitions (1: unpartitioned).
    pub fn new(client: Client, subjects: &Subjects, partitions: u16, timeout: Duration) -> Self {
        Aggregator {
            inner: Aggregators::new(client, subjects, partitions, timeout, false),
            timeout,
        }
    }

    pub async fn summary(&self) -> Result<Summary, CliError> {
        self.inner
            .summary()
            .await
            .map_err(|e| CliError::from_query(e, self.timeout))
    }

    pub async fn list(&self, query: &ListQuery) -> Result<SitePage, CliError> {
        self.inner
            .list(query)
            .await
            .map_err(|e| CliError::from_query(e, self.timeout))
    }

    pub async fn get(&self, site_id: &str) -> Result<SiteDetail, CliError> {
        match self.inner.get(site_id).await {
            Err(QueryError::Service { code: 404, .. }) => {
                Err(CliError::UnknownSite(site_id.to_owned()))
            }
            other => other.map_err(|e| CliError::from_query(e, self.timeout)),
        }
    }
}
