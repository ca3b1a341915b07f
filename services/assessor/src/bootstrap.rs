//! Start-up bootstrap: learn every site the aggregator knows, so a site that
//! fell silent while the assessor was down is still declared late/offline.
//!
//! Runs as its own task after the report subscription is live, paging through
//! the aggregator's `list` endpoint by site id and handing each page to the
//! engine, which adopts rows only for sites no live report has claimed yet.
//! An aggregator that does not answer is logged and the assessor carries on
//! with what reports tell it. A partition's assessor asks the same
//! partition's aggregator (`<prefix>.agg.<i>.list`): the sites it holds are
//! exactly the ones this assessor judges.

use std::time::Duration;

use async_nats::Client;
use healthmon_client::{QueryError, request_json};
use healthmon_common::CancellationToken;
use healthmon_proto::Subjects;
use healthmon_proto::query::{ListQuery, MAX_LIMIT, SitePage, SiteSummary, SortOrder};
use tokio::sync::mpsc;

/// Sends pages of site rows to `pages` until the list is exhausted, the
/// aggregator fails to answer, the receiver goes away, or `shutdown`.
pub async fn fetch(
    client: Client,
    subjects: Subjects,
    timeout: Duration,
    pages: mpsc::Sender<Vec<SiteSummary>>,
    shutdown: CancellationToken,
) {
    let subject = subjects.aggregator("list");
    let mut offset = 0;
    loop {
        let query = ListQuery {
            sort: SortOrder::SiteId,
            limit: MAX_LIMIT,
            offset,
            ..ListQuery::default()
        };
        let answer: Result<SitePage, QueryError> = tokio::select! {
            answer = request_json(&client, &subject, &query, timeout) => answer,
            _ = shutdown.cancelled() => return,
        };
        let page = match answer {
            Ok(page) => page,
            Err(e @ (QueryError::NoResponders(_) | QueryError::TimedOut(_))) => {
                tracing::warn!(error = %e, sites = offset, "aggregator did not answer; continuing with live reports only");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, sites = offset, "bootstrap from the aggregator failed; continuing with live reports only");
                return;
            }
        };
        let rows = page.sites.len();
        if rows == 0 {
            break;
        }
        offset += rows;
        if pages.send(page.sites).await.is_err() {
            return;
        }
        if offset >= page.total {
            break;
        }
    }
    tracing::info!(sites = offset, "bootstrap from the aggregator complete");
}
