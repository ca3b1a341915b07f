//! The report loop: when a report is due, collect it, make it valid, stamp
//! it and publish it; answer resend requests; never send stale reports.
//!
//! One loop serves one real site or N simulated ones (no task per site):
//! [`Schedule`] says which site is due next. While the NATS link is down a
//! due report is skipped and counted instead of published, because the
//! client would buffer it and deliver a burst of stale reports on reconnect;
//! once the link is back every site sends a fresh report at once, so
//! central does not wait a whole interval to see the site again. Skipped
//! reports take no `seq`: `seq` gaps are meant to show reports lost on the
//! way, and these were never sent.

use std::time::Duration;

use async_nats::connection::State;
use async_nats::{Client, Subscriber};
use futures::StreamExt;
use healthmon_common::nats::{Connection, LinkState};
use healthmon_common::{CancellationToken, ServiceError};
use healthmon_proto::{HealthReport, Subjects, validate_report};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::collect::{Collected, SiteCollector};
use crate::metrics as m;
use crate::sanitize::sanitize;
use crate::schedule::{Due, Schedule};
use crate::simulate::Simulator;
use healthmon_common::log_limit::LogLimiter;
use healthmon_common::warn_limited;

/// Where report bodies come from.
pub enum Source {
    Site(Box<SiteCollector>),
    Sim(Box<Simulator>),
}

impl Source {
    fn len(&self) -> usize {
        match self {
            Source::Site(_) => 1,
            Source::Sim(sim) => sim.len(),
        }
    }

    /// The site's report body, or `None` if it has nothing to say (a silent simulated site).
    async fn collect(&mut self, site: usize, due: Due) -> Option<Collected> {
        match self {
            Source::Site(c) => {
                let started = Instant::now();
                let collected = c.collect().await;
                metrics::gauge!(m::COLLECT_SECONDS).set(started.elapsed().as_secs_f64());
                Some(collected)
            }
            Source::Sim(sim) => {
                let report = match due {
                    Due::Periodic => sim.tick(site),
                    // A resend repeats the present; it must not advance simulated time.
                    Due::OnDemand => sim.snapshot(site),
                };
                if site == 0 && due == Due::Periodic {
                    metrics::gauge!(m::SIM_FAULTY_SITES).set(sim.faulty() as f64);
                }
                report.map(|report| Collected {
                    report,
                    warnings: Vec::new(),
                })
            }
        }
    }
}

/// Identity of one site's report stream.
struct Stream {
    instance: String,
    seq: u64,
}

pub struct Loop {
    client: Client,
    link: watch::Receiver<LinkState>,
    resend: Subscriber,
    subjects: Subjects,
    source: Source,
    interval: Duration,
    resend_jitter: Duration,
}

impl Loop {
    pub fn new(
        conn: Connection,
        resend: Subscriber,
        subjects: Subjects,
        source: Source,
        interval: Duration,
        resend_jitter: Duration,
    ) -> Self {
        Loop {
            client: conn.client,
            link: conn.link,
            resend,
            subjects,
            source,
            interval,
            resend_jitter,
        }
    }

