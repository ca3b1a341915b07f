//! This machine's resources, read with sysinfo.
//!
//! The collector runs next to the site's own software and is compared with
//! node-exporter's footprint, so it keeps one `System` and one `Disks` for
//! its lifetime and refreshes only CPU usage, memory and disk storage, never
//! processes. The choice of disk is pure ([`pick_disk`]) and unit-tested.

use std::path::Path;

use healthmon_proto::Resources;
use sysinfo::{DiskRefreshKind, Disks, MINIMUM_CPU_UPDATE_INTERVAL, System};
use tokio::time::Instant;

/// A disk as far as `disk_used_pct` is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskInfo<'a> {
    pub mount_point: &'a Path,
    pub total: u64,
    pub available: u64,
    pub read_only: bool,
}

impl DiskInfo<'_> {
    fn used_pct(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let used = self.total.saturating_sub(self.available);
        (used as f64 * 100.0 / self.total as f64).clamp(0.0, 100.0)
    }
}

/// `fullest`: the fullest writable disk; otherwise the disk mounted at `choice`.
pub fn pick_disk(disks: &[DiskInfo<'_>], choice: &str) -> Option<f64> {
    let sized = disks.iter().filter(|d| d.total > 0);
    if choice == "fullest" {
        sized
            .filter(|d| !d.read_only)
            .map(DiskInfo::used_pct)
            .max_by(f64::total_cmp)
    } else {
        let wanted = Path::new(choice);
        sized
            .filter(|d| d.mount_point == wanted)
            .map(DiskInfo::used_pct)
            .next()
    }
}

pub struct Host {
    system: System,
    disks: Disks,
    disk_choice: String,
    cpu_refreshed: Instant,
}

impl Host {
    pub fn new(disk_choice: &str) -> Self {
        let mut system = System::new();
        // CPU usage is a difference between two refreshes; this is the first.
        system.refresh_cpu_usage();
        let disks =
            Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_storage());
        Host {
            system,
            disks,
            disk_choice: disk_choice.to_owned(),
            cpu_refreshed: Instant::now(),
        }
    }

    /// Current resources. The first call may wait up to 200 ms so that its
    /// CPU figure is measured over a meaningful period.
    pub async fn read(&mut self) -> Resources {
        let since = self.cpu_refreshed.elapsed();
        if since < MINIMUM_CPU_UPDATE_INTERVAL {
            tokio::time::sleep(MINIMUM_CPU_UPDATE_INTERVAL - since).await;
        }
        self.system.refresh_cpu_usage();
        self.cpu_refreshed = Instant::now();
        self.system.refresh_memory();
        // Re-reading the mount table also notices disks mounted since start.
        self.disks
            .refresh_specifics(true, DiskRefreshKind::nothing().with_storage());
        let infos: Vec<DiskInfo<'_>> = self
            .disks
            .list()
            .iter()
            .map(|d| DiskInfo {
                mount_point: d.mount_point(),
                total: d.total_space(),
                available: d.available_space(),
                read_only: d.is_read_only(),
            })
            .collect();
        let total = self.system.total_memory();
        Resources {
            cpu_pct: finite_or_zero(f64::from(self.system.global_cpu_usage())).clamp(0.0, 100.0),
            mem_used_bytes: self.system.used_memory().min(total),
            mem_total_bytes: total,
            disk_used_pct: pick_disk(&infos, &self.disk_choice).unwrap_or(0.0),
            load1: finite_or_zero(System::load_average().one).max(0.0),
        }
    }
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

#[cfg(test)]
mod tests;
