//! What a soak run leaves behind for the bench's table of targets: the
//! command, when, the scale and the figures the issue judges, as JSON in
//! `target/soak/<kind>.json` (one file per [`Kind`] of run, the latest kept).
//! `scripts/bench.sh` reads them, so one table shows every target of issue
//! 16 — the bench's own and the soak's, each with where it came from.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::figures::Figures;
use crate::settings::{Restart, Settings};

/// Where `scripts/soak.sh` (run from the repository) writes, and the bench reads.
pub const DEFAULT_DIR: &str = "target/soak";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub command: String,
    pub finished_unix_ms: u64,
    pub run: Run,
    pub failures: Vec<String>,
    pub troubles: Troubles,
    /// `health.agg.get` after the warm-up.
    pub get_ms: Option<Slowest>,
    /// Restart → every site current in every restarted service, s.
    pub current_s: Option<f64>,
    /// Peak RSS after the warm-up, MiB (aggregator, assessor): a scraped
    /// run's against an unscraped one's.
    #[serde(default)]
    pub rss_peak_mib: Option<[f64; 2]>,
}

/// What was run: the fleet, how long, scraped how often, what restarted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub sites: usize,
    pub interval_s: f64,
    pub duration_s: f64,
    pub scrape_every_s: Option<f64>,
    /// `aggregator` or `centre` for a restart storm.
    pub restart: Option<String>,
}

/// What went wrong, each counted: reports the services did not take (both
/// added up, each against what it could hear), what their own `seq`-gap
/// counts say, slow consumers and false late/offline events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Troubles {
    pub lost: u64,
    pub seq_gaps: u64,
    pub slow_consumers: u64,
    pub false_late_offline: u64,
}

impl Troubles {
    /// Reports lost or counted as gaps, slow consumers and false events, added up.
    pub fn total(&self) -> u64 {
        self.lost + self.seq_gaps + self.slow_consumers + self.false_late_offline
    }
}

/// A latency's p99 and slowest, ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Slowest {
    pub p99: f64,
    pub max: f64,
}

/// The kinds of run the bench tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Scraped every `--scrape-every`.
    Steady,
    /// The baseline the scrape's memory is judged against.
    SteadyUnscraped,
    Restart(Restart),
}

impl Kind {
    pub fn of(s: &Settings) -> Kind {
        match (s.restart, s.scrape_every) {
            (Some((what, _)), _) => Kind::Restart(what),
            (None, Some(_)) => Kind::Steady,
            (None, None) => Kind::SteadyUnscraped,
        }
    }

    fn file_name(self) -> String {
        match self {
            Kind::Steady => "steady.json".to_owned(),
            Kind::SteadyUnscraped => "steady-unscraped.json".to_owned(),
            Kind::Restart(what) => format!("restart-{}.json", kind_name(what)),
        }
    }
}

impl Record {
    pub fn new(s: &Settings, f: &Figures, command: String, finished_unix_ms: u64) -> Record {
        let storm = f.storm.as_ref();
        let current = storm.and_then(|st| {
            let services = [
                Some(st.aggregator_current),
                st.restarted(1).then_some(st.assessor_current),
            ];
            services
                .into_iter()
                .flatten()
                .try_fold(0.0f64, |worst, current| {
                    Some(worst.max(current?.as_secs_f64()))
                })
        });
        Record {
            command,
            finished_unix_ms,
            run: Run {
                sites: s.sites,
                interval_s: s.interval.as_secs_f64(),
                duration_s: s.duration.as_secs_f64(),
                scrape_every_s: s.scrape_every.map(|d| d.as_secs_f64()),
                restart: s.restart.map(|(what, _)| kind_name(what).to_owned()),
            },
            failures: f.failures(),
            troubles: Troubles {
                lost: f.lost(0) + f.lost(1),
                seq_gaps: f.seq_gaps.iter().sum(),
                slow_consumers: f.slow_consumers,
                false_late_offline: f.false_late + f.false_offline,
            },
            get_ms: f.get.map(|(max, p99, _)| Slowest {
                p99: p99.as_secs_f64() * 1e3,
                max: max.as_secs_f64() * 1e3,
            }),
            current_s: current,
            rss_peak_mib: rss_peak(f),
        }
    }

    /// Nothing lost, no slow consumer, no false event.
    pub fn clean(&self) -> bool {
        self.troubles.total() == 0
    }
}

/// Peak RSS after the warm-up of aggregator and assessor, MiB.
fn rss_peak(f: &Figures) -> Option<[f64; 2]> {
    let peak = |who: &str| {
        f.memory
            .iter()
            .find(|(name, _)| *name == who)
            .map(|(_, m)| crate::figures::mib(m.first_half_max.max(m.second_half_max)))
    };
    Some([peak("aggregator")?, peak("assessor")?])
}

fn kind_name(what: Restart) -> &'static str {
    match what {
        Restart::Aggregator => "aggregator",
        Restart::Centre => "centre",
    }
}

/// The file of a run of this kind in `dir`.
pub fn path(dir: &Path, kind: Kind) -> PathBuf {
    dir.join(kind.file_name())
}

pub fn write(dir: &Path, kind: Kind, record: &Record) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = path(dir, kind);
    std::fs::write(&path, serde_json::to_string_pretty(record)? + "\n")?;
    Ok(path)
}

/// The latest record of this kind, if a soak left one. One that does not
/// read (written by an older soak, before the record's layout changed) is
/// said on stderr and counts as none: run that soak again.
pub fn read(dir: &Path, kind: Kind) -> Option<Record> {
    let path = path(dir, kind);
    let text = std::fs::read_to_string(&path).ok()?;
    serde_json::from_str(&text)
        .inspect_err(|e| {
            eprintln!(
                "soak record {} does not read ({e}); it counts as not measured until that soak runs again",
                path.display()
            )
        })
        .ok()
}

#[cfg(test)]
mod tests;
