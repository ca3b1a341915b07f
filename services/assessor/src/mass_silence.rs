//! The mass-silence rule: when most sites fall silent at once, suspect the
//! centre, not the sites.
//!
//! A site is `late` from 1.5 intervals without a report until it goes
//! `offline` at `missed_heartbeats` intervals, so the late set is exactly the
//! sites that fell silent within the last few intervals. When that set holds
//! at least `fraction` of the *watched* sites (online + late) and at least
//! `min_sites` are watched, a broken ingress at the centre (a cut hub or
//! leaf link, a firewall change, a stuck broker route) is far likelier than
//! thousands of independent site failures in the same instant. Then the
//! assessor *suspects the centre*: it holds silent sites at `late` instead of
//! declaring them offline, and says so (error log, the
//! `healthmon_assessor_central_suspect` gauge, a centre event).
//!
//! The suspicion ends when
//! - reports flow again: the late share drops below `fraction`. Sites still
//!   late then get a fresh full window, like after the assessor was blind; or
//! - the silence lasts `hold`: it is then taken as real, held sites are
//!   judged normally (mostly offline at once), and the rule stays disarmed
//!   until the late share has dropped below `fraction` again, so the wave of
//!   offline transitions cannot re-trigger it.
//!
//! `min_sites` keeps small fleets out of the rule: the local demo (one
//! collector simulating 50 sites) must show all 50 going offline when that
//! collector is killed. Pure: time comes in as an argument.

use std::time::Duration;

use tokio::time::Instant;

pub const DEFAULT_FRACTION: f64 = 0.5;
pub const DEFAULT_MIN_SITES: usize = 100;
pub const DEFAULT_HOLD: Duration = Duration::from_secs(10 * 60);

/// The rule's settings (`--mass-silence-*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MassSilenceRule {
    /// Share of watched sites that must be late at once; in (0, 1].
    pub fraction: f64,
    /// Fewer watched sites than this never trigger the rule; at least 1.
    pub min_sites: usize,
    /// How long to hold silent sites at `late` before judging them anyway.
    pub hold: Duration,
}

impl Default for MassSilenceRule {
    fn default() -> Self {
        MassSilenceRule {
            fraction: DEFAULT_FRACTION,
            min_sites: DEFAULT_MIN_SITES,
            hold: DEFAULT_HOLD,
        }
    }
}

impl MassSilenceRule {
    /// What is wrong, phrased for the flag names.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.fraction > 0.0 && self.fraction <= 1.0) {
            return Err(format!(
                "--mass-silence-fraction: must be above 0 and at most 1, got {}",
                self.fraction
            ));
        }
        if self.min_sites == 0 {
            return Err("--mass-silence-min-sites: must be at least 1".into());
        }
        if self.hold.is_zero() {
            return Err("--mass-silence-hold: must be above 0".into());
        }
        Ok(())
    }

    /// Whether `late` of `online + late` watched sites is a mass silence.
    pub fn is_mass_silence(&self, online: usize, late: usize) -> bool {
        let watched = online + late;
        late > 0 && watched >= self.min_sites && late as f64 >= self.fraction * watched as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Sites are judged normally; the rule may trigger.
    Normal,
    /// The centre is suspected; silent sites are held at `late`.
    Suspect { since: Instant },
    /// The hold ran out; normal judgement, and the rule waits for the late
    /// share to drop below the threshold before it may trigger again.
    Disarmed,
}

/// A change of phase the engine must act on (log, metric, centre event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Suspected,
    /// Reports flow again: sites still late get a fresh window.
    Resumed,
    /// The hold ran out: held sites are judged now.
    Expired,
}

#[derive(Debug, Clone)]
pub struct MassSilence {
    rule: MassSilenceRule,
    phase: Phase,
}

impl MassSilence {
    pub fn new(rule: MassSilenceRule) -> Self {
        MassSilence {
            rule,
            phase: Phase::Normal,
        }
    }

