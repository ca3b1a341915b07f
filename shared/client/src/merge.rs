//! The pure half of asking a partitioned fleet: how the answers of every
//! partition's aggregator become the one answer a single aggregator holding
//! the whole fleet would give, and how a failure names its partition.
//! Unit- and property-tested without NATS.

use healthmon_proto::Partition;
use healthmon_proto::query::{ListQuery, SitePage, SiteSummary};

use crate::request::QueryError;

/// What one partition contributed to a merged page.
#[derive(Debug, Clone, PartialEq)]
pub struct PartPage {
    /// The partition's matches (before offset/limit).
    pub total: usize,
    /// Its first rows, in the query's order.
    pub rows: Vec<SiteSummary>,
}

/// One page of the whole fleet from each partition's first
/// `offset + limit` rows: merged in the aggregator's order, then cut.
pub fn merge_pages(query: &ListQuery, parts: Vec<PartPage>) -> SitePage {
    let limit = query.effective_limit();
    let total = parts.iter().map(|p| p.total).sum();
    let mut rows: Vec<SiteSummary> = parts.into_iter().flat_map(|p| p.rows).collect();
    // Each part is sorted already; a stable sort of the concatenation is
    // simple and, at the sizes a page reaches, as fast as a k-way merge.
    rows.sort_by(|a, b| query.sort.compare(a, b));
    let sites = rows.into_iter().skip(query.offset).take(limit).collect();
    SitePage {
        total,
        offset: query.offset,
        limit,
        sites,
    }
}

/// The answer of the partition that holds the site: the first success;
/// otherwise a 404 when every partition said 404; otherwise the first
/// other failure (a partition that did not answer may hold the site, so
/// the answer is not a 404).
pub fn pick_holder<T>(answers: Vec<Result<T, QueryError>>) -> Result<T, QueryError> {
    let mut not_found = None;
    let mut failed = None;
    for answer in answers {
        match answer {
            Ok(found) => return Ok(found),
            Err(e @ QueryError::Service { code: 404, .. }) => {
                not_found.get_or_insert(e);
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    match (failed, not_found) {
        (Some(e), _) | (None, Some(e)) => Err(e),
        // No partitions at all: cannot happen (there is always one).
        (None, None) => Err(QueryError::NoResponders("no partition".into())),
    }
}

/// Every answer, or the first failure in partition order.
pub fn all_or_first_error<T>(answers: Vec<Result<T, QueryError>>) -> Result<Vec<T>, QueryError> {
    answers.into_iter().collect()
}

/// Names the partition in an error's subject, e.g.
/// `health.agg.1.list (partition 1/2)`, so the HTTP error or CLI line says
/// which part of the fleet is missing.
pub fn tag(error: QueryError, partition: Option<Partition>) -> QueryError {
    let Some(p) = partition else {
        return error;
    };
    let named = |subject: String| format!("{subject} (partition {p})");
    match error {
        QueryError::NoResponders(subject) => QueryError::NoResponders(named(subject)),
        QueryError::TimedOut(subject) => QueryError::TimedOut(named(subject)),
        QueryError::Service {
            subject,
            code,
            message,
        } => QueryError::Service {
            subject: named(subject),
            code,
            message,
        },
        QueryError::Decode { subject, reason } => QueryError::Decode {
            subject: named(subject),
            reason,
        },
        QueryError::Request { subject, reason } => QueryError::Request {
            subject: named(subject),
            reason,
        },
    }
}

#[cfg(test)]
mod tests;
