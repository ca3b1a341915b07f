//! What the mass-silence rule (`mass_silence.rs`) needs from the tracker:
//! holding offline judgements, and re-arming the late sites when it ends.

use healthmon_proto::Connectivity;
use tokio::time::Instant;

use super::{Ms48, SiteIdx, Tracker, slot};

impl Tracker {
    /// While on, a site due offline is held at late (the centre is suspected).
    pub fn set_hold_offline(&mut self, hold: bool) {
        self.hold_offline = hold;
    }

    pub fn holding_offline(&self) -> bool {
        self.hold_offline
    }

    /// How many sites are in `connectivity` now.
    pub fn count(&self, connectivity: Connectivity) -> usize {
        self.counts[slot(connectivity)]
    }

    /// Every late site, in index order.
    pub fn late_sites(&self) -> Vec<SiteIdx> {
        (0..self.sites.len() as SiteIdx)
            .filter(|&idx| self.sites[idx as usize].connectivity == Connectivity::Late)
            .collect()
    }

    /// Reports flow again after a suspected centre outage: every site still
    /// late gets a fresh full window from `now`, since its silence may have
    /// been the centre's. Returns the new deadlines.
    pub fn fresh_windows_for_late(&mut self, now: Instant) -> Vec<(SiteIdx, Instant)> {
        let start = self.mono_ceil(now);
        let late = self.late_sites();
        let mut deadlines = Vec::with_capacity(late.len());
        for idx in late {
            let s = &mut self.sites[idx as usize];
            s.window_start = Ms48::new(s.window_start().max(start));
            if let Some(at) = self.deadline(idx) {
                deadlines.push((idx, at));
            }
        }
        deadlines
    }
}

#[cfg(test)]
mod tests;
