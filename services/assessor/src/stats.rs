//! The assessor's Prometheus metrics, named and described in one place.

use std::time::Duration;

use healthmon_proto::{Connectivity, Rejection, StatusEvent};

pub const REPORTS: &str = "healthmon_assessor_reports_total";
pub const REJECTED: &str = "healthmon_assessor_reports_rejected_total";
pub const LOST: &str = "healthmon_assessor_lost_reports_total";
pub const SITES: &str = "healthmon_assessor_sites";
pub const STATUS_EVENTS: &str = "healthmon_assessor_status_events_total";
pub const TRANSITIONS: &str = "healthmon_assessor_transitions_total";
pub const HEALTH_TRANSITIONS: &str = "healthmon_assessor_health_transitions_total";
pub const PUBLISH_ERRORS: &str = "healthmon_assessor_publish_errors_total";
pub const DETECTION_LAG: &str = "healthmon_assessor_detection_lag_seconds";
pub const BOOTSTRAPPED: &str = "healthmon_assessor_bootstrapped_sites_total";
pub const BLIND: &str = "healthmon_assessor_blind";
pub const CENTRAL_SUSPECT: &str = "healthmon_assessor_central_suspect";
pub const MASS_SILENCE: &str = "healthmon_assessor_mass_silence_total";
pub const LEADER: &str = "healthmon_assessor_leader";
pub const JUDGING: &str = "healthmon_assessor_judging";
pub const LINKS_LOST: &str = "healthmon_assessor_links_lost_total";
pub const INCIDENTS: &str = "healthmon_assessor_incidents_total";

/// Describes every metric and registers the labelled counters at zero, so
/// dashboards and alerts see them before the first occurrence.
pub fn register() {
    metrics::describe_counter!(REPORTS, "Reports accepted.");
    metrics::describe_counter!(REJECTED, "Reports rejected, by reason.");
    metrics::describe_counter!(
        LOST,
        "Reports missing from seq gaps (lost on the way, a slow consumer's drops included), counted when the site's next report arrives."
    );
    metrics::describe_gauge!(SITES, "Sites tracked, by connectivity.");
    metrics::describe_counter!(STATUS_EVENTS, "Status events published.");
    metrics::describe_counter!(TRANSITIONS, "Connectivity changes, by new state.");
    metrics::describe_counter!(HEALTH_TRANSITIONS, "Health changes, by new state.");
    metrics::describe_counter!(PUBLISH_ERRORS, "Status events that could not be published.");
    metrics::describe_histogram!(
        DETECTION_LAG,
        metrics::Unit::Seconds,
        "Time between a site's offline deadline and its offline event."
    );
    metrics::describe_counter!(
        BOOTSTRAPPED,
        "Sites adopted from the aggregator at start-up."
    );
    metrics::describe_gauge!(
        BLIND,
        "1 while the NATS link is down and sites are not judged."
    );
    metrics::describe_gauge!(
        CENTRAL_SUSPECT,
        "1 while most sites fell silent at once and are held late (the centre is suspected)."
    );
    metrics::describe_counter!(
        MASS_SILENCE,
        "Mass-silence rule changes, by cause (suspected, resumed, expired)."
    );
    metrics::describe_gauge!(
        LEADER,
        "1 while this replica publishes status events (always 1 without --leader-election)."
    );
    metrics::describe_gauge!(
        JUDGING,
        "1 while this assessor can judge sites (neither blind nor suspecting the centre): availability counts only this time."
    );
    metrics::gauge!(JUDGING).set(1.0);
    metrics::describe_counter!(
        LINKS_LOST,
        "Connections the NATS server reported closed that healthmon knows (a leaf node, a collector), by kind."
    );
    metrics::describe_counter!(
        INCIDENTS,
        "Incidents opened: sites that fell silent together (kind link: a leaf node lost with sites behind it; group: most sites sharing a label value silent)."
    );
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
