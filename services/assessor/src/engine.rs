//! The assessor's I/O loop: one task owning the [`Tracker`] and the single
//! timing wheel ([`Timers`]), selecting over batches of reports, expired
//! deadlines, NATS link changes, `statuses` queries, bootstrap pages and
//! shutdown. Owning all state in one task keeps the state machine lock-free
//! and its order of events simple: whatever the loop handles first happened
//! first.
//!
//! Reports reach the loop already decoded, validated and assessed, in
//! batches, from the [`intake`] task: the loop only applies them to the
//! tracker (see `intake.rs` for why and for backpressure).
//!
//! Blind rule: while the NATS link is down the assessor cannot tell a silent
//! site from its own outage, so expired deadlines are dropped unjudged; when
//! the link is back (a new connection generation) every site that is not
//! already offline gets a fresh full window from that moment.
//!
//! Mass silence: after every connectivity change the counts go through the
//! [`MassSilence`] rule; while it suspects the centre, the tracker holds
//! sites due offline at late, and a timer ends the hold after its limit.
//!
//! Replicas: with leader election ([`crate::leader`]) every replica judges
//! every site, but only the leader publishes; a follower keeps what it held
//! back ([`Followed`]) and hears the leader's events, so that on takeover it
//! publishes exactly the changes the old leader never announced.

use async_nats::service::endpoint::Endpoint;
use async_nats::{Client, Message, Subscriber};
use futures::StreamExt;
use healthmon_common::nats::{Connection, LinkState};
use healthmon_common::{CancellationToken, ServiceError, clock::now_ms};
use healthmon_proto::query::SiteSummary;
use healthmon_proto::{Connectivity, StatusEvent, Subjects};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::centre::{self, CentreEvent};
use crate::followed::Followed;
use crate::incidents;
use crate::links::LinkDown;
use crate::mass_silence::{Change, MassSilence};
use crate::timers::Timers;
use crate::tracker::{Outcome, SiteIdx, Tracker};
use crate::{events, stats, statuses};
use healthmon_common::log_limit::LogLimiter;
use healthmon_registry::Change as RegistryChange;

mod intake;

use intake::Parsed;

/// Most expired deadlines handled in one pass of the loop (a busy tick of the
/// wheel can hold thousands); the rest are taken on the next passes.
const EXPIRED_PER_PASS: usize = 1024;

/// Everything the loop reads from, set up by `start` before the loop runs.
pub struct Inputs {
    pub reports: Subscriber,
    pub statuses: Endpoint,
    pub bootstrap: mpsc::Receiver<Vec<SiteSummary>>,
    /// Kept alive for as long as the loop runs: it answers micro PING/INFO/STATS.
    pub micro: async_nats::service::Service,
    /// Everyone's status events, with leader election only.
    pub observed: Option<Subscriber>,
    /// The lease task: awaited at shutdown so it can release the lease
    /// before the connection is drained.
    pub lease: Option<tokio::task::JoinHandle<()>>,
    /// The fleet registry's changes (`healthmon_registry::watch`).
    pub registry: mpsc::Receiver<RegistryChange>,
    /// The registry's watch: ends with shutdown.
    pub registry_task: tokio::task::JoinHandle<()>,
    /// Closed links from the server's advisories (`--advisories-user`).
    pub links: Option<mpsc::Receiver<LinkDown>>,
}

/// Registry changes applied in one pass of the loop.
const REGISTRY_BATCH: usize = 1024;

pub struct Engine {
    client: Client,
    subjects: Subjects,
    tracker: Tracker,
    timers: Timers,
    mass: MassSilence,
    link: watch::Receiver<LinkState>,
    blind: bool,
    generation: u64,
    reject_log: LogLimiter,
    publish_log: LogLimiter,
    leader: watch::Receiver<bool>,
    /// With leader election only (else it would cost memory per site).
    followed: Option<Followed>,
    /// The site gauges are behind: updated once per pass of the loop, since
    /// a gauge update is a registry lookup and a batch may change thousands.
    counts_changed: bool,
    /// Judge sites the fleet registry does not list.
    auto_register: bool,
}

