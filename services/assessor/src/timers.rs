//! One `DelayQueue` holding at most one pending deadline per site.
//!
//! A report resets the site's entry in place instead of adding a timer, so
//! the cost per report is constant and 100k sites need no task or timer each.
//! The queue has millisecond resolution and never fires early.

use std::future::poll_fn;
use std::task::Poll;

use tokio::time::Instant;
use tokio_util::time::DelayQueue;
use tokio_util::time::delay_queue::Key;

use crate::tracker::SiteIdx;

/// The queue refuses deadlines beyond ~795 days; nothing legitimate is
/// further than 100 days, and an early wake-up is harmless (the tracker
/// re-arms a site whose deadline has not come yet).
const MAX_AHEAD: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);

#[derive(Debug, Default)]
pub struct Timers {
    queue: DelayQueue<SiteIdx>,
    /// The pending entry of each site, indexed by `SiteIdx`.
    keys: Vec<Option<Key>>,
}

impl Timers {
    pub fn new() -> Self {
        Timers::default()
    }

    /// Arms, moves, or (with `None`) cancels the site's deadline.
    pub fn set(&mut self, site: SiteIdx, at: Option<Instant>) {
        let at = at.map(|at| at.min(Instant::now() + MAX_AHEAD));
        let i = site as usize;
        if self.keys.len() <= i {
            self.keys.resize(i + 1, None);
        }
        match (self.keys[i], at) {
            (Some(key), Some(at)) => self.queue.reset_at(&key, at),
            (None, Some(at)) => self.keys[i] = Some(self.queue.insert_at(site, at)),
            (Some(key), None) => {
                self.queue.try_remove(&key);
                self.keys[i] = None;
            }
            (None, None) => {}
        }
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The next site whose deadline passed; pending while none is armed
    /// (callers re-poll after arming, as a `select!` loop does).
    pub async fn expired(&mut self) -> SiteIdx {
        poll_fn(|cx| match self.queue.poll_expired(cx) {
            Poll::Ready(Some(expired)) => {
                let site = expired.into_inner();
                if let Some(key) = self.keys.get_mut(site as usize) {
                    *key = None;
                }
                Poll::Ready(site)
            }
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn fires_each_site_once_at_its_latest_deadline() {
        let mut t = Timers::new();
        let now = Instant::now();
        t.set(0, Some(now + Duration::from_millis(100)));
        t.set(1, Some(now + Duration::from_millis(50)));
        t.set(0, Some(now + Duration::from_millis(300)));
        t.set(2, Some(now + Duration::from_millis(10)));
        t.set(2, None);
        assert_eq!(t.len(), 2);
        assert_eq!(t.expired().await, 1);
        assert!(Instant::now() >= now + Duration::from_millis(50));
        assert_eq!(t.expired().await, 0);
        assert!(Instant::now() >= now + Duration::from_millis(300));
        assert!(t.is_empty());
        // Re-arming a fired site works (its key was released).
        t.set(0, Some(Instant::now()));
        assert_eq!(t.expired().await, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn absurdly_far_deadlines_do_not_panic() {
        let mut t = Timers::new();
        t.set(
            0,
            Some(Instant::now() + Duration::from_secs(10 * 365 * 24 * 3600)),
        );
        assert_eq!(t.len(), 1);
    }
}
