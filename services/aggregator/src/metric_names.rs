//! The aggregator's own metrics, named in [`healthmon_common::metric_names`]
//! (the per-site series for Prometheus are [`crate::exposition`]'s families),
//! and what it registers at start.

pub use healthmon_common::metric_names::aggregator::*;

/// Describes every metric and registers at zero the series a
/// dashboard should see as a flat line before the first occurrence.
pub fn describe() {
    describe_all();
    metrics::counter!(INCIDENTS_REJECTED).increment(0);
    for outcome in ["written", "unchanged", "failed"] {
        metrics::counter!(REGISTRATIONS, "outcome" => outcome).increment(0);
    }
}
