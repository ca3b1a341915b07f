//! Every site's next deadline, in one coarse hashed timing wheel.
//!
//! Why not `tokio_util::time::DelayQueue` (used until the fleet-scale
//! benchmark): per armed site it holds a slab entry of ~56 bytes, and the
//! engine kept the entry's `Key` (16 bytes) per site to reset it; a report
//! moved the entry (a removal and an insertion in its wheel). Here a site
//! costs one `u32` deadline plus its `u32` entries in the slots (1 to 2 per
//! site in steady state, in pooled blocks: [`lists`]), about 8-12 bytes
//! instead of ~72, and a report costs one push and no removal. Measured with
//! `healthmon-bench --only ingest,memory,steady`: the assessor went from 320
//! to 98-130 resident bytes per site at 1,000,000 sites (this wheel, a
//! compact site table and mimalloc together), while the offline detection lag
//! went from p99 3.3 ms to p99 11.7 ms (the 10 ms tick; the target is 100 ms)
//! with no false late or offline.
//!
//! How: time is cut into ticks of [`TICK`] (10 ms) counted from the wheel's
//! epoch, and tick `k` lives in slot `k mod SLOTS`. A site's deadline is
//! rounded *up* to a tick and stored per site; arming pushes the site's index
//! into that tick's slot. Entries are deleted lazily: when a slot is
//! processed, an entry fires only if it is its site's current deadline and
//! that deadline has come; an entry whose site was re-armed elsewhere or
//! cancelled is dropped, and one for a later turn of the wheel stays. So a
//! site never fires early (a tick is processed only once its end has passed,
//! and deadlines round up), fires at most 10 ms plus scheduling late, and
//! fires once per arming however many stale entries it left behind.
//!
//! Ticks are kept as wrapping `u32`s (497 days of 10 ms); deadlines are
//! clamped to [`MAX_AHEAD`] (200 days, more than the 100-day longest legal
//! deadline) so that wrapping comparisons stay exact.
//!
//! The pure structure is [`Wheel`] (ticks in, sites out: property-tested);
//! [`Timers`] drives it with one `tokio::time::Sleep`, reset only when the
//! next non-empty slot changes.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::tracker::{SiteIdx, nanos};

mod lists;

use lists::Lists;

/// Resolution of the wheel: deadlines fire up to this much late, never early.
pub const TICK: Duration = Duration::from_millis(10);
const TICK_NS: u64 = TICK.as_nanos() as u64;

/// Slots in the wheel (a power of two, so that slot = tick mod SLOTS also
/// holds for wrapped `u32` ticks): one turn is 16,384 × 10 ms ≈ 164 s, longer
/// than the usual deadlines (45 s late, 90 s offline at a 30 s interval).
/// A longer deadline stays in its slot and is looked at once per turn.
const SLOTS: usize = 1 << 14;

/// Deadlines further ahead are clamped (a site then fires early only in the
/// sense that the tracker finds it not yet due and re-arms it). Keeps every
/// stored tick within 2^31 ticks of the present, as wrapping comparisons need.
pub const MAX_AHEAD: Duration = Duration::from_secs(200 * 24 * 3600);
const MAX_AHEAD_TICKS: u64 = MAX_AHEAD.as_millis() as u64 / TICK.as_millis() as u64;

/// Per-site marks besides a real tick (real ticks avoid these two values).
const UNARMED: u32 = u32::MAX;
const FIRED: u32 = u32::MAX - 1;

/// The timing wheel proper, on whole ticks: no clock, no I/O.
#[derive(Debug)]
pub struct Wheel {
    /// The entries of each slot (site indices).
    slots: Lists,
    /// Each site's armed tick (wrapped), or [`UNARMED`] / [`FIRED`].
    deadlines: Vec<u32>,
    /// The next tick to process; every tick before it has been.
    next: u64,
    /// Entries in all slots, current and stale.
    entries: usize,
    /// Sites with a deadline not yet fired.
    armed: usize,
    /// Sites whose deadline has come, in firing order, not yet taken.
    due: VecDeque<SiteIdx>,
    /// The answer of [`Wheel::next_busy_tick`] while still valid, so that a
    /// poll of an idle wheel does not scan the slots again.
    busy: Option<u64>,
}

