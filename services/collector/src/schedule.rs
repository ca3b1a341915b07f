//! When each site's next report is due: one periodic slot per interval, plus
//! on-demand reports (resend requests, reconnection).
//!
//! With N sites (N = 1 for a real site, N > 1 simulating), site `i`'s slots
//! are offset by `i * interval / N`, so the sends are spread evenly over the
//! interval instead of all at once. A slot that was missed by a whole
//! interval or more (the process stalled) is skipped, not made up for: like
//! `MissedTickBehavior::Skip`, a late site sends once, then keeps its phase.
//! On-demand requests coalesce: a site with a pending one keeps the earlier
//! deadline, and any report it sends clears it. A site whose periodic slot
//! falls inside a request's window needs no request at all
//! ([`Schedule::next_periodic`]): its regular report answers it.
//!
//! Time is a `Duration` since the schedule's start, so this is pure.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Periodic,
    OnDemand,
}

#[derive(Debug)]
pub struct Schedule {
    interval: Duration,
    periodic: BinaryHeap<Reverse<(Duration, usize)>>,
    on_demand: BinaryHeap<Reverse<(Duration, usize)>>,
    /// The live on-demand deadline per site; heap entries not matching it are stale.
    pending: Vec<Option<Duration>>,
    /// Each site's next periodic slot (what its `periodic` entry holds).
    next: Vec<Duration>,
}

impl Schedule {
    /// `sites` sites, the first due at once, the others spread over one interval.
    pub fn new(sites: usize, interval: Duration) -> Self {
        let step = interval
            .checked_div(sites.max(1) as u32)
            .unwrap_or_default();
        let next: Vec<Duration> = (0..sites).map(|i| step * i as u32).collect();
        let periodic = next
            .iter()
            .enumerate()
            .map(|(i, at)| Reverse((*at, i)))
            .collect();
        Schedule {
            interval,
            periodic,
            on_demand: BinaryHeap::new(),
            pending: vec![None; sites],
            next,
        }
    }

    /// When `site`'s next periodic report is due.
    pub fn next_periodic(&self, site: usize) -> Option<Duration> {
        self.next.get(site).copied()
    }

    /// The earliest moment something is due.
    pub fn next_wake(&self) -> Option<Duration> {
        let periodic = self.periodic.peek().map(|Reverse((at, _))| *at);
        let on_demand = self.on_demand.peek().map(|Reverse((at, _))| *at);
        match (periodic, on_demand) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Asks for a report from `site` at `at`, unless one is already pending.
    pub fn request(&mut self, site: usize, at: Duration) {
        let Some(slot) = self.pending.get_mut(site) else {
            return;
        };
        if slot.is_none() {
            *slot = Some(at);
            self.on_demand.push(Reverse((at, site)));
        }
    }

    pub fn has_pending(&self, site: usize) -> bool {
        self.pending.get(site).is_some_and(Option::is_some)
    }

    /// The next site due at `now`, if any; call until `None`.
    pub fn pop_due(&mut self, now: Duration) -> Option<(usize, Due)> {
        while let Some(&Reverse((at, site))) = self.on_demand.peek() {
            if at > now {
                break;
            }
            self.on_demand.pop();
            if self.pending[site] == Some(at) {
                self.pending[site] = None;
                return Some((site, Due::OnDemand));
            }
        }
        let &Reverse((at, site)) = self.periodic.peek()?;
        if at > now {
            return None;
        }
        self.periodic.pop();
        let mut next = at + self.interval;
        if next <= now && !self.interval.is_zero() {
            let behind = (now - at).as_nanos() / self.interval.as_nanos();
            next = at + self.interval * u32::try_from(behind + 1).unwrap_or(u32::MAX);
        }
        self.periodic.push(Reverse((next, site)));
        self.next[site] = next;
        Some((site, Due::Periodic))
    }

    /// `site` just sent a report: a pending on-demand request is satisfied.
    pub fn sent(&mut self, site: usize) {
        if let Some(slot) = self.pending.get_mut(site) {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests;
