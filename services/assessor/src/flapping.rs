//! Flap detection in constant memory: a decaying count of a site's state
//! changes, two bytes a site.
//!
//! Each change of connectivity or health adds one to the count, and the
//! count decays exponentially with the rules file's window as its time
//! constant, so a steady rate of `r` changes a window settles at about `r`
//! and a burst of `n` reads `n` at first. A site is *flapping* from the
//! moment the count reaches `flapping.changes` until it has decayed below
//! half of that (hysteresis: the flag itself must not flap). Pure: time
//! comes in as milliseconds since the site's last change.

use serde::Deserialize;

/// `[flapping]` of the rules file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlapRule {
    /// Changes within the window that make a site flapping; 0 turns flap
    /// detection off. At most [`FlapRule::MAX_CHANGES`].
    pub changes: u32,
    /// The window, seconds: the decay's time constant.
    pub window_s: u32,
}

impl Default for FlapRule {
    fn default() -> Self {
        FlapRule {
            changes: 6,
            window_s: 600,
        }
    }
}

impl FlapRule {
    /// The count is kept in 8.8 fixed point: it saturates just under 256.
    pub const MAX_CHANGES: u32 = 255;

    fn window_ms(self) -> f64 {
        f64::from(self.window_s.max(1)) * 1000.0
    }

    /// Below this a flapping site is calm again.
    fn calm_below(self) -> f64 {
        f64::from(self.changes) / 2.0
    }
}

/// A decaying count of changes, in 1/256ths (8.8 fixed point, saturating).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlapCount(u16);

impl FlapCount {
    const ONE: f64 = 256.0;

    fn from_f64(count: f64) -> Self {
        FlapCount((count * Self::ONE).round().clamp(0.0, f64::from(u16::MAX)) as u16)
    }

    /// The count `elapsed_ms` after the last change.
    pub fn at(self, elapsed_ms: u64, rule: FlapRule) -> f64 {
        f64::from(self.0) / Self::ONE * (-(elapsed_ms as f64) / rule.window_ms()).exp()
    }

    /// A change happened `elapsed_ms` after the previous one.
    pub fn bump(self, elapsed_ms: u64, rule: FlapRule) -> Self {
        Self::from_f64(self.at(elapsed_ms, rule) + 1.0)
    }

    /// Whether the site is flapping `elapsed_ms` after its last change,
    /// given whether it was: it starts at `changes` and stops below half.
    pub fn flapping(self, elapsed_ms: u64, rule: FlapRule, was: bool) -> bool {
        if rule.changes == 0 {
            return false;
        }
        let count = self.at(elapsed_ms, rule);
        if was {
            count >= rule.calm_below()
        } else {
            // Whole changes, as the reason shows them: six changes a few
            // seconds apart have decayed to 5.98, and read "6 changes".
            count.round() >= f64::from(rule.changes)
        }
    }

    /// Milliseconds after the last change when a flapping site becomes
    /// calm, if no other change comes; `None` when detection is off.
    pub fn calm_after_ms(self, rule: FlapRule) -> Option<u64> {
        if rule.changes == 0 {
            return None;
        }
        let count = self.at(0, rule);
        let below = rule.calm_below();
        if count < below {
            return Some(0);
        }
        // count·e^(−t/τ) < below  ⇔  t > τ·ln(count/below); one ms past it.
        Some((rule.window_ms() * (count / below).ln()).floor() as u64 + 1)
    }

    /// The count as a reason shows it, whole changes.
    pub fn changes(self, elapsed_ms: u64, rule: FlapRule) -> u32 {
        self.at(elapsed_ms, rule).round() as u32
    }
}

#[cfg(test)]
mod tests;
