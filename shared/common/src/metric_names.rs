//! Every metric healthmon's services export under their own names, in one
//! list: the names alert rules, recording rules and dashboards depend on,
//! each declared once with its `# HELP` text. A service re-exports its
//! module (`pub use …::aggregator::*`) and counts with the constants; what
//! it registers at zero at start (labelled series) stays with the service,
//! which alone knows its label values.
//!
//! Each entry becomes a `pub const` documented by its help text, and each
//! module a `describe_all()` that gives the process-wide recorder every help
//! text of the module.

/// `kind NAME = "metric", "help";` entries → constants and `describe_all()`.
macro_rules! metric_names {
    ($($kind:ident $name:ident = $metric:literal, $help:literal;)+) => {
        $(#[doc = $help] pub const $name: &str = $metric;)+

        /// Gives the metrics recorder the help text of every metric here.
        pub fn describe_all() {
            $(metric_names!(@describe $kind $name $help);)+
        }
    };
    (@describe counter $name:ident $help:literal) => {
        metrics::describe_counter!($name, $help)
    };
    (@describe gauge $name:ident $help:literal) => {
        metrics::describe_gauge!($name, $help)
    };
    (@describe histogram $name:ident $help:literal) => {
        metrics::describe_histogram!($name, $help)
    };
    (@describe seconds_histogram $name:ident $help:literal) => {
        metrics::describe_histogram!($name, metrics::Unit::Seconds, $help)
    };
}

/// Every service's NATS connection ([`crate::nats`]).
pub mod nats {
    metric_names! {
        counter EVENTS = "healthmon_nats_events_total",
            "NATS connection events (connected, disconnected, server_error, ...), by event.";
        gauge CONNECTED = "healthmon_nats_connected",
            "1 while the NATS connection is up, else 0.";
    }
}

/// The collector's metrics.
pub mod collector {
    metric_names! {
        counter REPORTS_SENT = "healthmon_collector_reports_sent_total",
            "Reports published (one per site per report, simulated sites included).";
        counter REPORTS_SKIPPED = "healthmon_collector_reports_skipped_total",
            "Reports not published because the NATS link was down when they were due.";
        counter REPORTS_INVALID = "healthmon_collector_reports_invalid_total",
            "Reports the collector could not make valid, by reason.";
        counter REPORTS_REPAIRED = "healthmon_collector_reports_repaired_total",
            "Reports that needed repairs (names cleaned, lists capped, numbers clamped) before sending.";
        counter PUBLISH_ERRORS = "healthmon_collector_publish_errors_total",
            "Publish calls the NATS client refused.";
        counter RESEND_REQUESTS = "healthmon_collector_resend_requests_total",
            "Resend requests received.";
        counter SCRAPE_ERRORS = "healthmon_collector_scrape_errors_total",
            "Failed scrapes, by scrape target name.";
        gauge PROBE_UP = "healthmon_collector_probe_up",
            "1 if the TCP probe of a connection succeeded last time, else 0.";
        gauge COLLECT_SECONDS = "healthmon_collector_collect_duration_seconds",
            "How long the last collection took, seconds.";
        gauge SIM_FAULTY_SITES = "healthmon_collector_sim_faulty_sites",
            "Simulated sites currently in a fault (simulation only).";
    }
}

/// The aggregator's own metrics (its per-site series are its exposition's families).
pub mod aggregator {
    metric_names! {
        counter REPORTS_ACCEPTED = "healthmon_aggregator_reports_accepted_total",
            "Reports accepted into the site table.";
        counter REPORTS_REJECTED = "healthmon_aggregator_reports_rejected_total",
            "Reports refused, by reason.";
        counter STATUS_APPLIED = "healthmon_aggregator_status_applied_total",
            "Status events applied.";
        counter STATUS_REJECTED = "healthmon_aggregator_status_rejected_total",
            "Status events refused, by reason.";
        counter STATUS_IGNORED = "healthmon_aggregator_status_ignored_total",
            "Status events not applied, by reason (other_partition: a site another partition holds).";
        counter LOST_REPORTS = "healthmon_aggregator_lost_reports_total",
            "Reports missing from sequence gaps, all sites.";
        counter COLLECTOR_RESTARTS = "healthmon_aggregator_collector_restarts_total",
            "Reports from a new collector instance of a known site.";
        counter INCIDENTS_REJECTED = "healthmon_aggregator_incidents_rejected_total",
            "Incident messages refused because they do not decode.";
        gauge SITES = "healthmon_aggregator_sites",
            "Sites held in memory.";
        counter REGISTRATIONS = "healthmon_aggregator_registry_writes_total",
            "Writes of what reports teach the fleet registry (a new site, its first report, its declared interval and labels), by outcome.";
    }
}

/// The assessor's metrics.
pub mod assessor {
    metric_names! {
        counter REPORTS = "healthmon_assessor_reports_total", "Reports accepted.";
        counter REJECTED = "healthmon_assessor_reports_rejected_total",
            "Reports rejected, by reason.";
        counter LOST = "healthmon_assessor_lost_reports_total",
            "Reports missing from seq gaps (lost on the way, a slow consumer's drops included), counted when the site's next report arrives.";
        gauge SITES = "healthmon_assessor_sites", "Sites tracked, by connectivity.";
        counter STATUS_EVENTS = "healthmon_assessor_status_events_total",
            "Status events published.";
        counter TRANSITIONS = "healthmon_assessor_transitions_total",
            "Connectivity changes, by new state.";
        counter HEALTH_TRANSITIONS = "healthmon_assessor_health_transitions_total",
            "Health changes, by new state.";
        counter PUBLISH_ERRORS = "healthmon_assessor_publish_errors_total",
            "Status events that could not be published.";
        seconds_histogram DETECTION_LAG = "healthmon_assessor_detection_lag_seconds",
            "Time between a site's offline deadline and its offline event.";
        counter BOOTSTRAPPED = "healthmon_assessor_bootstrapped_sites_total",
            "Sites adopted from the aggregator at start-up.";
        gauge BLIND = "healthmon_assessor_blind",
            "1 while the NATS link is down and sites are not judged.";
        gauge CENTRAL_SUSPECT = "healthmon_assessor_central_suspect",
            "1 while most sites fell silent at once and are held late (the centre is suspected).";
        counter MASS_SILENCE = "healthmon_assessor_mass_silence_total",
            "Mass-silence rule changes, by cause (suspected, resumed, expired).";
        gauge LEADER = "healthmon_assessor_leader",
            "1 while this replica publishes status events (always 1 without --leader-election).";
        gauge JUDGING = "healthmon_assessor_judging",
            "1 while this assessor can judge sites (neither blind nor suspecting the centre): availability counts only this time.";
        counter LINKS_LOST = "healthmon_assessor_links_lost_total",
            "Connections the NATS server reported closed that healthmon knows (a leaf node, a collector), by kind.";
        counter INCIDENTS = "healthmon_assessor_incidents_total",
            "Incidents opened: sites that fell silent together (kind link: a leaf node lost with sites behind it; group: most sites sharing a label value silent).";
    }
}

/// The dashboard API's metrics.
pub mod dashboard {
    metric_names! {
        counter HTTP_REQUESTS = "healthmon_dashboard_http_requests_total",
            "HTTP responses, by route template and status.";
        histogram HTTP_DURATION = "healthmon_dashboard_http_request_duration_seconds",
            "Time to the response head, seconds, by route template.";
        counter EVENTS_REJECTED = "healthmon_dashboard_events_rejected_total",
            "Status events not relayed, by reason.";
        counter EVENTS_RELAYED = "healthmon_dashboard_events_relayed_total",
            "Status events relayed to SSE clients.";
        counter SSE_LAGGED = "healthmon_dashboard_sse_lagged_total",
            "Times a slow SSE client missed events.";
        counter AUDIT_EVENTS = "healthmon_dashboard_audit_events_total",
            "Audit events (admin actions and refused requests), by action and outcome.";
        gauge SSE_CLIENTS = "healthmon_dashboard_sse_clients",
            "Open SSE streams.";
    }
}

/// The fleet registry's metrics, the same in every service that watches it.
pub mod registry {
    metric_names! {
        gauge AVAILABLE = "healthmon_registry_available",
            "1 while the fleet registry (JetStream KV) can be read and written, else 0.";
        counter INVALID = "healthmon_registry_invalid_total",
            "Registry values skipped because they do not read.";
        gauge SITES = "healthmon_registry_sites",
            "Sites the fleet registry lists, in this process's copy (its partition's, if partitioned).";
        gauge LOADED_SECONDS = "healthmon_registry_load_seconds",
            "Seconds the first full read of the fleet registry took.";
    }
}
