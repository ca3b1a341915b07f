//! The collector's own metrics, served on `--metrics-addr` at `/metrics`.
//!
//! Counters with a label set known at start are registered at zero, so a
//! dashboard can tell "nothing went wrong" from "not reporting".

use healthmon_proto::Rejection;

use crate::config::Config;

/// Reports published (one per site per report, simulated sites included).
pub const REPORTS_SENT: &str = "healthmon_collector_reports_sent_total";
/// Reports not published because the NATS link was down when they were due.
pub const REPORTS_SKIPPED: &str = "healthmon_collector_reports_skipped_total";
/// Reports the collector could not make valid (a bug, not a misconfiguration), by reason.
pub const REPORTS_INVALID: &str = "healthmon_collector_reports_invalid_total";
/// Reports that needed repairs (names cleaned, lists capped, numbers clamped) before sending.
pub const REPORTS_REPAIRED: &str = "healthmon_collector_reports_repaired_total";
/// Publish calls the NATS client refused.
pub const PUBLISH_ERRORS: &str = "healthmon_collector_publish_errors_total";
/// Resend requests received.
pub const RESEND_REQUESTS: &str = "healthmon_collector_resend_requests_total";
/// Failed scrapes, by scrape target name.
pub const SCRAPE_ERRORS: &str = "healthmon_collector_scrape_errors_total";
/// 1 if the TCP probe of a connection succeeded last time, else 0.
pub const PROBE_UP: &str = "healthmon_collector_probe_up";
/// How long the last collection took.
pub const COLLECT_SECONDS: &str = "healthmon_collector_collect_duration_seconds";
/// Simulated sites currently in a fault (simulation only).
pub const SIM_FAULTY_SITES: &str = "healthmon_collector_sim_faulty_sites";

pub fn register(config: &Config) {
    describe();
    metrics::counter!(REPORTS_SENT).absolute(0);
    metrics::counter!(REPORTS_SKIPPED).absolute(0);
    metrics::counter!(REPORTS_REPAIRED).absolute(0);
    metrics::counter!(PUBLISH_ERRORS).absolute(0);
    metrics::counter!(RESEND_REQUESTS).absolute(0);
    for reason in Rejection::REASONS {
        metrics::counter!(REPORTS_INVALID, "reason" => reason).absolute(0);
    }
    if config.simulate.is_none() {
        for target in &config.sources.scrape {
            metrics::counter!(SCRAPE_ERRORS, "target" => target.name.clone()).absolute(0);
        }
    }
}

/// HELP texts, so `promtool check metrics` finds every family documented.
fn describe() {
    use metrics::{describe_counter, describe_gauge};
    describe_counter!(
        REPORTS_SENT,
        "Reports published (one per site per report, simulated sites included)."
    );
    describe_counter!(
        REPORTS_SKIPPED,
        "Reports not published because the NATS link was down when they were due."
    );
    describe_counter!(
        REPORTS_INVALID,
        "Reports the collector could not make valid, by reason."
    );
    describe_counter!(
        REPORTS_REPAIRED,
        "Reports that needed repairs (names cleaned, lists capped, numbers clamped) before sending."
    );
    describe_counter!(PUBLISH_ERRORS, "Publish calls the NATS client refused.");
    describe_counter!(RESEND_REQUESTS, "Resend requests received.");
    describe_counter!(SCRAPE_ERRORS, "Failed scrapes, by scrape target name.");
    describe_gauge!(
        PROBE_UP,
        "1 if the TCP probe of a connection succeeded last time, else 0."
    );
    describe_gauge!(
        COLLECT_SECONDS,
        "How long the last collection took, seconds."
    );
    describe_gauge!(
        SIM_FAULTY_SITES,
        "Simulated sites currently in a fault (simulation only)."
    );
}
