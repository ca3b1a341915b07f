//! healthmon benchmark harness (`scripts/bench.sh`).
//!
//! Everything measured runs as a real process on this machine: a nats-server
//! started on free ports (with its monitoring port, for `/varz`), the release
//! binaries of the four services, Debian's `wrk` and `prometheus-node-exporter`,
//! and this binary's own publisher and bare subscriber. All sections run in
//! one invocation, so their ratios hold even when the machine is noisy.
//!
//! Sections, one module each: [`ingest`] (1), [`steady`] (2 latency and
//! 3 detection precision, on one steady stream), [`memory`] (4),
//! [`footprint`] (5 collector vs node-exporter), [`api`] (6 dashboard API
//! and 7 Prometheus scrape), [`registry`] (8 the fleet registry: load at
//! start, RSS per registered site, admin action → every replica).
//! [`results`] holds what they measure, the targets of the issues and the
//! JSON file; [`table`] prints it. The plumbing is in [`nats`] (each
//! section's nats-server; processes come from `healthmon-test-support`),
//! [`services`] (healthmon processes and readiness), [`fleet`] (reports and publishing), [`probes`],
//! [`counter`] (the bare subscriber), [`wrk`] and [`stats`].
#![forbid(unsafe_code)]

pub mod api;
pub mod counter;
pub mod fleet;
pub mod footprint;
pub mod ingest;
pub mod memory;
pub mod nats;
pub mod probes;
pub mod registry;
pub mod results;
pub mod run;
pub mod scale;
pub mod services;
pub mod stats;
pub mod steady;
pub mod table;
pub mod wrk;

use std::path::PathBuf;

use healthmon_proto::Subjects;

pub use scale::Scale;

/// What every section gets: where the binaries are, how big to go, where to log.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub scale: Scale,
    /// Directory holding `healthmon-aggregator`, `-assessor`, `-dashboard-api`, `-collector`.
    pub bin_dir: PathBuf,
    /// This very binary, started again as the bare subscriber.
    pub self_exe: PathBuf,
    /// Service logs (stderr/stdout of every child), kept for a failed run.
    pub log_dir: PathBuf,
    pub node_exporter: PathBuf,
    pub wrk: PathBuf,
    pub subjects: Subjects,
    /// `instance` of every report this run publishes (random per run).
    pub instance: String,
    /// `--profile DIR`: the healthmon services run under `perf record`, one
    /// file each here (their RSS and CPU figures are then perf's, not theirs).
    pub profile_dir: Option<PathBuf>,
    /// Where `scripts/soak.sh` left its records (`healthmon_soak::record`).
    pub soak_dir: PathBuf,
}
