//! The registry's metrics, the same in every service that watches it (named
//! and described in [`healthmon_common::metric_names`]).

pub use healthmon_common::metric_names::registry::*;

/// Describes every metric and starts the availability, the site count
/// and the invalid-value count at zero (the load time is set once loaded).
pub fn describe() {
    describe_all();
    metrics::gauge!(AVAILABLE).set(0.0);
    metrics::gauge!(SITES).set(0.0);
    metrics::counter!(INVALID).increment(0);
}