impl Default for Wheel {
    fn default() -> Self {
        Wheel {
            slots: Lists::new(SLOTS),
            deadlines: Vec::new(),
            next: 0,
            entries: 0,
            armed: 0,
            due: VecDeque::new(),
            busy: None,
        }
    }
}

impl Wheel {
    /// Arms, moves (with a tick), or cancels (with `None`) the site's deadline.
    /// A tick already processed means "at the next tick processed".
    pub fn set(&mut self, site: SiteIdx, tick: Option<u64>) {
        let i = site as usize;
        if self.deadlines.len() <= i {
            self.deadlines.resize(i + 1, UNARMED);
        }
        let current = self.deadlines[i];
        let Some(tick) = tick else {
            if current != UNARMED && current != FIRED {
                self.armed -= 1;
            }
            // Its entries are dropped when their slots come round; a fired
            // site not yet taken is not delivered.
            self.deadlines[i] = UNARMED;
            return;
        };
        let mut tick = tick.clamp(self.next, self.next + MAX_AHEAD_TICKS);
        if matches!(tick as u32, UNARMED | FIRED) {
            // One or two ticks later, once in 497 days: late, never early.
            tick += 2;
        }
        let wrapped = tick as u32;
        if current == wrapped {
            // Its entry is in that slot already.
            return;
        }
        if current == UNARMED || current == FIRED {
            self.armed += 1;
        }
        self.deadlines[i] = wrapped;
        self.slots.push(slot(tick), site);
        self.entries += 1;
        // Only removals (in `advance`) can make the cached answer later.
        self.busy = self.busy.map(|busy| busy.min(tick));
    }

    /// Processes every tick up to and including `now` (ticks whose end has
    /// passed), queueing the sites found due.
    pub fn advance(&mut self, now: u64) {
        if now < self.next {
            return;
        }
        if now - self.next >= SLOTS as u64 {
            // Far behind (the process was stopped): one pass over every slot.
            for s in 0..SLOTS {
                self.process(s, now);
            }
        } else {
            for tick in self.next..=now {
                self.process(slot(tick), now);
            }
        }
        self.next = now + 1;
        self.busy = None;
    }

    fn process(&mut self, s: usize, now: u64) {
        if self.slots.len(s) == 0 {
            return;
        }
        let (deadlines, due, armed) = (&mut self.deadlines, &mut self.due, &mut self.armed);
        let removed = self.slots.retain(s, |site| {
            let d = deadlines[site as usize];
            if d == UNARMED || d == FIRED {
                return false;
            }
            // Signed distance in ticks; |distance| < 2^31 by the clamp.
            let ahead = d.wrapping_sub(now as u32) as i32;
            if ahead <= 0 {
                deadlines[site as usize] = FIRED;
                *armed -= 1;
                due.push_back(site);
                return false;
            }
            // Still to come: keep it only if this is the slot of that deadline
            // (a later turn of the wheel), else the site has a newer entry.
            slot(u64::from(d)) == s
        });
        self.entries -= removed;
    }

    /// The next site whose deadline has come (after [`Wheel::advance`]).
    pub fn take(&mut self) -> Option<SiteIdx> {
        while let Some(site) = self.due.pop_front() {
            let d = &mut self.deadlines[site as usize];
            // Re-armed or cancelled since it fired: not due any more.
            if *d == FIRED {
                *d = UNARMED;
                return Some(site);
            }
        }
        None
    }

