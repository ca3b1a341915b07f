//! What a follower replica would have announced, kept so that a takeover is
//! seamless: no change is lost and none is announced twice (no I/O here).
//!
//! A follower judges every site like the leader but publishes nothing. It
//! also hears the leader's status events. Per site it remembers the last
//! state the leader published and, when its own judgement differs, the event
//! it held back. The leader's event for the same state clears it. On
//! becoming leader, the held-back events that the old leader never published
//! (e.g. a site went offline while the old leader was dead) are published.
//! What the leader published before this replica listened comes from the
//! aggregator's site list at start-up ([`Followed::seed`]).

use std::collections::HashMap;

use healthmon_proto::{Connectivity, Health, StatusEvent};

type State = (Connectivity, Health);

fn state(event: &StatusEvent) -> State {
    (event.connectivity, event.health)
}

#[derive(Debug, Default)]
pub struct Followed {
    published: HashMap<String, State>,
    held: HashMap<String, StatusEvent>,
}

impl Followed {
    /// An event this replica would publish if it led.
    pub fn hold(&mut self, event: &StatusEvent) {
        if self.published.get(&event.site_id) == Some(&state(event)) {
            self.held.remove(&event.site_id);
        } else {
            self.held.insert(event.site_id.clone(), event.clone());
        }
    }

    /// An event seen on the status subject (the leader's, or our own).
    pub fn published(&mut self, event: &StatusEvent) {
        if self
            .held
            .get(&event.site_id)
            .is_some_and(|held| state(held) == state(event))
        {
            self.held.remove(&event.site_id);
        }
        self.published.insert(event.site_id.clone(), state(event));
    }

    /// What the aggregator shows for a site at start-up: the state the leader
    /// published before this replica was listening (events heard since win).
    pub fn seed(&mut self, site: &str, connectivity: Connectivity, health: Health) {
        let shown = *self
            .published
            .entry(site.to_owned())
            .or_insert((connectivity, health));
        if self.held.get(site).is_some_and(|held| state(held) == shown) {
            self.held.remove(site);
        }
    }

    /// On becoming leader: the held-back events nobody published, oldest first.
    pub fn take_unpublished(&mut self) -> Vec<StatusEvent> {
        let mut events: Vec<StatusEvent> = self.held.drain().map(|(_, e)| e).collect();
        events.sort_by_key(|e| e.at_ms);
        events
    }

    pub fn held(&self) -> usize {
        self.held.len()
    }
}

#[cfg(test)]
mod tests;