impl Engine {
    pub fn new(
        conn: Connection,
        subjects: Subjects,
        tracker: Tracker,
        mass: MassSilence,
        leader: watch::Receiver<bool>,
        auto_register: bool,
    ) -> Self {
        let mut link = conn.link;
        let state = *link.borrow_and_update();
        Engine {
            client: conn.client,
            subjects,
            tracker,
            timers: Timers::new(),
            mass,
            link,
            blind: !state.connected,
            generation: state.generation,
            reject_log: LogLimiter::default(),
            publish_log: LogLimiter::default(),
            leader,
            followed: None,
            counts_changed: false,
            auto_register,
        }
    }

    pub async fn run(
        mut self,
        inputs: Inputs,
        shutdown: CancellationToken,
    ) -> Result<(), ServiceError> {
        let (mut link_open, mut statuses_open, mut bootstrap_open) = (true, true, true);
        let mut leader_open = true;
        let Inputs {
            reports,
            mut statuses,
            mut bootstrap,
            micro,
            mut observed,
            lease,
            mut registry,
            registry_task,
            mut links,
        } = inputs;
        let mut registry_open = true;
        if observed.is_some() {
            self.followed = Some(Followed::default());
        }
        let assessor = intake::Assessor {
            subjects: self.subjects.clone(),
            rules: self.tracker.rules().clone(),
        };
        let (mut batches, intake) = intake::spawn(reports, assessor, shutdown.clone());
        // Started without a link: blind from the first moment.
        self.update_judging();
        let mut refresh = tokio::time::interval(incidents::REFRESH);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.announce_incidents().await;
            let (holding, hold_until) = (self.mass.holding(), self.hold_until());
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = refresh.tick() => self.refresh_incidents().await,
                batch = batches.recv() => match batch {
                    Some(batch) => self.on_reports(batch).await,
                    // The intake also ends at shutdown.
                    None if shutdown.is_cancelled() => break,
                    None => return Err(ServiceError::nats("receive reports", "subscription closed")),
                },
                site = self.timers.expired() => {
                    self.on_deadline(site).await;
                    for _ in 1..EXPIRED_PER_PASS {
                        let Some(site) = self.timers.try_expired() else { break };
                        self.on_deadline(site).await;
                    }
                    self.update_counts();
                }
                () = tokio::time::sleep_until(hold_until), if holding => {
                    if let Some(change) = self.mass.expire(Instant::now()) {
                        self.on_mass_change(change).await;
                    }
                }
                changed = self.link.changed(), if link_open => match changed {
                    Ok(()) => self.on_link_change(),
                    Err(_) => link_open = false,
                },
                request = statuses.next(), if statuses_open => match request {
                    Some(request) => {
                        let answer = statuses::answer(&mut self.tracker, &request.message.payload, now_ms());
                        statuses::respond(request, answer);
                    }
                    None => statuses_open = false,
                },
                changed = self.leader.changed(), if leader_open => match changed {
                    Ok(()) => self.on_leader_change().await,
                    Err(_) => leader_open = false,
                },
                msg = next_observed(&mut observed) => match msg {
                    Some(msg) => self.on_observed(&msg),
                    None => observed = None,
                },
                rows = bootstrap.recv(), if bootstrap_open => match rows {
                    Some(rows) => self.adopt(&rows),
                    None => bootstrap_open = false,
                },
                down = next_link(&mut links) => match down {
                    Some(down) => self.on_link_down(down).await,
                    None => links = None,
                },
                change = registry.recv(), if registry_open => match change {
                    Some(change) => {
                        self.on_registry(change);
                        for _ in 1..REGISTRY_BATCH {
                            let Ok(change) = registry.try_recv() else { break };
                            self.on_registry(change);
                        }
                        self.update_counts();
                    }
                    None => registry_open = false,
                },
            }
        }
        tracing::info!(sites = self.tracker.len(), "assessor stopping");
        if let Some(lease) = lease {
            let _ = lease.await;
        }
        // The intake ends on the same shutdown; awaited so that the report
        // subscription is gone before the connection drains.
        drop(batches);
        let _ = intake.await;
        drop((statuses, bootstrap, micro, observed, registry));
        let _ = registry_task.await;
        healthmon_common::nats::drain(&self.client).await;
        Ok(())
    }

    /// One batch from the intake: all received "now" (they were waiting
    /// together in the subscription buffer).
    async fn on_reports(&mut self, batch: Vec<Parsed>) {
        let (now, now_ms) = (Instant::now(), now_ms());
        let (mut accepted, mut lost) = (0, 0);
        for Parsed {
            subject,
            site_at,
            result,
        } in batch
        {
            let site = &subject[site_at..];
            let admitted = self.tracker.admit(site, self.auto_register);
            match result.and_then(|report| {
                admitted?;
                self.tracker.on_report(site, report, now, now_ms)
            }) {
                Ok(outcome) => {
                    accepted += 1;
                    lost += outcome.lost;
                    self.apply(outcome).await;
                }
                Err(rejection) => {
                    stats::rejected(&rejection);
                    if let Some(suppressed) = self.reject_log.allow() {
                        tracing::warn!(subject = %subject, reason = rejection.reason(), error = %rejection, suppressed, "report rejected");
                    }
                }
            }
        }
        stats::accepted(accepted, lost);
        self.update_counts();
    }

    /// The fleet registry listed, changed or forgot a site.
    fn on_registry(&mut self, change: RegistryChange) {
        match change {
            RegistryChange::Site(site, record) => {
                if let Some(outcome) =
                    self.tracker
                        .apply_record(&site, record.as_ref(), Instant::now(), now_ms())
                {
                    self.timers.set(outcome.site, outcome.deadline);
                    self.counts_changed = true;
                }
            }
            RegistryChange::Loaded => self.tracker.set_registry_loaded(),
            // Maintenance and acknowledgements change what is shown, never
            // connectivity or health: nothing to judge or announce.
            RegistryChange::Maintenance(..) | RegistryChange::Ack(..) => {}
        }
    }

    fn update_counts(&mut self) {
        if std::mem::take(&mut self.counts_changed) {
            stats::sites(self.tracker.counts());
        }
    }

    async fn on_deadline(&mut self, site: SiteIdx) {
        if self.blind {
            // Judged again from a fresh window once the link is back.
            return;
        }
        let outcome = self.tracker.on_deadline(site, Instant::now(), now_ms());
        self.apply(outcome).await;
    }

    fn on_link_change(&mut self) {
        let state = *self.link.borrow_and_update();
        if !state.connected {
            if !self.blind {
                self.blind = true;
                stats::blind(true);
                self.update_judging();
                tracing::warn!("NATS link down: not judging sites late/offline until it is back");
            }
            return;
        }
        if state.generation != self.generation || self.blind {
            self.generation = state.generation;
            self.blind = false;
            stats::blind(false);
            self.update_judging();
            let deadlines = self.tracker.on_link_restored(Instant::now());
            tracing::info!(
                sites = deadlines.len(),
                "NATS link back: every site not offline gets a fresh heartbeat window"
            );
            for (site, at) in deadlines {
                self.timers.set(site, Some(at));
            }
        }
    }

    /// Availability counts only the time the centre can judge: neither
    /// blind nor suspecting itself.
    fn update_judging(&mut self) {
        let judging = !self.blind && !self.mass.holding();
        self.tracker.set_judging(judging, now_ms());
        stats::judging(judging);
    }

    fn leading(&self) -> bool {
        *self.leader.borrow()
    }

    async fn on_leader_change(&mut self) {
        if !*self.leader.borrow_and_update() {
            return;
        }
        let missed = self
            .followed
            .as_mut()
            .map(Followed::take_unpublished)
            .unwrap_or_default();
        tracing::info!(
            missed = missed.len(),
            "now leader: publishing the changes the previous leader did not announce"
        );
        for event in missed {
            self.publish(&event).await;
        }
    }

    fn on_observed(&mut self, msg: &Message) {
        let Ok(event) = healthmon_proto::decode::<StatusEvent>(&msg.payload) else {
            return;
        };
        // Status subjects are not partitioned: a follower hears every
        // partition's leader, and keeps only what its own partition published.
        let ours = self
            .subjects
            .partition()
            .is_none_or(|p| p.holds(&event.site_id));
        if let (true, Some(followed)) = (ours, self.followed.as_mut()) {
            followed.published(&event);
        }
    }

    fn adopt(&mut self, rows: &[SiteSummary]) {
        let (now, now_ms) = (Instant::now(), now_ms());
        let mut adopted = 0;
        for row in rows {
            if let Some(followed) = self.followed.as_mut() {
                followed.seed(&row.site_id, row.connectivity, row.health);
            }
            if let Some(outcome) = self.tracker.adopt(row, now, now_ms) {
                self.timers.set(outcome.site, outcome.deadline);
                adopted += 1;
            }
        }
        stats::bootstrapped(adopted);
        stats::sites(self.tracker.counts());
        tracing::debug!(rows = rows.len(), adopted, "bootstrap page adopted");
    }

    async fn apply(&mut self, outcome: Outcome) {
        self.timers.set(outcome.site, outcome.deadline);
        if let Some(lag) = outcome.detection_lag {
            stats::detection_lag(lag);
        }
        if let Some(event) = outcome.event {
            self.announce(&event).await;
            self.counts_changed = true;
            if event.connectivity != event.previous_connectivity {
                let (online, late) = self.watched();
                if let Some(change) = self.mass.observe(online, late, Instant::now()) {
                    self.on_mass_change(change).await;
                }
            }
        }
    }

    /// Online and late sites: the ones the mass-silence rule watches. Sites
    /// late because their link was reported lost are left out: their
    /// silence is explained, not evidence that the centre went deaf.
    fn watched(&self) -> (usize, usize) {
        let explained = self.tracker.late_by_lost_link();
        (
            self.tracker.count(Connectivity::Online),
            self.tracker.count(Connectivity::Late) - explained,
        )
    }

    /// The server reported a link closed: the sites behind it are late at
    /// once, and a leaf node with sites behind it is one incident.
    async fn on_link_down(&mut self, down: LinkDown) {
        stats::link_lost(match down {
            LinkDown::Leaf { .. } => "leaf",
            LinkDown::Site { .. } => "site",
        });
        if self.blind {
            // Reconnecting gives every site a fresh window anyway.
            return;
        }
        let outcomes = self.tracker.on_link_down(&down, Instant::now(), now_ms());
        let silenced = outcomes.len();
        tracing::warn!(link = ?down, silenced, "link lost: the sites behind it are late now");
        for outcome in outcomes {
            self.apply(outcome).await;
        }
        self.update_counts();
    }

    /// Publishes the incidents the tracker opened or closed (the leader
    /// only; every replica counts them).
    async fn announce_incidents(&mut self) {
        for incident in self.tracker.take_incidents() {
            if incident.is_open() {
                stats::incident(if incident.kind == "link" {
                    "link"
                } else {
                    "group"
                });
                tracing::warn!(id = %incident.id, reason = %incident.reason, "incident opened");
            } else {
                tracing::info!(id = %incident.id, "incident closed");
            }
            self.publish_incident(&incident).await;
        }
    }

    /// Every open incident again, so a restarted aggregator learns them and
    /// a gone assessor's expire; closes those whose groups changed.
    async fn refresh_incidents(&mut self) {
        for incident in self.tracker.refresh_incidents(now_ms()) {
            self.publish_incident(&incident).await;
        }
    }

    async fn publish_incident(&self, incident: &healthmon_proto::Incident) {
        if self.leading()
            && let Err(e) = incidents::publish(&self.client, &self.subjects, incident).await
        {
            stats::publish_failed();
            tracing::warn!(error = %e, "cannot publish an incident");
        }
    }

    fn hold_until(&self) -> Instant {
        // Only polled while holding; the fallback just has to be valid.
        self.mass
            .hold_until()
            .unwrap_or_else(|| Instant::now() + std::time::Duration::from_secs(86_400))
    }

    async fn on_mass_change(&mut self, change: Change) {
        let (now, at_ms) = (Instant::now(), now_ms());
        let (online, late) = self.watched();
        let watched = online + late;
        let rule = *self.mass.rule();
        let hold = humantime::format_duration(rule.hold);
        let (cause, reason) = match change {
            Change::Suspected => {
                self.tracker.set_hold_offline(true);
                let reason = format!(
                    "{late} of {watched} watched sites fell silent at once (rule: at least {}% of at least {} sites): suspecting the centre, holding them late instead of offline for up to {hold}",
                    rule.fraction * 100.0,
                    rule.min_sites
                );
                tracing::error!(silent = late, watched, %hold, "{reason}");
                ("suspected", reason)
            }
            Change::Resumed => {
                self.tracker.set_hold_offline(false);
                for (site, at) in self.tracker.fresh_windows_for_late(now) {
                    self.timers.set(site, Some(at));
                }
                let reason = format!(
                    "reports flow again ({late} of {watched} sites still late, each gets a fresh full window): no longer suspecting the centre"
                );
                tracing::warn!(silent = late, watched, "{reason}");
                ("resumed", reason)
            }
            Change::Expired => {
                self.tracker.set_hold_offline(false);
                let reason = format!(
                    "{late} of {watched} sites still silent after the hold limit ({hold}): taking the silence as real and judging held sites normally"
                );
                tracing::error!(silent = late, watched, %hold, "{reason}");
                ("expired", reason)
            }
        };
        stats::mass_silence(cause, self.mass.holding());
        self.update_judging();
        let event = CentreEvent::new(change, at_ms, late, watched, reason);
        if !self.leading() {
            // The leader says it; a follower only keeps its judgement in step.
        } else if let Err(e) = centre::publish(&self.client, &self.subjects, &event).await {
            stats::publish_failed();
            tracing::warn!(error = %e, "cannot publish centre event");
        }
        // Judged after the centre event, so its explanation comes first; not
        // while blind (the fresh windows at reconnection judge them then).
        // No detection lag: these were held on purpose.
        if change == Change::Expired && !self.blind {
            for site in self.tracker.late_sites() {
                let outcome = self.tracker.on_deadline(site, now, at_ms);
                self.timers.set(site, outcome.deadline);
                if let Some(event) = outcome.event {
                    self.announce(&event).await;
                }
            }
            stats::sites(self.tracker.counts());
            // Disarmed: this only re-arms the rule once the late share is low.
            let (online, late) = self.watched();
            let _ = self.mass.observe(online, late, Instant::now());
        }
    }

    async fn announce(&mut self, event: &StatusEvent) {
        if event.connectivity != event.previous_connectivity {
            let level_info = event.connectivity != Connectivity::Online
                || event.previous_connectivity != Connectivity::Unknown;
            if level_info {
                tracing::info!(site = %event.site_id, from = %event.previous_connectivity, to = %event.connectivity, reasons = ?event.reasons, "connectivity changed");
            }
        }
        tracing::debug!(site = %event.site_id, connectivity = %event.connectivity, health = %event.health, reasons = ?event.reasons, "status event");
        if !self.leading() {
            if let Some(followed) = self.followed.as_mut() {
                followed.hold(event);
            }
            return;
        }
        self.publish(event).await;
    }

    async fn publish(&mut self, event: &StatusEvent) {
        match events::publish(&self.client, &self.subjects, event).await {
            Ok(()) => stats::published(event),
            Err(e) => {
                stats::publish_failed();
                if let Some(suppressed) = self.publish_log.allow() {
                    tracing::warn!(site = %event.site_id, error = %e, suppressed, "cannot publish status event");
                }
            }
        }
    }
}

/// The next status event seen, or never when not following anyone.
async fn next_link(links: &mut Option<mpsc::Receiver<LinkDown>>) -> Option<LinkDown> {
    match links {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn next_observed(observed: &mut Option<Subscriber>) -> Option<Message> {
    match observed {
        Some(sub) => sub.next().await,
        None => std::future::pending().await,
    }
}