    /// The first tick from `next` on whose slot has entries, if any.
    pub fn next_busy_tick(&mut self) -> Option<u64> {
        if self.entries == 0 {
            return None;
        }
        if self.busy.is_none() {
            self.busy =
                (self.next..self.next + SLOTS as u64).find(|&t| self.slots.len(slot(t)) > 0);
        }
        self.busy
    }

    /// Sites armed and not yet fired.
    pub fn len(&self) -> usize {
        self.armed
    }

    pub fn is_empty(&self) -> bool {
        self.armed == 0
    }

    /// Entries in the slots, current and stale (what the wheel's memory holds).
    pub fn entries(&self) -> usize {
        self.entries
    }
}

#[cfg(test)]
impl Wheel {
    /// A wheel whose clock starts at `tick` (to test the wrap of `u32` ticks).
    fn starting_at(tick: u64) -> Self {
        Wheel {
            next: tick,
            ..Wheel::default()
        }
    }
}

fn slot(tick: u64) -> usize {
    (tick % SLOTS as u64) as usize
}

/// The wheel on real time: deadlines as `Instant`s, expiry as a future.
#[derive(Debug)]
pub struct Timers {
    epoch: Instant,
    wheel: Wheel,
    /// Created on first use (a `Sleep` needs the runtime), reset as needed.
    sleep: Option<Pin<Box<Sleep>>>,
    /// The tick `sleep` is set for.
    sleep_tick: u64,
}

impl Default for Timers {
    fn default() -> Self {
        Timers::new()
    }
}

impl Timers {
    pub fn new() -> Self {
        Timers {
            epoch: Instant::now(),
            wheel: Wheel::default(),
            sleep: None,
            sleep_tick: u64::MAX,
        }
    }

    /// Arms, moves, or (with `None`) cancels the site's deadline.
    pub fn set(&mut self, site: SiteIdx, at: Option<Instant>) {
        let tick = at.map(|at| self.tick_ceil(at));
        self.wheel.set(site, tick);
    }

    pub fn len(&self) -> usize {
        self.wheel.len()
    }

    pub fn is_empty(&self) -> bool {
        self.wheel.is_empty()
    }

    /// The next site whose deadline passed; pending while none is armed
    /// (callers re-poll after arming, as a `select!` loop does).
    pub async fn expired(&mut self) -> SiteIdx {
        poll_fn(|cx| self.poll_expired(cx)).await
    }

    /// Another site already due, without waiting (to drain a busy tick).
    pub fn try_expired(&mut self) -> Option<SiteIdx> {
        self.wheel.take()
    }

    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<SiteIdx> {
        loop {
            if let Some(site) = self.wheel.take() {
                return Poll::Ready(site);
            }
            let now = self.tick_floor(Instant::now());
            if self.wheel.next <= now {
                self.wheel.advance(now);
                continue;
            }
            let Some(tick) = self.wheel.next_busy_tick() else {
                return Poll::Pending;
            };
            let at = self.instant(tick);
            let sleep = self
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if self.sleep_tick != tick {
                sleep.as_mut().reset(at);
                self.sleep_tick = tick;
            }
            match sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    // Processed on the next turn of the loop; `Sleep` may wake
                    // a little before the tick ends by `Instant`'s rounding,
                    // in which case the loop sleeps again for that remainder.
                    self.sleep_tick = u64::MAX;
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// The tick whose end is at or after `at`: firing then is never early.
    fn tick_ceil(&self, at: Instant) -> u64 {
        nanos(at.saturating_duration_since(self.epoch)).div_ceil(TICK_NS)
    }

    /// The last tick whose end has passed at `now`.
    fn tick_floor(&self, now: Instant) -> u64 {
        nanos(now.saturating_duration_since(self.epoch)) / TICK_NS
    }

    fn instant(&self, tick: u64) -> Instant {
        let ms = tick.saturating_mul(TICK.as_millis() as u64);
        self.epoch + Duration::from_millis(ms)
    }
}

#[cfg(test)]
mod tests;
