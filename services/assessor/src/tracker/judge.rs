//! What a site's events and status rows say beyond connectivity and health
//! (the proto's `Judgement`): its last report's findings marked stale while
//! it is silent, flapping with its hysteresis and calm-down deadline,
//! recovering after an outage, and the score with its deductions.

use healthmon_proto::judgement::{Flapping, Recovering, flapping_reason};
use healthmon_proto::{Connectivity, Health, Judgement};
use tokio::time::Instant;

use super::registry::unheard_reason;
use super::{Flags, SiteIdx, Tracker, kept_slice};
use crate::findings::{Assessed, Finding, health_of};
use crate::recovering::{Drain, drain, reason as recovering_reason};
use crate::score::{RECOVERING_KIND, Scoring};

/// The reason of the recovering finding among `(key, reason)` pairs.
pub(super) fn recovery_reason<'a>(
    mut findings: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<&'a str> {
    findings
        .find(|(key, _)| *key == RECOVERING_KIND)
        .map(|(_, reason)| reason)
}

impl Tracker {
    /// The site's current reasons (its silence first, then flapping, then
    /// its findings unless they are stale) and its judgement at `now_ms`.
    pub(super) fn describe(&self, site: SiteIdx, now_ms: u64) -> (Vec<String>, Judgement) {
        let s = &self.sites[site as usize];
        let th = self.thresholds(site);
        let mut silence = if s.has(Flags::UNHEARD) {
            unheard_reason(s, &th)
        } else {
            th.reason(s.connectivity, now_ms.saturating_sub(s.last_report_ms()))
        };
        // Late by a lost link: that is the reason (the silence is too short
        // to count yet); offline, the link first, then the timeout.
        let link = self
            .link_reason(site)
            .filter(|_| matches!(s.connectivity, Connectivity::Late | Connectivity::Offline))
            .map(str::to_owned);
        if link.is_some() && s.connectivity == Connectivity::Late {
            silence = None;
        }
        let rule = self.rules.flapping;
        let flapping = s.has(Flags::FLAPPING).then(|| Flapping {
            changes: s.flap.changes(now_ms.saturating_sub(s.since_ms()), rule),
            window_s: rule.window_s,
        });
        let flap_reason = flapping.as_ref().map(flapping_reason);
        let findings = kept_slice(&s.findings);
        let stale = matches!(s.connectivity, Connectivity::Late | Connectivity::Offline);
        let finding_reasons = findings.iter().map(|f| f.reason.to_string());
        let mut reasons: Vec<String> = link
            .iter()
            .chain(&silence)
            .chain(&flap_reason)
            .cloned()
            .collect();
        let mut judgement = Judgement::default();
        if stale {
            judgement.stale_reasons = finding_reasons.collect();
        } else {
            reasons.extend(finding_reasons);
        }
        let draining = findings
            .iter()
            .any(|f| &*f.key == RECOVERING_KIND && f.severity == Health::Healthy);
        if s.has(Flags::RECOVERING) && draining && !stale {
            let per_min = (s.drain_per_min > 0).then_some(f64::from(s.drain_per_min));
            judgement.recovering = Some(Recovering {
                depth: u64::from(s.backlog),
                drain_per_min: per_min,
                empty_in_s: per_min.map(|r| (f64::from(s.backlog) * 60.0 / r).ceil() as u64),
            });
        }
        judgement.flapping = flapping;
        // A site never judged (unknown) has no score yet.
        if s.connectivity != Connectivity::Unknown {
            let scoring = findings.iter().map(|f| Scoring {
                key: &f.key,
                reason: &f.reason,
                severity: f.severity,
            });
            let silence = silence.as_deref().or(link.as_deref()).unwrap_or_default();
            let (score, off) = self.rules.score.score(
                Some((s.connectivity, silence)),
                scoring,
                flap_reason.as_deref(),
            );
            judgement.score = Some(score);
            judgement.score_off = off;
            judgement.availability =
                Some(
                    s.uptime
                        .availability(s.connectivity, s.since_ms(), now_ms, &self.judging),
                );
        }
        (reasons, judgement)
    }

    /// Recovering after an outage: a report of a site that was offline with
    /// a backlog above `recovering.min_depth` starts it; while it lasts,
    /// each report adds a `recovering` finding (healthy while the backlog
    /// drains, degraded while it grows) to `report`, until the backlog is
    /// at or below the threshold.
    pub(super) fn track_recovery(&mut self, site: SiteIdx, report: &mut Assessed, now_ms: u64) {
        let rule = self.rules.recovering;
        let depth = report.sf_depth;
        let s = &mut self.sites[site as usize];
        let back = s.connectivity == Connectivity::Offline;
        let (reason, growing) = if back && depth > rule.min_depth {
            s.set(Flags::RECOVERING, true);
            (recovering_reason(depth, None), false)
        } else if !s.has(Flags::RECOVERING) {
            return;
        } else if depth <= rule.min_depth {
            s.set(Flags::RECOVERING, false);
            s.backlog = 0;
            s.drain_per_min = 0;
            return;
        } else {
            let elapsed = now_ms.saturating_sub(s.last_report_ms());
            let d = drain(u64::from(s.backlog), depth, elapsed);
            s.drain_per_min = match d {
                Drain::Falling { per_min, .. } => (per_min.round() as u32).max(1),
                _ => 0,
            };
            (
                recovering_reason(depth, Some(d)),
                matches!(d, Drain::Growing { .. }),
            )
        };
        if back {
            s.drain_per_min = 0;
        }
        s.backlog = u32::try_from(depth).unwrap_or(u32::MAX);
        report.findings.push(Finding {
            key: RECOVERING_KIND.to_owned(),
            reason,
            severity: if growing {
                Health::Degraded
            } else {
                Health::Healthy
            },
        });
        report.health = health_of(report.findings.iter().map(|f| &f.severity));
    }

    /// A flapping site whose count has decayed below half the threshold is
    /// calm again; true when that changed now.
    pub(super) fn calm_down(&mut self, site: SiteIdx, now_ms: u64) -> bool {
        let rule = self.rules.flapping;
        let s = &mut self.sites[site as usize];
        if !s.has(Flags::FLAPPING) {
            return false;
        }
        let elapsed = now_ms.saturating_sub(s.since_ms());
        if s.flap.flapping(elapsed, rule, true) {
            return false;
        }
        s.set(Flags::FLAPPING, false);
        true
    }

    /// The site's connectivity deadline, or the moment a flapping site
    /// calms down if that comes first.
    pub(super) fn next_deadline(
        &self,
        site: SiteIdx,
        now: Instant,
        now_ms: u64,
    ) -> Option<Instant> {
        let deadline = self.deadline(site);
        let s = &self.sites[site as usize];
        if !s.has(Flags::FLAPPING) {
            return deadline;
        }
        let Some(after) = s.flap.calm_after_ms(self.rules.flapping) else {
            return deadline;
        };
        // At least 1 ms ahead: a calm-down due now is handled now, not looped on.
        let calm_ms = s
            .since_ms()
            .saturating_add(after)
            .saturating_sub(now_ms)
            .max(1);
        let calm = now + std::time::Duration::from_millis(calm_ms);
        Some(deadline.map_or(calm, |d| d.min(calm)))
    }
}

#[cfg(test)]
mod tests;
