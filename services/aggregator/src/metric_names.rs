//! Every metric of the aggregator's own, named once (the per-site series
//! for Prometheus are [`crate::exposition`]'s families).

/// Reports accepted into the site table.
pub const REPORTS_ACCEPTED: &str = "healthmon_aggregator_reports_accepted_total";
/// Reports refused, by reason.
pub const REPORTS_REJECTED: &str = "healthmon_aggregator_reports_rejected_total";
/// Status events applied.
pub const STATUS_APPLIED: &str = "healthmon_aggregator_status_applied_total";
/// Status events refused, by reason.
pub const STATUS_REJECTED: &str = "healthmon_aggregator_status_rejected_total";
/// Status events a partition's aggregator does not apply, by reason.
pub const STATUS_IGNORED: &str = "healthmon_aggregator_status_ignored_total";
/// Reports missing from sequence gaps, all sites.
pub const LOST_REPORTS: &str = "healthmon_aggregator_lost_reports_total";
/// Reports from a new collector instance of a known site.
pub const COLLECTOR_RESTARTS: &str = "healthmon_aggregator_collector_restarts_total";
/// Incident messages refused (undecodable).
pub const INCIDENTS_REJECTED: &str = "healthmon_aggregator_incidents_rejected_total";
/// Sites held in memory.
pub const SITES: &str = "healthmon_aggregator_sites";
/// What reports taught the fleet registry, by outcome (written, unchanged, failed).
pub const REGISTRATIONS: &str = "healthmon_aggregator_registry_writes_total";

/// Describes every metric above.
pub fn describe() {
    metrics::describe_counter!(REPORTS_ACCEPTED, "Reports accepted into the site table.");
    metrics::describe_counter!(REPORTS_REJECTED, "Reports refused, by reason.");
    metrics::describe_counter!(STATUS_APPLIED, "Status events applied.");
    metrics::describe_counter!(STATUS_REJECTED, "Status events refused, by reason.");
    metrics::describe_counter!(
        STATUS_IGNORED,
        "Status events not applied, by reason (other_partition: a site another partition holds)."
    );
    metrics::describe_counter!(
        LOST_REPORTS,
        "Reports missing from sequence gaps, all sites."
    );
    metrics::describe_counter!(
        COLLECTOR_RESTARTS,
        "Reports from a new collector instance of a known site."
    );
    metrics::describe_counter!(
        INCIDENTS_REJECTED,
        "Incident messages refused because they do not decode."
    );
    metrics::counter!(INCIDENTS_REJECTED).increment(0);
    metrics::describe_gauge!(SITES, "Sites held in memory.");
    metrics::describe_counter!(
        REGISTRATIONS,
        "Writes of what reports teach the fleet registry (a new site, its first report, its declared interval and labels), by outcome."
    );
    for outcome in ["written", "unchanged", "failed"] {
        metrics::counter!(REGISTRATIONS, "outcome" => outcome).increment(0);
    }
}
