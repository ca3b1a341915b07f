//! The assessor's Prometheus metrics (named and described in
//! [`healthmon_common::metric_names`]): registered at start, and counted here.

use std::time::Duration;

use healthmon_proto::{Connectivity, Rejection, StatusEvent};

pub use healthmon_common::metric_names::assessor::*;

/// Describes every metric and registers the labelled counters at zero, so
/// dashboards and alerts see them before the first occurrence.
pub fn register() {
    describe_all();
    metrics::gauge!(JUDGING).set(1.0);
    for kind in ["leaf", "site"] {
        metrics::counter!(LINKS_LOST, "kind" => kind).absolute(0);
    }
    for kind in ["link", "group"] {
        metrics::counter!(INCIDENTS, "kind" => kind).absolute(0);
    }
    metrics::gauge!(LEADER).set(1.0);
    metrics::counter!(REPORTS).absolute(0);
    metrics::counter!(LOST).absolute(0);
    for reason in Rejection::REASONS {
        metrics::counter!(REJECTED, "reason" => reason).absolute(0);
    }
    for c in Connectivity::ALL {
        metrics::counter!(TRANSITIONS, "to" => c.as_str()).absolute(0);
        metrics::gauge!(SITES, "connectivity" => c.as_str()).set(0.0);
    }
    metrics::counter!(STATUS_EVENTS).absolute(0);
    metrics::counter!(PUBLISH_ERRORS).absolute(0);
    metrics::gauge!(BLIND).set(0.0);
    metrics::gauge!(CENTRAL_SUSPECT).set(0.0);
    for cause in ["suspected", "resumed", "expired"] {
        metrics::counter!(MASS_SILENCE, "cause" => cause).absolute(0);
    }
}

/// Counted per batch: a counter update is a registry lookup.
pub fn accepted(reports: u64, lost: u64) {
    if reports > 0 {
        metrics::counter!(REPORTS).increment(reports);
    }
    if lost > 0 {
        metrics::counter!(LOST).increment(lost);
    }
}

pub fn rejected(rejection: &Rejection) {
    metrics::counter!(REJECTED, "reason" => rejection.reason()).increment(1);
}

pub fn published(event: &StatusEvent) {
    metrics::counter!(STATUS_EVENTS).increment(1);
    if event.connectivity != event.previous_connectivity {
        metrics::counter!(TRANSITIONS, "to" => event.connectivity.as_str()).increment(1);
    }
    if event.health != event.previous_health {
        metrics::counter!(HEALTH_TRANSITIONS, "to" => event.health.as_str()).increment(1);
    }
}

pub fn publish_failed() {
    metrics::counter!(PUBLISH_ERRORS).increment(1);
}

pub fn sites(counts: impl Iterator<Item = (Connectivity, usize)>) {
    for (c, n) in counts {
        metrics::gauge!(SITES, "connectivity" => c.as_str()).set(n as f64);
    }
}

pub fn detection_lag(lag: Duration) {
    metrics::histogram!(DETECTION_LAG).record(lag.as_secs_f64());
}

pub fn bootstrapped(n: usize) {
    metrics::counter!(BOOTSTRAPPED).increment(n as u64);
}

pub fn blind(blind: bool) {
    metrics::gauge!(BLIND).set(if blind { 1.0 } else { 0.0 });
}

pub fn mass_silence(cause: &str, suspect: bool) {
    metrics::counter!(MASS_SILENCE, "cause" => cause.to_owned()).increment(1);
    metrics::gauge!(CENTRAL_SUSPECT).set(if suspect { 1.0 } else { 0.0 });
}

pub fn link_lost(kind: &'static str) {
    metrics::counter!(LINKS_LOST, "kind" => kind).increment(1);
}

pub fn incident(kind: &'static str) {
    metrics::counter!(INCIDENTS, "kind" => kind).increment(1);
}

pub fn judging(judging: bool) {
    metrics::gauge!(JUDGING).set(if judging { 1.0 } else { 0.0 });
}

pub fn leader(leader: bool) {
    metrics::gauge!(LEADER).set(if leader { 1.0 } else { 0.0 });
}
