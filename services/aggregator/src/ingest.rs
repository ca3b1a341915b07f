//! The subscription loops feeding the site table: reports and status events.
//!
//! Each loop does only CPU work per message: decode and validate (no lock),
//! then one short lock to apply, then counters through pre-registered handles.
//! Nothing in the loop awaits other I/O, so a burst is consumed as fast as the
//! client delivers it and the client's buffer is what absorbs spikes (if it
//! ever overflows, healthmon-common counts a `slow_consumer` event).

use std::sync::Arc;

use async_nats::Subscriber;
use healthmon_common::CancellationToken;
use healthmon_common::clock::{now_ms, now_us};
use healthmon_common::shutdown::next_or_stop;
use healthmon_proto::{Rejection, Subjects};
use metrics::{Counter, Gauge};

use crate::messages;
use crate::metric_names::{
    self, COLLECTOR_RESTARTS, LOST_REPORTS, REPORTS_ACCEPTED, REPORTS_REJECTED, SITES,
    STATUS_APPLIED, STATUS_IGNORED, STATUS_REJECTED,
};
use crate::registry::Registrar;
use crate::state::{Shared, StoredReport, lock};
use healthmon_common::log_limit::LogLimiter;

/// Counter handles resolved once, so the hot path does no registry look-ups.
pub struct IngestMetrics {
    accepted: Counter,
    rejected: Vec<Counter>,
    status_applied: Counter,
    status_rejected: Vec<Counter>,
    lost: Counter,
    restarts: Counter,
    sites: Gauge,
}

impl IngestMetrics {
    /// Registers every counter at zero (each rejection reason included), so a
    /// dashboard sees a flat line rather than a missing series.
    pub fn register() -> Self {
        metric_names::describe();
        let by_reason = |name: &'static str, reasons: &[&'static str]| {
            reasons
                .iter()
                .map(|reason| metrics::counter!(name, "reason" => *reason))
                .collect()
        };
        IngestMetrics {
            accepted: metrics::counter!(REPORTS_ACCEPTED),
            rejected: by_reason(REPORTS_REJECTED, &Rejection::REASONS),
            status_applied: metrics::counter!(STATUS_APPLIED),
            status_rejected: by_reason(STATUS_REJECTED, &messages::STATUS_REASONS),
            lost: metrics::counter!(LOST_REPORTS),
            restarts: metrics::counter!(COLLECTOR_RESTARTS),
            sites: metrics::gauge!(SITES),
        }
    }

    pub fn set_sites(&self, count: usize) {
        self.sites.set(count as f64);
    }

    fn report_rejected(&self, reason: &'static str) {
        match Rejection::REASONS.iter().position(|r| *r == reason) {
            Some(i) => self.rejected[i].increment(1),
            None => metrics::counter!(REPORTS_REJECTED, "reason" => reason).increment(1),
        }
    }

    pub fn status_rejected(&self, reason: &'static str) {
        match messages::STATUS_REASONS.iter().position(|r| *r == reason) {
            Some(i) => self.status_rejected[i].increment(1),
            None => metrics::counter!(STATUS_REJECTED, "reason" => reason).increment(1),
        }
    }
}

/// How reports meet the fleet registry.
pub struct Admission {
    /// Off: a site the registry does not list is refused (`unregistered`).
    pub auto_register: bool,
    /// Where what reports teach the registry goes.
    pub registrar: Registrar,
}

/// What the loops (and the start-up pull) share.
pub struct Ingest {
    pub table: Shared,
    pub subjects: Subjects,
    pub metrics: IngestMetrics,
    admission: Admission,
    /// What the accepted reports say of the fleet's size (sizes the resend).
    pub heard: crate::resend::Heard,
    // Shared by both subscription loops and the start-up pull.
    warn: std::sync::Mutex<LogLimiter>,
}

impl Ingest {
    pub fn new(
        table: Shared,
        subjects: Subjects,
        metrics: IngestMetrics,
        admission: Admission,
    ) -> Self {
        Ingest {
            table,
            subjects,
            metrics,
            admission,
            heard: crate::resend::Heard::default(),
            warn: std::sync::Mutex::new(LogLimiter::default()),
        }
    }

