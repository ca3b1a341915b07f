//! Health-rule thresholds: what [`crate::findings::evaluate`] compares a
//! report against.
//!
//! Thresholds come from a TOML file (`--rules`, see `rules.example.toml`);
//! every key has a built-in default, and an unknown key is an error naming it,
//! because a misspelt threshold silently left at its default is worse than a
//! refusal to start.

use std::path::{Path, PathBuf};

use healthmon_proto::Health;
use serde::Deserialize;
use thiserror::Error;

use crate::flapping::FlapRule;
pub(crate) use crate::numbers::fmt_num;
use crate::recovering::RecoverRule;
use crate::score::ScoreRule;

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    pub connections: ConnectionRules,
    pub script_errors: RateRule,
    pub alarm_errors: RateRule,
    pub sf_buffer: BufferRule,
    pub resources: ResourceRules,
    pub flapping: FlapRule,
    pub recovering: RecoverRule,
    pub score: ScoreRule,
    pub incidents: crate::incidents::IncidentRule,
}

/// How bad one disconnected data connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Degraded,
    Critical,
}

impl Severity {
    pub fn health(self) -> Health {
        match self {
            Severity::Degraded => Health::Degraded,
            Severity::Critical => Health::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionRules {
    pub disconnected: Severity,
}

impl Default for ConnectionRules {
    fn default() -> Self {
        ConnectionRules {
            disconnected: Severity::Degraded,
        }
    }
}

/// Error-rate thresholds in errors per minute; a rate strictly over a threshold fires.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateRule {
    pub warn_per_min: f64,
    pub critical_per_min: f64,
}

impl Default for RateRule {
    fn default() -> Self {
        RateRule {
            warn_per_min: 10.0,
            critical_per_min: 60.0,
        }
    }
}

/// Store-and-forward depth thresholds, applied to each category separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BufferRule {
    pub warn: u64,
    pub critical: u64,
}

impl Default for BufferRule {
    fn default() -> Self {
        BufferRule {
            warn: 1_000,
            critical: 10_000,
        }
    }
}

/// Optional host thresholds in percent; unset means not checked. Only
/// applied when the report carries `resources`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceRules {
    pub disk_warn_pct: Option<f64>,
    pub disk_critical_pct: Option<f64>,
    pub cpu_warn_pct: Option<f64>,
    pub cpu_critical_pct: Option<f64>,
    pub memory_warn_pct: Option<f64>,
    pub memory_critical_pct: Option<f64>,
}

#[derive(Debug, Error)]
pub enum RulesError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    InFile {
        path: PathBuf,
        source: Box<RulesError>,
    },
    #[error("{location}{message}")]
    Parse { location: String, message: String },
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
}

impl Rules {
    pub fn from_toml_str(text: &str) -> Result<Rules, RulesError> {
        let rules: Rules = toml::from_str(text).map_err(|e| RulesError::Parse {
            location: e.span().map(|s| locate(text, s.start)).unwrap_or_default(),
            message: e.message().trim().to_owned(),
        })?;
        rules.validate()?;
        Ok(rules)
    }

    /// Reads and validates a rules file; errors name the file.
    pub fn load(path: &Path) -> Result<Rules, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
            path: path.to_owned(),
            source,
        })?;
        Rules::from_toml_str(&text).map_err(|e| RulesError::InFile {
            path: path.to_owned(),
            source: Box::new(e),
        })
    }

    fn validate(&self) -> Result<(), RulesError> {
        for (section, rule) in [
            ("script_errors", self.script_errors),
            ("alarm_errors", self.alarm_errors),
        ] {
            let warn = format!("{section}.warn_per_min");
            let critical = format!("{section}.critical_per_min");
            check_non_negative(&warn, rule.warn_per_min)?;
            check_non_negative(&critical, rule.critical_per_min)?;
            check_order(&warn, rule.warn_per_min, &critical, rule.critical_per_min)?;
        }
        check_order(
            "sf_buffer.warn",
            self.sf_buffer.warn as f64,
            "sf_buffer.critical",
            self.sf_buffer.critical as f64,
        )?;
        let r = &self.resources;
        for (what, warn, critical) in [
            ("disk", r.disk_warn_pct, r.disk_critical_pct),
            ("cpu", r.cpu_warn_pct, r.cpu_critical_pct),
            ("memory", r.memory_warn_pct, r.memory_critical_pct),
        ] {
            let warn_key = format!("resources.{what}_warn_pct");
            let critical_key = format!("resources.{what}_critical_pct");
            for (key, value) in [(&warn_key, warn), (&critical_key, critical)] {
                match value {
                    Some(v) if !(v.is_finite() && (0.0..=100.0).contains(&v)) => {
                        return Err(invalid(key, format!("must be within 0..=100, got {v}")));
                    }
                    _ => {}
                }
            }
            if let (Some(w), Some(c)) = (warn, critical) {
                check_order(&warn_key, w, &critical_key, c)?;
            }
        }
        let f = self.flapping;
        if f.changes > FlapRule::MAX_CHANGES {
            let max = FlapRule::MAX_CHANGES;
            return Err(invalid(
                "flapping.changes",
                format!("must be at most {max}, got {}", f.changes),
            ));
        }
        if f.window_s == 0 {
            return Err(invalid(
                "flapping.window_s",
                "must be at least 1".to_owned(),
            ));
        }
        self.incidents
            .validate()
            .map_err(|(key, reason)| invalid(&key, reason))?;
        self.score
            .validate()
            .map_err(|(key, reason)| invalid(&key, reason))
    }
}

fn invalid(key: &str, reason: String) -> RulesError {
    RulesError::Invalid {
        key: key.to_owned(),
        reason,
    }
}

fn check_non_negative(key: &str, value: f64) -> Result<(), RulesError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("must be a non-negative number, got {value}"),
        ))
    }
}

fn check_order(
    warn_key: &str,
    warn: f64,
    critical_key: &str,
    critical: f64,
) -> Result<(), RulesError> {
    if warn <= critical {
        Ok(())
    } else {
        Err(invalid(
            warn_key,
            format!(
                "{} is above {critical_key} ({})",
                fmt_num(warn),
                fmt_num(critical)
            ),
        ))
    }
}

/// "line 3, in [script_errors]: " for an error at byte `offset`, so a
/// nested unknown key is named with its table.
fn locate(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'));
    match table {
        Some(t) => format!("line {line}, in {t}: "),
        None => format!("line {line}: "),
    }
}

#[cfg(test)]
mod tests;
