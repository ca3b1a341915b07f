//! The `healthmon_site_*` series the aggregator exposes for
//! [`fixtures::full`](crate::fixtures::full) (each also labelled with its
//! `site`): what its report says, written out once for every test that
//! scrapes one (the aggregator's exposition unit test and its /metrics
//! integration test). [`assert_full_site`] checks the rows of
//! [`FULL_SERIES`] and each connection's `connection_up`, read from the
//! fixture itself.
//!
//! Only what the report decides is here. What the centre decides (`up`,
//! `judged`, `connectivity`, `health`, `status_since_timestamp_seconds`) and
//! the receive time (`last_report_timestamp_seconds`) depend on the test, so
//! each test checks its own rows beside these. Only listed rows are checked
//! ([`Scrape::assert_site`]): a series not listed may be there or not.
//!
//! [`Scrape::assert_site`]: crate::promtext::Scrape::assert_site

use crate::fixtures;
use crate::promtext::{Scrape, SiteSeries};

/// Checks `site`'s series in `scrape` against what `fixtures::full(site)`
/// reported: the rows of [`FULL_SERIES`], and a `connection_up` for each of
/// the fixture's connections, 1 where it is connected.
#[track_caller]
pub fn assert_full_site(scrape: &Scrape, site: &str) {
    scrape.assert_site(site, FULL_SERIES);
    let report = fixtures::full(site);
    for (connection, up) in fixtures::connection_states(&report) {
        let up = if up { 1.0 } else { 0.0 };
        scrape.assert_site(
            site,
            &[("connection_up", &[("connection", connection)], up)],
        );
    }
}

/// `fixtures::full(site)`, first report of its instance, as exposed while
/// the site is not late or offline (then the inside of the site goes).
pub const FULL_SERIES: &[SiteSeries<'static>] = &[
    // The announced 30 s interval; seq 1, so no gap.
    ("report_interval_seconds", &[], 30.0),
    ("lost_reports", &[], 0.0),
    // Eight connections (each one's `connection_up`: [`assert_full_site`]).
    ("connections", &[], 8.0),
    ("nodes", &[], 2.0),
    ("node_active", &[("node", "node-a")], 1.0),
    ("node_active", &[("node", "node-b")], 0.0),
    ("script_errors_per_minute", &[], 2.5),
    ("alarm_errors_per_minute", &[], 0.25),
    ("script_errors", &[], 1234.0),
    ("alarm_errors", &[], 56.0),
    ("cpu_percent", &[], 23.5),
    ("memory_used_bytes", &[], (3u64 << 30) as f64),
    ("memory_total_bytes", &[], (8u64 << 30) as f64),
    ("disk_used_percent", &[], 41.2),
    ("load1", &[], 0.42),
    ("sf_buffer_depth", &[("category", "external")], 3.0),
    ("sf_buffer_depth", &[("category", "notification")], 7.0),
    ("sf_buffer_depth", &[("category", "db_write")], 12.0),
    ("custom", &[("name", "api_latency_ms")], 12.5),
    ("custom", &[("name", "open_batches")], 3.0),
    // The site's own labels, no registry record declaring others.
    (
        "info",
        &[("line", "bottling 2"), ("region", "eu-west")],
        1.0,
    ),
];

#[cfg(test)]
mod tests;
