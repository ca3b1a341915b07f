//! The aggregator's NATS micro service, as `sites`, `site` and `summary` ask
//! it: the same requests the dashboard API makes (`healthmon_proto::query`).

use std::time::Duration;

use async_nats::Client;
use bytes::Bytes;
use healthmon_common::query::{QueryError, request, request_json};
use healthmon_proto::Subjects;
use healthmon_proto::query::{GetQuery, ListQuery, SiteDetail, SitePage, Summary};

use crate::error::CliError;

pub struct Aggregator<'a> {
    pub client: &'a Client,
    pub subjects: &'a Subjects,
    pub timeout: Duration,
}

impl Aggregator<'_> {
    pub async fn summary(&self) -> Result<Summary, CliError> {
        let subject = self.subjects.aggregator("summary");
        request(self.client, &subject, Bytes::new(), self.timeout)
            .await
            .map_err(|e| CliError::from_query(e, self.timeout))
    }

    pub async fn list(&self, query: &ListQuery) -> Result<SitePage, CliError> {
        let subject = self.subjects.aggregator("list");
        request_json(self.client, &subject, query, self.timeout)
            .await
            .map_err(|e| CliError::from_query(e, self.timeout))
    }

    pub async fn get(&self, site_id: &str) -> Result<SiteDetail, CliError> {
        let subject = self.subjects.aggregator("get");
        let query = GetQuery {
            site_id: site_id.to_owned(),
        };
        match request_json(self.client, &subject, &query, self.timeout).await {
            Err(QueryError::Service { code: 404, .. }) => {
                Err(CliError::UnknownSite(site_id.to_owned()))
            }
            other => other.map_err(|e| CliError::from_query(e, self.timeout)),
        }
    }
}
