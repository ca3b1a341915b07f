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

use healthmon_common::ConfigError;

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
    /// What is wrong, named by its flag.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::ensure(
            self.fraction > 0.0 && self.fraction <= 1.0,
            "--mass-silence-fraction",
            format_args!("must be above 0 and at most 1, got {}", self.fraction),
        )?;
        ConfigError::ensure(
            self.min_sites >= 1,
            "--mass-silence-min-sites",
            "must be at least 1",
        )?;
        ConfigError::ensure(
            !self.hold.is_zero(),
            "--mass-silence-hold",
            "must be above 0",
        )
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
mod tests;
