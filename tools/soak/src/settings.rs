//! What one soak run does, validated before anything starts.

use std::path::PathBuf;
use std::time::Duration;

use healthmon_common::ConfigError;

use healthmon_proto::validate::{MAX_INTERVAL_MS, MIN_INTERVAL_MS};

pub const MAX_SITES: usize = 1_000_000;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Simulated sites, each reporting once per `interval`.
    pub sites: usize,
    pub interval: Duration,
    /// How long the fleet reports.
    pub duration: Duration,
    /// Memory is judged from the end of the warm-up on.
    pub warmup: Duration,
    /// How often processes are sampled and a table row printed.
    pub sample_every: Duration,
    /// Where `healthmon-aggregator` and `healthmon-assessor` are.
    pub bin_dir: PathBuf,
    pub nats_server: PathBuf,
    /// Logs and the nats-server config of this run.
    pub run_dir: PathBuf,
    /// Allowed RSS growth after warm-up, percent (plus a fixed 8 MiB for small runs).
    pub rss_growth_pct: f64,
    /// Scrape both services' `/metrics` this often, as Prometheus would (off: `None`).
    pub scrape_every: Option<Duration>,
    /// Restart part of the centre this long after the start (the restart storm).
    pub restart: Option<(Restart, Duration)>,
}

/// What a restart-storm run restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Restart {
    /// The aggregator alone; the assessor keeps judging.
    Aggregator,
    /// The aggregator and the assessor (nats-server stays up).
    Centre,
}

impl Settings {
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::ensure(
            (1..=MAX_SITES).contains(&self.sites),
            "--sites",
            format_args!("1 to {MAX_SITES}"),
        )?;
        let ms = self.interval.as_millis();
        let intervals = u128::from(MIN_INTERVAL_MS)..=u128::from(MAX_INTERVAL_MS);
        ConfigError::ensure(intervals.contains(&ms), "--interval", "100ms to 24h")?;
        ConfigError::ensure(
            self.duration >= self.interval * 2,
            "--duration",
            "at least two intervals",
        )?;
        ConfigError::ensure(
            self.warmup < self.duration,
            "--warmup",
            "must be shorter than --duration",
        )?;
        ConfigError::ensure(!self.sample_every.is_zero(), "--sample-every", "above zero")?;
        ConfigError::ensure(
            !self.scrape_every.is_some_and(|d| d.is_zero()),
            "--scrape-every",
            "above zero",
        )?;
        if let Some((_, at)) = self.restart {
            // Every site known before, and two intervals after: a report
            // dropped in the storm shows as a gap at the site's next one.
            ConfigError::ensure(
                at >= self.interval && at + self.interval * 2 <= self.duration,
                "--restart-at",
                "at least one interval after the start and two before the end",
            )?;
            ConfigError::ensure(
                self.scrape_every.is_none(),
                "--restart",
                "not with --scrape-every (a restarting service cannot be scraped)",
            )?;
        }
        ConfigError::ensure(
            self.rss_growth_pct.is_finite() && self.rss_growth_pct >= 0.0,
            "--rss-growth",
            "a percentage of 0 or more",
        )
    }

    /// Reports per second the whole fleet sends.
    pub fn rate(&self) -> f64 {
        self.sites as f64 / self.interval.as_secs_f64()
    }
}

/// The default warm-up: a fifth of the run, but at least three intervals
/// (the first interval alone brings every site into the tables).
pub fn default_warmup(duration: Duration, interval: Duration) -> Duration {
    (duration / 5).max(interval * 3).min(duration / 2)
}

#[cfg(test)]
mod tests;
