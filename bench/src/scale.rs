//! How big each section goes: the numbers, or a tiny `--quick` run
//! (the CI smoke test) that exercises every path in seconds.

use std::time::Duration;

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Scale {
    pub quick: bool,
    /// Sites of the ingest, latency/detection and API sections.
    pub sites: usize,
    /// Reports of the ingest section, spread round-robin over `sites`.
    pub reports: usize,
    /// Reports per second of the steady stream (latency and detection).
    pub rate: u64,
    /// Sites silenced in the detection section.
    pub silence: usize,
    /// The two fleet sizes the memory section measures.
    pub memory_sites: [usize; 2],
    /// Length of each `wrk` run.
    pub wrk_seconds: u64,
    /// Report cycles (and node-exporter scrapes) the footprint section averages over.
    pub footprint_cycles: u32,
    pub footprint_interval_ms: u64,
    /// Pause before reading RSS, so that allocations from a burst have settled.
    pub settle_ms: u64,
    /// Registered sites the registry section loads at each service's start.
    pub registry_sites: usize,
    /// Registered sites of the registry section's propagation fleet.
    pub registry_fleet: usize,
    /// Maintenance actions (set, then clear) timed until every replica shows them.
    pub registry_actions: usize,
}

impl Scale {
    /// The numbers.
    pub fn full() -> Self {
        Scale {
            quick: false,
            sites: 100_000,
            reports: 1_000_000,
            rate: 10_000,
            silence: 1_000,
            memory_sites: [100_000, 1_000_000],
            wrk_seconds: 10,
            footprint_cycles: 40,
            footprint_interval_ms: 250,
            settle_ms: 3_000,
            registry_sites: 100_000,
            registry_fleet: 1_000,
            registry_actions: 200,
        }
    }

    /// Seconds in total; keeps every code path working (CI smoke test).
    pub fn quick() -> Self {
        Scale {
            quick: true,
            sites: 2_000,
            reports: 20_000,
            rate: 2_000,
            silence: 20,
            memory_sites: [2_000, 20_000],
            wrk_seconds: 1,
            footprint_cycles: 5,
            footprint_interval_ms: 100,
            settle_ms: 300,
            registry_sites: 2_000,
            registry_fleet: 200,
            registry_actions: 20,
        }
    }

    /// Applies `--sites`: ingest reports, silenced sites and memory sizes follow
    /// unless given themselves.
    pub fn with_sites(mut self, sites: usize) -> Self {
        self.sites = sites.max(100);
        self.reports = self.sites * 10;
        self.silence = (self.sites / 100).max(1);
        self.memory_sites = [self.sites, self.sites * 10];
        self
    }

    /// The report interval of the steady stream: every site once per round.
    pub fn steady_interval(&self) -> Duration {
        let ms = (self.sites as u64 * 1000 / self.rate.max(1)).max(100);
        Duration::from_millis(ms)
    }

    pub fn settle(&self) -> Duration {
        Duration::from_millis(self.settle_ms)
    }

    /// How long a completion wait may take before the section gives up.
    pub fn patience(&self) -> Duration {
        if self.quick {
            Duration::from_secs(30)
        } else {
            Duration::from_secs(180)
        }
    }
}

#[cfg(test)]
mod tests;