    pub async fn run(mut self, shutdown: CancellationToken) -> Result<(), ServiceError> {
        let mut rng = StdRng::from_os_rng();
        let sites = self.source.len();
        let mut streams: Vec<Stream> = (0..sites)
            .map(|_| Stream {
                instance: format!("{:016x}", rng.random::<u64>()),
                seq: 0,
            })
            .collect();
        let interval_ms = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
        let mut schedule = Schedule::new(sites, self.interval);
        let mut limiter = LogLimiter::default();
        let base = Instant::now();
        let (mut link_open, mut resend_open) = (true, true);
        // Set when the link was seen down or a report was skipped: the next
        // connection gets a fresh report from every site at once.
        let mut need_fresh = false;

        'serve: loop {
            let wake = base + schedule.next_wake().unwrap_or(self.interval);
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                changed = self.link.changed(), if link_open => {
                    if changed.is_err() {
                        link_open = false;
                        continue;
                    }
                    let state = *self.link.borrow_and_update();
                    if !state.connected {
                        need_fresh = true;
                    } else if need_fresh {
                        need_fresh = false;
                        tracing::info!(sites, "NATS link back: sending fresh reports");
                        let now = base.elapsed();
                        (0..sites).for_each(|site| schedule.request(site, now));
                    }
                }
                msg = self.resend.next(), if resend_open => {
                    let Some(msg) = msg else {
                        tracing::warn!("resend subscription ended; resend requests are no longer answered");
                        resend_open = false;
                        continue;
                    };
                    metrics::counter!(m::RESEND_REQUESTS).increment(1);
                    let now = base.elapsed();
                    let window = resend_window(&msg, self.resend_jitter);
                    let jitter = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
                    for site in 0..sites {
                        // The centre asks for a report within the window, not for
                        // an extra one: a site due inside it answers with its own
                        // (at a 20 s window and a 30 s interval, two thirds of a
                        // fleet, which halves the storm a restart brings).
                        if schedule.next_periodic(site).is_some_and(|at| at <= now + window) {
                            continue;
                        }
                        // Each site waits its own random delay, so N sites spread out too.
                        let delay = if jitter == 0 { 0 } else { rng.random_range(0..=jitter) };
                        schedule.request(site, now + Duration::from_nanos(delay));
                    }
                }
                () = tokio::time::sleep_until(wake) => {
                    let now = base.elapsed();
                    while let Some((site, due)) = schedule.pop_due(now) {
                        if !self.link_up() {
                            metrics::counter!(m::REPORTS_SKIPPED).increment(1);
                            need_fresh = true;
                            continue;
                        }
                        let collected = tokio::select! {
                            c = self.source.collect(site, due) => c,
                            () = shutdown.cancelled() => break 'serve,
                        };
                        let Some(collected) = collected else { continue };
                        let stream = &mut streams[site];
                        if self.publish(stream, interval_ms, collected, &mut limiter).await {
                            schedule.sent(site);
                        }
                    }
                }
            }
        }
        tracing::info!("collector stopping");
        healthmon_common::nats::drain(&self.client).await;
        Ok(())
    }

    /// Both views of the link agree it is up: ours (events) and the client's own state.
    fn link_up(&self) -> bool {
        self.link.borrow().connected && self.client.connection_state() == State::Connected
    }

    /// Stamps, repairs, checks and publishes one report; true if it went out.
    async fn publish(
        &self,
        stream: &mut Stream,
        interval_ms: u64,
        collected: Collected,
        limiter: &mut LogLimiter,
    ) -> bool {
        let Collected {
            mut report,
            warnings,
        } = collected;
        if !warnings.is_empty() {
            warn_limited!(limiter, site_id = %report.site_id, "{}", warnings.join("; "));
        }
        stamp(&mut report, stream, interval_ms);
        let fixes = sanitize(&mut report);
        if let Some(first) = fixes.first() {
            metrics::counter!(m::REPORTS_REPAIRED).increment(1);
            warn_limited!(limiter, site_id = %report.site_id, more = fixes.len() - 1,
                "report repaired before sending (check the mapping): {first}");
        }
        // The subject is made from the report's own id, so they always match.
        if let Err(rejection) = validate_report(&report, &report.site_id) {
            metrics::counter!(m::REPORTS_INVALID, "reason" => rejection.reason()).increment(1);
            warn_limited!(limiter, site_id = %report.site_id, error = %rejection, "report not sent: invalid");
            return false;
        }
        let payload = healthmon_proto::encode(&report);
        let subject = self.subjects.report(&report.site_id);
        match self.client.publish(subject, payload.into()).await {
            Ok(()) => {
                stream.seq = report.seq;
                metrics::counter!(m::REPORTS_SENT).increment(1);
                tracing::debug!(site_id = %report.site_id, seq = report.seq, "report sent");
                true
            }
            Err(e) => {
                metrics::counter!(m::PUBLISH_ERRORS).increment(1);
                warn_limited!(limiter, site_id = %report.site_id, error = %e, "report not published");
                false
            }
        }
    }
}

/// Identity and timing: the stream's instance, the next seq, now, the interval.
fn stamp(report: &mut HealthReport, stream: &Stream, interval_ms: u64) {
    report.v = healthmon_proto::WIRE_VERSION;
    report.instance.clone_from(&stream.instance);
    report.seq = stream.seq + 1;
    report.sent_at_ms = healthmon_common::clock::now_ms();
    report.interval_ms = interval_ms;
}

/// The window to answer a resend in: the centre's (its spread header, at
/// most [`crate::config::MAX_RESEND_JITTER`]), else our own jitter.
fn resend_window(msg: &async_nats::Message, own: Duration) -> Duration {
    msg.headers
        .as_ref()
        .and_then(|h| h.get(healthmon_proto::subjects::HEADER_RESEND_SPREAD_MS))
        .and_then(|v| healthmon_proto::subjects::resend_spread(v.as_str()))
        .map_or(own, |spread| spread.min(crate::config::MAX_RESEND_JITTER))
}
