//! Every metric the dashboard API exposes (named and described in
//! [`healthmon_common::metric_names`]), registered with [`describe`] at
//! start, zero where a dashboard should see a flat line rather than no series.

use crate::events::EventRejection;

pub use healthmon_common::metric_names::dashboard::*;

/// Describes every metric and registers the event counters at zero.
pub fn describe() {
    describe_all();
    for reason in EventRejection::REASONS {
        metrics::counter!(EVENTS_REJECTED, "reason" => reason).absolute(0);
    }
    metrics::counter!(EVENTS_RELAYED).absolute(0);
    metrics::counter!(SSE_LAGGED).absolute(0);
    metrics::gauge!(SSE_CLIENTS).set(0.0);
}
