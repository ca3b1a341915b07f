//! A site's latest report as the table keeps it: compact bytes plus the two
//! fields every later report is checked against.
//!
//! The bytes are [`ReportView::to_compact`] of the validated report — arrays
//! without field names, about 40 % of the wire form and a single allocation
//! of exactly that size. Readers get a [`ReportView`] back by decoding them,
//! which borrows and costs microseconds: queries read one page of sites, a
//! scrape reads them all, ingest reads none.

use std::hash::BuildHasher;

use healthmon_proto::ReportView;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    compact: Box<[u8]>,
    seq: u64,
    /// Hash of the collector `instance`: a restart changes it. Two instances
    /// of one site colliding in 64 bits is not a practical concern, and the
    /// only effect would be a restarted collector's first reports being
    /// refused as stale until its seq passes the old one.
    instance: u64,
}

/// A fixed hasher: instance hashes must compare equal across the process's life.
fn instance_hash(instance: &str) -> u64 {
    foldhash::quality::FixedState::with_seed(0x6865_616c_7468_6d6f).hash_one(instance)
}

impl StoredReport {
    pub fn new(report: &ReportView<'_>) -> Self {
        StoredReport {
            compact: report.to_compact(),
            seq: report.seq,
            instance: instance_hash(report.instance),
        }
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn same_instance(&self, report: &ReportView<'_>) -> bool {
        self.instance == instance_hash(report.instance)
    }

    /// The report again. Written by `new` from a validated view, so reading
    /// it back fails only on a bug (the round trip is property-tested in
    /// healthmon-proto): then the site shows no report rather than a query
    /// task panicking.
    pub fn view(&self) -> Option<ReportView<'_>> {
        match ReportView::from_compact(&self.compact) {
            Ok(view) => Some(view),
            Err(e) => {
                tracing::error!(error = %e, "a stored report does not decode; showing none");
                None
            }
        }
    }

    /// Bytes held for the report itself.
    pub fn len(&self) -> usize {
        self.compact.len()
    }

    pub fn is_empty(&self) -> bool {
        self.compact.is_empty()
    }
}

#[cfg(test)]
mod tests;
