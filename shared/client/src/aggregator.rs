//! The one client of the aggregator: its micro service asked as one, whether
//! the fleet is one aggregator (and its replicas) or split into partitions.
//!
//! With `N` partitions (docs/SCALING.md) every partition `i` has its own
//! aggregator micro service on `<prefix>.agg.<i>.*`, holding a disjoint part
//! of the fleet. [`AggregatorClient`] scatters each query to every partition
//! concurrently and gathers the answers into the one a single aggregator
//! holding the whole fleet would give:
//! - `summary`: the counts add up, per label value too;
//! - `list`: each partition is asked for its first `offset + limit` rows with
//!   the same filter and order, the rows are merged in the aggregator's own
//!   order ([`SortOrder::compare`]) and cut to `offset..offset + limit`;
//!   `total` is the sum;
//! - `get`: every partition is asked and the one that has the site
//!   answers (404 only when every partition said 404).
//!
//! A partition that does not answer fails the whole request, naming the
//! partition in the error: a fleet silently missing a partition's sites
//! would look healthier than it is. With one partition (the default) the
//! requests are exactly those of an unpartitioned deployment
//! (`<prefix>.agg.<endpoint>`), and pages are passed through untouched.
//!
//! The dashboard API and the `healthmon` CLI both use this, so the merge is
//! written once; its pure parts are [`crate::merge`]. Reads may be tried
//! once more when no replica answered ([`Retry`]); admin actions never are.

use std::future::Future;
use std::time::Duration;

use async_nats::Client;
use futures::future::join_all;
use healthmon_proto::query::{
    FleetSummary, GetQuery, ListQuery, MAX_LIMIT, SiteDetail, SitePage, SiteSummary, SummaryQuery,
};
use healthmon_proto::{Partition, Subjects};

use crate::merge::{PartPage, all_or_first_error, merge_pages, pick_holder, tag};
use crate::request::{QueryError, request_json};

/// Pause before the second try of a read after `NoResponders`: time for a
/// replica's subscription (or this connection) to come back.
pub const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// One partition's aggregator: its subjects and, when partitioned, which one.
#[derive(Debug, Clone)]
struct Part {
    partition: Option<Partition>,
    subjects: Subjects,
}

/// Whether a read nobody answered is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A read (`summary`, `list`, `get`) that no replica answered is tried
    /// once more ([`retry_once`]): what a service serving others does.
    ReadsOnce,
    /// Every failure is final: a person at a terminal sees it and reruns.
    Never,
}

/// How the aggregator is asked.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How many partitions the fleet is split into (1: unpartitioned,
    /// `<prefix>.agg.*`).
    pub partitions: u16,
    /// How long each request waits, per partition and try.
    pub timeout: Duration,
    pub retry: Retry,
}

/// The aggregators of every partition (or the one of an unpartitioned fleet).
#[derive(Debug, Clone)]
pub struct AggregatorClient {
    client: Client,
    parts: Vec<Part>,
    options: Options,
}

impl AggregatorClient {
    /// The aggregator(s) of the fleet whose subjects are `subjects`.
    pub fn new(client: Client, subjects: &Subjects, options: Options) -> Self {
        let base = subjects.unpartitioned();
        let parts = match Partition::all(u32::from(options.partitions)) {
            Ok(all) if all.len() > 1 => all
                .into_iter()
                .map(|p| Part {
                    partition: Some(p),
                    subjects: base.partitioned(p),
                })
                .collect(),
            // One partition, or a count the flags would have refused.
            _ => vec![Part {
                partition: None,
                subjects: base,
            }],
        };
        AggregatorClient {
            client,
            parts,
            options,
        }
    }

    /// How many partitions are asked.
    pub fn partitions(&self) -> usize {
        self.parts.len()
    }

    /// The fleet's counts (those of the sites with `query.labels`), and
    /// with `query.by` per value of that label; partitions added up.
    pub async fn summary(&self, query: &SummaryQuery) -> Result<FleetSummary, QueryError> {
        let answers = self
            .scatter(|part| async move {
                let subject = part.subjects.aggregator("summary");
                request_json(&self.client, &subject, query, self.options.timeout).await
            })
            .await;
        Ok(FleetSummary::merge(all_or_first_error(answers)?))
    }

    pub async fn list(&self, query: &ListQuery) -> Result<SitePage, QueryError> {
        if let [part] = self.parts.as_slice() {
            let subject = part.subjects.aggregator("list");
            return self
                .read(|| request_json(&self.client, &subject, query, self.options.timeout))
                .await;
        }
        let want = query.offset.saturating_add(query.effective_limit());
        let answers = join_all(self.parts.iter().map(|part| async move {
            self.first_rows(part, query, want)
                .await
                .map_err(|e| tag(e, part.partition))
        }))
        .await;
        Ok(merge_pages(query, all_or_first_error(answers)?))
    }

    pub async fn get(&self, site_id: &str) -> Result<SiteDetail, QueryError> {
        let query = GetQuery {
            site_id: site_id.to_owned(),
        };
        let query = &query;
        let answers = self
            .scatter(|part| async move {
                let subject = part.subjects.aggregator("get");
                request_json(&self.client, &subject, query, self.options.timeout).await
            })
            .await;
        pick_holder(answers)
    }

    /// Sends one request per partition, all at once; answers in partition
    /// order, errors naming their partition.
    async fn scatter<'a, T, F, Fut>(&'a self, ask: F) -> Vec<Result<T, QueryError>>
    where
        F: Fn(&'a Part) -> Fut,
        Fut: Future<Output = Result<T, QueryError>>,
    {
        let ask = &ask;
        join_all(self.parts.iter().map(|part| async move {
            self.read(|| ask(part))
                .await
                .map_err(|e| tag(e, part.partition))
        }))
        .await
    }

    async fn read<T, F, Fut>(&self, attempt: F) -> Result<T, QueryError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, QueryError>>,
    {
        if self.options.retry == Retry::ReadsOnce {
            retry_once(attempt).await
        } else {
            let mut attempt = attempt;
            attempt().await
        }
    }

    /// The first `want` rows of one partition in the query's order, and its
    /// total; in pages of at most [`MAX_LIMIT`] rows (the aggregator's cap).
    async fn first_rows(
        &self,
        part: &Part,
        query: &ListQuery,
        want: usize,
    ) -> Result<PartPage, QueryError> {
        let subject = part.subjects.aggregator("list");
        let mut rows: Vec<SiteSummary> = Vec::new();
        loop {
            let page_query = ListQuery {
                offset: rows.len(),
                limit: (want - rows.len()).min(MAX_LIMIT),
                ..query.clone()
            };
            let page: SitePage = self
                .read(|| request_json(&self.client, &subject, &page_query, self.options.timeout))
                .await?;
            let got = page.sites.len();
            rows.extend(page.sites);
            // `total` bounds the paging even if the fleet changes meanwhile.
            if got == 0 || rows.len() >= want || rows.len() >= page.total {
                return Ok(PartPage {
                    total: page.total,
                    rows,
                });
            }
        }
    }
}

/// Tries once more when no replica answered: with several aggregator
/// replicas in one queue group, a request in flight to a replica that just
/// died (or a moment with none reachable while this connection moves to
/// another server) is lost, and the next try reaches a live one. After
/// `NoResponders` it waits [`RETRY_PAUSE`] first. Worst case is twice the
/// timeout. Only for reads: an admin action is not repeated.
pub async fn retry_once<T, F, Fut>(mut attempt: F) -> Result<T, QueryError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, QueryError>>,
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