    /// Handles one message from `<prefix>.report.*`.
    pub fn report(&self, subject: &str, payload: &[u8]) {
        let auto_register = self.admission.auto_register;
        let outcome = messages::report(&self.subjects, subject, payload).and_then(|report| {
            let stored = StoredReport::new(&report);
            let received_us = now_us();
            let mut table = lock(&self.table);
            table.admit(&report, auto_register)?;
            let applied = table.apply_stored_at(&report, stored, received_us)?;
            let registration = table.registration(&report, received_us / 1000);
            let sites = table.len();
            drop(table);
            self.heard.hear(report.interval_ms);
            Ok((applied, sites, registration))
        });
        match outcome {
            Ok((applied, sites, registration)) => {
                if let Some(registration) = registration {
                    self.admission.registrar.offer(registration);
                }
                self.metrics.accepted.increment(1);
                if applied.lost > 0 {
                    self.metrics.lost.increment(applied.lost);
                }
                if applied.restarted {
                    self.metrics.restarts.increment(1);
                }
                if applied.new_site {
                    self.metrics.set_sites(sites);
                }
            }
            Err(rejection) => {
                self.metrics.report_rejected(rejection.reason());
                self.warn_refused("report", subject, &rejection);
            }
        }
    }

    /// Handles one message from `<prefix>.status.*`.
    pub fn status(&self, subject: &str, payload: &[u8]) {
        match messages::status(&self.subjects, subject, payload) {
            Ok(event) => {
                let applied = {
                    let mut table = lock(&self.table);
                    // A partition hears every site's status events (status subjects
                    // are not mapped); it applies only its own sites' (held, or mapped
                    // here by the server: a status may overtake a site's first report)
                    // so partitions stay disjoint.
                    let ours = self.subjects.partition().is_none_or(|p| {
                        p.holds(&event.site_id) || table.get(&event.site_id).is_some()
                    });
                    ours.then(|| (table.apply_status(event), table.len()))
                };
                let Some((new_site, sites)) = applied else {
                    metrics::counter!(STATUS_IGNORED, "reason" => "other_partition").increment(1);
                    return;
                };
                self.metrics.status_applied.increment(1);
                if new_site {
                    self.metrics.set_sites(sites);
                }
            }
            Err(rejection) => {
                self.metrics.status_rejected(rejection.reason());
                self.warn_refused("status event", subject, &rejection);
            }
        }
    }

    /// Handles one message from `<prefix>.incident` (the subscription's
    /// only subject).
    pub fn incident(&self, subject: &str, payload: &[u8]) {
        match healthmon_proto::decode::<healthmon_proto::Incident>(payload) {
            Ok(incident) => lock(&self.table).incidents.hear(incident, now_ms()),
            Err(e) => {
                metrics::counter!(crate::metric_names::INCIDENTS_REJECTED).increment(1);
                self.warn_refused("incident", subject, &Rejection::from(e));
            }
        }
    }

    pub fn warn_refused(&self, what: &str, subject: &str, rejection: &Rejection) {
        let permit = self
            .warn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .allow();
        if let Some(suppressed) = permit {
            tracing::warn!(
                subject,
                reason = rejection.reason(),
                suppressed_since_last_line = suppressed,
                "{what} refused: {rejection}"
            );
        }
    }
}

/// Consumes reports until `stop` or the subscription ends.
pub async fn run_reports(sub: Subscriber, ingest: Arc<Ingest>, stop: CancellationToken) {
    consume(sub, stop, |subject, payload| {
        ingest.report(subject, payload)
    })
    .await;
}

/// Consumes status events until `stop` or the subscription ends.
pub async fn run_statuses(sub: Subscriber, ingest: Arc<Ingest>, stop: CancellationToken) {
    consume(sub, stop, |subject, payload| {
        ingest.status(subject, payload)
    })
    .await;
}

/// Consumes incidents until `stop` or the subscription ends.
pub async fn run_incidents(sub: Subscriber, ingest: Arc<Ingest>, stop: CancellationToken) {
    consume(sub, stop, |subject, payload| {
        ingest.incident(subject, payload)
    })
    .await;
}

async fn consume(mut sub: Subscriber, stop: CancellationToken, handle: impl Fn(&str, &[u8])) {
    while let Some(msg) = next_or_stop(&mut sub, &stop).await {
        handle(msg.subject.as_str(), &msg.payload);
    }
}
