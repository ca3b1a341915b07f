//! The health score: 0–100 per site, 100 meaning nothing is wrong, with
//! the list of what took points off.
//!
//! It orders sites *within* a health level (two degraded sites are not
//! equally degraded) and never replaces the level. Every weight is in the
//! rules file's `[score]` table: points per finding by severity, times a
//! weight per finding kind (the part of its key before `:`); findings of a
//! late or offline site count `stale` times, since nobody has seen them
//! lately; lateness, offline, flapping and recovering take their own
//! points. Pure: findings in, [`Scored`] out.

use std::collections::BTreeMap;

use healthmon_proto::judgement::Deduction;
use healthmon_proto::{Connectivity, Health};
use serde::Deserialize;

use crate::numbers::fmt_num;

/// `[score]` of the rules file: points off 100.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreRule {
    pub critical: f64,
    pub degraded: f64,
    pub late: f64,
    pub offline: f64,
    pub flapping: f64,
    pub recovering: f64,
    /// Factor for the findings of a late or offline site (0..=1).
    pub stale: f64,
    /// Weight per finding kind (`connection`, `nodes`, `script_errors`,
    /// `alarm_errors`, `sf_buffer`, `resources`, `recovering`); 1 if unset.
    pub kinds: BTreeMap<String, f64>,
}

impl Default for ScoreRule {
    fn default() -> Self {
        ScoreRule {
            critical: 40.0,
            degraded: 15.0,
            late: 20.0,
            offline: 60.0,
            flapping: 20.0,
            recovering: 5.0,
            stale: 0.5,
            kinds: BTreeMap::new(),
        }
    }
}

/// One finding as the score sees it.
pub struct Scoring<'a> {
    pub key: &'a str,
    pub reason: &'a str,
    pub severity: Health,
}

/// The kind of a finding key, which recovering findings are.
pub const RECOVERING_KIND: &str = "recovering";

impl ScoreRule {
    /// The score of a site in `connectivity` (with its connectivity reason)
    /// with these findings and flapping reason; deductions largest first.
    pub fn score<'a>(
        &self,
        connectivity: Option<(Connectivity, &str)>,
        findings: impl IntoIterator<Item = Scoring<'a>>,
        flapping: Option<&str>,
    ) -> (u8, Vec<Deduction>) {
        let mut off: Vec<(f64, String)> = Vec::new();
        let stale = match connectivity {
            Some((Connectivity::Late, why)) => {
                off.push((self.late, format!("late: {why}")));
                true
            }
            Some((Connectivity::Offline, why)) => {
                off.push((self.offline, format!("offline: {why}")));
                true
            }
            _ => false,
        };
        for f in findings {
            let kind = f.key.split(':').next().unwrap_or_default();
            let base = match f.severity {
                Health::Critical => self.critical,
                Health::Degraded => self.degraded,
                _ if kind == RECOVERING_KIND => self.recovering,
                _ => 0.0,
            };
            let weight = self.kinds.get(kind).copied().unwrap_or(1.0);
            let points = base * weight * if stale { self.stale } else { 1.0 };
            let label = match (f.severity, stale) {
                (Health::Critical | Health::Degraded, true) => format!("{} (stale)", f.severity),
                (Health::Critical | Health::Degraded, false) => f.severity.to_string(),
                _ => String::new(),
            };
            let reason = if label.is_empty() {
                f.reason.to_owned()
            } else {
                format!("{label}: {}", f.reason)
            };
            off.push((points, reason));
        }
        if let Some(why) = flapping {
            off.push((self.flapping, why.to_owned()));
        }
        off.retain(|(points, _)| *points >= 0.5);
        off.sort_by(|a, b| b.0.total_cmp(&a.0));
        let total: f64 = off.iter().map(|(p, _)| p.round()).sum();
        let score = (100.0 - total).clamp(0.0, 100.0) as u8;
        let deductions = off
            .into_iter()
            .map(|(points, reason)| Deduction {
                points: points.round().clamp(0.0, 100.0) as u8,
                reason,
            })
            .collect();
        (score, deductions)
    }

    /// Every weight within bounds; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let points = [
            ("critical", self.critical),
            ("degraded", self.degraded),
            ("late", self.late),
            ("offline", self.offline),
            ("flapping", self.flapping),
            ("recovering", self.recovering),
        ];
        for (key, v) in points {
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                return Err((
                    format!("score.{key}"),
                    format!("must be within 0..=100, got {}", fmt_num(v)),
                ));
            }
        }
        if !(self.stale.is_finite() && (0.0..=1.0).contains(&self.stale)) {
            return Err((
                "score.stale".to_owned(),
                format!("must be within 0..=1, got {}", fmt_num(self.stale)),
            ));
        }
        for (kind, w) in &self.kinds {
            if !(w.is_finite() && (0.0..=10.0).contains(w)) {
                return Err((
                    format!("score.kinds.{kind}"),
                    format!("must be within 0..=10, got {}", fmt_num(*w)),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
