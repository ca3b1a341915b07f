//! The simulated fleet: one healthy report per site, and when each send is due.
//!
//! Send `k` (0, 1, 2, …) goes to site `k mod N` at `k · interval / N` after
//! the start: every site once per interval, the sites evenly spread over it
//! as independent real sites would be. (The publisher steps each site's seq
//! by one per send, resend answers included, so any loss shows as a gap.)
//! A resend answer uses the same schedule with the window as its interval. The publisher asks
//! [`Schedule::due`] how many sends should be out by now, so a stall is made
//! up at once and shows as lag instead of silently thinning the load.

use std::time::Duration;

use healthmon_proto::HealthReport;
use healthmon_test_support::fixtures;

#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    sites: u64,
    interval_ns: u128,
}

impl Schedule {
    pub fn new(sites: usize, interval: Duration) -> Self {
        Schedule {
            sites: sites as u64,
            interval_ns: interval.as_nanos().max(1),
        }
    }

    /// How many sends are due `elapsed` after the start (the first at once).
    pub fn due(&self, elapsed: Duration) -> u64 {
        (elapsed.as_nanos() * u128::from(self.sites) / self.interval_ns) as u64 + 1
    }

    /// When send `k` is due.
    pub fn at(&self, k: u64) -> Duration {
        let ns = u128::from(k) * self.interval_ns / u128::from(self.sites);
        Duration::from_nanos(ns as u64)
    }

    pub fn site(&self, k: u64) -> usize {
        (k % self.sites) as usize
    }
}

pub fn site_id(i: usize) -> String {
    format!("soak-{i:06}")
}

/// A report the assessor's default rules find healthy ([`fixtures::healthy`],
/// what a real collector sends), for site number `site`.
pub fn report(site: usize, instance: &str, interval: Duration) -> HealthReport {
    let mut r = fixtures::healthy(&site_id(site));
    r.instance = instance.to_owned();
    r.interval_ms = interval.as_millis() as u64;
    r
}

#[cfg(test)]
mod tests;
