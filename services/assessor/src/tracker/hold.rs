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
mod tests {
    use std::time::Duration;

    use healthmon_proto::HealthReport;

    use super::*;
    use crate::rules::Rules;

    const T0_MS: u64 = 1_700_000_000_000;

    fn report(site: &str) -> HealthReport {
        let mut r = HealthReport::new(site, "inst-a", 1);
        r.interval_ms = 200;
        r
    }

    #[test]
    fn a_held_site_stays_late_without_a_deadline_until_released() {
        let epoch = Instant::now();
        let at = |ms: u64| (epoch + Duration::from_millis(ms), T0_MS + ms);
        let mut t = Tracker::new(epoch, 3, Rules::default());
        let (now, now_ms) = at(0);
        let a = t.on_view(&report("a").view(), now, now_ms).unwrap().site;
        let b = t.on_view(&report("b").view(), now, now_ms).unwrap().site;

        let (now, now_ms) = at(300);
        assert_eq!(
            t.on_deadline(a, now, now_ms).event.unwrap().connectivity,
            Connectivity::Late
        );
        t.set_hold_offline(true);
        assert!(t.holding_offline());
        // Due offline (600 ms), but held: late, and nothing armed.
        let (now, now_ms) = at(700);
        let o = t.on_deadline(a, now, now_ms);
        assert_eq!((o.event, o.deadline, o.detection_lag), (None, None, None));
        // A site that skipped late (its deadline fired only now) gets to late.
        let o = t.on_deadline(b, now, now_ms);
        assert_eq!(o.event.unwrap().connectivity, Connectivity::Late);
        assert_eq!(o.deadline, None);
        assert_eq!(t.count(Connectivity::Late), 2);
        assert_eq!(t.late_sites(), [a, b]);

        // Released because reports flow again: a full window from now.
        t.set_hold_offline(false);
        let (now, _) = at(1_000);
        let deadlines = t.fresh_windows_for_late(now);
        assert_eq!(deadlines, [(a, at(1_600).0), (b, at(1_600).0)]);
        let (now, now_ms) = at(1_599);
        assert_eq!(t.on_deadline(a, now, now_ms).event, None);
        let (now, now_ms) = at(1_600);
        let e = t.on_deadline(a, now, now_ms).event.unwrap();
        assert_eq!(e.connectivity, Connectivity::Offline);
        // The reason still counts from the last report, not the fresh window.
        assert_eq!(e.reasons, ["no report for 1.6s (timeout 0.6s)"]);
    }
}
