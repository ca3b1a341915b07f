//! One real site's report, gathered from its own sources: host resources,
//! every scrape target and every TCP probe, all at the same time.
//!
//! Nothing here can fail the report: a target or probe that fails is
//! counted, becomes a warning for the (rate-limited) log, and its fields are
//! handled as [`crate::readings`] describes. Every wait is bounded by the
//! report interval, so a hung endpoint delays one report, not the schedule.

use std::time::Duration;

use futures::future::join_all;
use healthmon_proto::HealthReport;
use tokio::time::Instant;

use crate::config::{Probe, ScrapeTarget, Sources};
use crate::host::Host;
use crate::mapping;
use crate::metrics as m;
use crate::probe::probe;
use crate::readings::{TargetState, merge};
use crate::scrape::Scraper;

pub struct SiteCollector {
    site_id: String,
    interval: Duration,
    host: Option<Host>,
    scraper: Scraper,
    targets: Vec<(ScrapeTarget, TargetState)>,
    probes: Vec<Probe>,
    sources: Sources,
    started: Instant,
}

/// A report body (identity and timing still to be filled in) and what went wrong making it.
#[derive(Debug)]
pub struct Collected {
    pub report: HealthReport,
    pub warnings: Vec<String>,
}

impl SiteCollector {
    pub fn new(
        site_id: &str,
        interval: Duration,
        sources: Sources,
    ) -> Result<Self, reqwest::Error> {
        // Rates over less than half an interval (a resend just after a report) are noise.
        let min_window_ms = u64::try_from(interval.as_millis() / 2).unwrap_or(u64::MAX);
        let targets = sources
            .scrape
            .iter()
            .map(|t| (t.clone(), TargetState::new(min_window_ms)))
            .collect();
        Ok(SiteCollector {
            site_id: site_id.to_owned(),
            interval,
            host: sources.host.enabled.then(|| Host::new(&sources.host.disk)),
            scraper: Scraper::new()?,
            targets,
            probes: sources.probe.clone(),
            sources,
            started: Instant::now(),
        })
    }

    pub async fn collect(&mut self) -> Collected {
        let at_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let interval = self.interval;
        let scraper = &self.scraper;
        let scrapes =
            join_all(self.targets.iter().map(|(t, _)| async move {
                scraper.scrape(&t.url, t.timeout.min(interval)).await
            }));
        let probes = join_all(
            self.probes
                .iter()
                .map(|p| async move { probe(&p.address, p.timeout.min(interval)).await }),
        );
        let host = self.host.as_mut();
        let host = async move {
            match host {
                Some(host) => Some(host.read().await),
                None => None,
            }
        };
        let (scrapes, probe_results, resources) = tokio::join!(scrapes, probes, host);

        let mut warnings = Vec::new();
        let mut contributions = Vec::with_capacity(self.targets.len());
        for ((target, state), result) in self.targets.iter_mut().zip(scrapes) {
            let reading = match result {
                Ok(parsed) => {
                    if parsed.bad_lines > 0 {
                        warnings.push(format!(
                            "scrape target {} ({}): {} unparsable lines skipped",
                            target.name, target.url, parsed.bad_lines
                        ));
                    }
                    Some(mapping::read(
                        &parsed.samples,
                        &self.sources.mapping,
                        &self.sources.custom,
                    ))
                }
                Err(e) => {
                    metrics::counter!(m::SCRAPE_ERRORS, "target" => target.name.clone())
                        .increment(1);
                    warnings.push(format!(
                        "scrape target {} ({}) failed: {e}",
                        target.name, target.url
                    ));
                    None
                }
            };
            contributions.push(state.update(at_ms, reading));
        }
        let mut probed = Vec::with_capacity(self.probes.len());
        for (p, result) in self.probes.iter().zip(probe_results) {
            let up = result.is_ok();
            metrics::gauge!(m::PROBE_UP, "connection" => p.name.clone()).set(if up {
                1.0
            } else {
                0.0
            });
            if let Err(e) = result {
                warnings.push(format!("probe {} ({}) failed: {e}", p.name, p.address));
            }
            probed.push((p.name.clone(), up));
        }

        let mut report = HealthReport::new(self.site_id.clone(), "", 0);
        merge(contributions, &probed, &mut report);
        report.resources = resources;
        report.labels = self.sources.labels.clone();
        Collected { report, warnings }
    }
}
