//! Every metric the dashboard API exposes, named once, and their
//! descriptions (registered with [`describe`] at start, zero where a
//! dashboard should see a flat line rather than no series).

use crate::events::EventRejection;

/// HTTP responses, by route template and status.
pub const HTTP_REQUESTS: &str = "healthmon_dashboard_http_requests_total";
/// Time to the response head, by route template.
pub const HTTP_DURATION: &str = "healthmon_dashboard_http_request_duration_seconds";
/// Status events not relayed, by reason.
pub const EVENTS_REJECTED: &str = "healthmon_dashboard_events_rejected_total";
/// Status events relayed to SSE clients.
pub const EVENTS_RELAYED: &str = "healthmon_dashboard_events_relayed_total";
/// Times a slow SSE client missed events.
pub const SSE_LAGGED: &str = "healthmon_dashboard_sse_lagged_total";
/// Open SSE streams.
pub const SSE_CLIENTS: &str = "healthmon_dashboard_sse_clients";

/// Describes every metric and registers the event counters at zero.
pub fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP responses, by route template and status."
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        "Time to the response head, seconds, by route template."
    );
    metrics::describe_counter!(EVENTS_REJECTED, "Status events not relayed, by reason.");
    metrics::describe_counter!(EVENTS_RELAYED, "Status events relayed to SSE clients.");
    metrics::describe_counter!(SSE_LAGGED, "Times a slow SSE client missed events.");
    metrics::describe_gauge!(SSE_CLIENTS, "Open SSE streams.");
    for reason in EventRejection::REASONS {
        metrics::counter!(EVENTS_REJECTED, "reason" => reason).absolute(0);
    }
    metrics::counter!(EVENTS_RELAYED).absolute(0);
    metrics::counter!(SSE_LAGGED).absolute(0);
    metrics::gauge!(SSE_CLIENTS).set(0.0);
}
