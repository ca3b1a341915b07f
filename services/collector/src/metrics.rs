//! The collector's own metrics, served on `--metrics-addr` at `/metrics`.
//!
//! Counters with a label set known at start are registered at zero, so a
//! dashboard can tell "nothing went wrong" from "not reporting".

use healthmon_proto::Rejection;

use crate::config::Config;

pub use healthmon_common::metric_names::collector::*;

/// Describes every metric (so `promtool check metrics` finds every family
/// documented) and registers at zero the series known at start.
pub fn register(config: &Config) {
    describe_all();
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