    pub fn rule(&self) -> &MassSilenceRule {
        &self.rule
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether offline judgements are held back right now.
    pub fn holding(&self) -> bool {
        matches!(self.phase, Phase::Suspect { .. })
    }

    /// When the current hold runs out, if one is on.
    pub fn hold_until(&self) -> Option<Instant> {
        match self.phase {
            Phase::Suspect { since } => Some(since + self.rule.hold),
            _ => None,
        }
    }

    /// Looks at the current counts (after any connectivity change).
    pub fn observe(&mut self, online: usize, late: usize, now: Instant) -> Option<Change> {
        let silent = self.rule.is_mass_silence(online, late);
        match (self.phase, silent) {
            (Phase::Normal, true) => {
                self.phase = Phase::Suspect { since: now };
                Some(Change::Suspected)
            }
            (Phase::Suspect { .. }, false) => {
                self.phase = Phase::Normal;
                Some(Change::Resumed)
            }
            (Phase::Disarmed, false) => {
                self.phase = Phase::Normal;
                None
            }
            _ => None,
        }
    }

    /// Ends the hold if it ran out by `now`.
    pub fn expire(&mut self, now: Instant) -> Option<Change> {
        let until = self.hold_until()?;
        if now < until {
            return None;
        }
        self.phase = Phase::Disarmed;
        Some(Change::Expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(fraction: f64, min_sites: usize) -> MassSilenceRule {
        MassSilenceRule {
            fraction,
            min_sites,
            hold: Duration::from_secs(60),
        }
    }

    #[test]
    fn defaults_leave_the_fifty_site_demo_alone() {
        let r = MassSilenceRule::default();
        assert!(r.validate().is_ok());
        // Every one of the demo's 50 sites silent at once: still the sites' problem.
        assert!(!r.is_mass_silence(0, 50));
        assert!(r.is_mass_silence(50, 50));
        assert!(!r.is_mass_silence(51, 49));
    }

    #[test]
    fn validation_names_the_flag() {
        let bad = |r: MassSilenceRule| r.validate().unwrap_err();
        assert!(bad(rule(0.0, 10)).contains("--mass-silence-fraction"));
        assert!(bad(rule(1.5, 10)).contains("--mass-silence-fraction"));
        assert!(bad(rule(f64::NAN, 10)).contains("--mass-silence-fraction"));
        assert!(bad(rule(0.5, 0)).contains("--mass-silence-min-sites"));
        let mut r = rule(0.5, 10);
        r.hold = Duration::ZERO;
        assert!(bad(r).contains("--mass-silence-hold"));
        assert!(rule(1.0, 1).validate().is_ok());
    }

    #[test]
    fn suspects_then_resumes_when_reports_flow() {
        let t0 = Instant::now();
        let mut m = MassSilence::new(rule(0.5, 20));
        assert_eq!(m.observe(40, 0, t0), None);
        assert_eq!(m.observe(21, 19, t0), None);
        assert_eq!(m.observe(20, 20, t0), Some(Change::Suspected));
        assert!(m.holding());
        assert_eq!(m.hold_until(), Some(t0 + Duration::from_secs(60)));
        // Still silent: nothing new.
        assert_eq!(m.observe(0, 40, t0), None);
        assert_eq!(m.observe(21, 19, t0), Some(Change::Resumed));
        assert!(!m.holding());
        assert_eq!(m.hold_until(), None);
    }

    #[test]
    fn the_hold_runs_out_and_the_offline_wave_does_not_retrigger() {
        let t0 = Instant::now();
        let mut m = MassSilence::new(rule(0.5, 20));
        m.observe(0, 40, t0);
        assert_eq!(m.expire(t0 + Duration::from_secs(59)), None);
        assert_eq!(
            m.expire(t0 + Duration::from_secs(60)),
            Some(Change::Expired)
        );
        assert_eq!(m.phase(), Phase::Disarmed);
        assert!(!m.holding());
        // Held sites go offline one by one: the late share stays high meanwhile.
        let later = t0 + Duration::from_secs(61);
        for late in (1..40).rev() {
            assert_eq!(m.observe(0, late, later), None);
        }
        // Once below the threshold the rule is armed again.
        assert_eq!(m.observe(30, 0, later), None);
        assert_eq!(m.phase(), Phase::Normal);
        assert_eq!(m.observe(10, 30, later), Some(Change::Suspected));
    }

    proptest! {
        /// Whatever the sequence of counts: small fleets never trigger, a
        /// suspicion begins only on a mass silence and ends only when it is
        /// over or the hold ran out, and holding matches the phase.
        #[test]
        fn phases_follow_the_counts(
            fraction in 0.05f64..=1.0,
            min_sites in 1usize..200,
            steps in proptest::collection::vec((0usize..300, 0usize..300, any::<bool>()), 1..60),
        ) {
            let r = rule(fraction, min_sites);
            let t0 = Instant::now();
            let mut m = MassSilence::new(r);
            for (i, (online, late, tick)) in steps.into_iter().enumerate() {
                let now = t0 + Duration::from_secs(i as u64 * 7);
                let before = m.phase();
                let change = if tick { m.expire(now) } else { m.observe(online, late, now) };
                let silent = r.is_mass_silence(online, late);
                if online + late < min_sites {
                    prop_assert!(!silent);
                }
                match change {
                    Some(Change::Suspected) => {
                        prop_assert!(!tick && silent && before == Phase::Normal);
                    }
                    Some(Change::Resumed) => {
                        prop_assert!(!tick && !silent);
                        let was_suspect = matches!(before, Phase::Suspect { .. });
                        prop_assert!(was_suspect);
                    }
                    Some(Change::Expired) => {
                        prop_assert!(tick);
                        let Phase::Suspect { since } = before else {
                            return Err(TestCaseError::fail("expired without a hold"));
                        };
                        prop_assert!(now >= since + r.hold);
                    }
                    None => {}
                }
                let suspect = matches!(m.phase(), Phase::Suspect { .. });
                prop_assert_eq!(m.holding(), suspect);
            }
        }
    }
}
