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
        if !(1..=MAX_SITES).contains(&self.sites) {
            return Err(ConfigError::invalid("--sites", format!("1 to {MAX_SITES}")));
        }
        let ms = self.interval.as_millis();
        if !(u128::from(MIN_INTERVAL_MS)..=u128::from(MAX_INTERVAL_MS)).contains(&ms) {
            return Err(ConfigError::invalid("--interval", "100ms to 24h"));
        }
        if self.duration < self.interval * 2 {
            return Err(ConfigError::invalid("--duration", "at least two intervals"));
        }
        if self.warmup >= self.duration {
            return Err(ConfigError::invalid(
                "--warmup",
                "must be shorter than --duration",
            ));
        }
        if self.sample_every.is_zero() {
            return Err(ConfigError::invalid("--sample-every", "above zero"));
        }
        if self.scrape_every.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::invalid("--scrape-every", "above zero"));
        }
        if let Some((_, at)) = self.restart {
            // Every site known before, and two intervals after: a report
            // dropped in the storm shows as a gap at the site's next one.
            if at < self.interval || at + self.interval * 2 > self.duration {
                return Err(ConfigError::invalid(
                    "--restart-at",
                    "at least one interval after the start and two before the end",
                ));
            }
            if self.scrape_every.is_some() {
                return Err(ConfigError::invalid(
                    "--restart",
                    "not with --scrape-every (a restarting service cannot be scraped)",
                ));
            }
        }
        if !(self.rss_growth_pct.is_finite() && self.rss_growth_pct >= 0.0) {
            return Err(ConfigError::invalid(
                "--rss-growth",
                "a percentage of 0 or more",
            ));
        }
        Ok(())
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
