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
mod tests {
    use super::*;

    fn event(site: &str, c: Connectivity, at_ms: u64) -> StatusEvent {
        StatusEvent {
            v: 1,
            site_id: site.into(),
            at_ms,
            connectivity: c,
            previous_connectivity: Connectivity::Online,
            health: Health::Healthy,
            previous_health: Health::Healthy,
            reasons: vec![],
            last_report_ms: None,
        }
    }

    #[test]
    fn leader_event_before_or_after_ours_clears_it() {
        let mut f = Followed::default();
        // Leader first, then our own judgement of the same change.
        f.published(&event("a", Connectivity::Offline, 1));
        f.hold(&event("a", Connectivity::Offline, 2));
        // Ours first, then the leader's.
        f.hold(&event("b", Connectivity::Late, 3));
        f.published(&event("b", Connectivity::Late, 4));
        assert_eq!(f.held(), 0);
        assert!(f.take_unpublished().is_empty());
    }

    #[test]
    fn changes_the_dead_leader_missed_are_published_on_takeover() {
        let mut f = Followed::default();
        f.published(&event("a", Connectivity::Online, 1));
        f.hold(&event("b", Connectivity::Offline, 7));
        f.hold(&event("a", Connectivity::Late, 5));
        // A leader event for another state does not clear ours.
        f.published(&event("a", Connectivity::Online, 6));
        let out = f.take_unpublished();
        let sites: Vec<_> = out.iter().map(|e| e.site_id.as_str()).collect();
        assert_eq!(sites, ["a", "b"], "oldest first");
        assert!(f.take_unpublished().is_empty());
    }

    #[test]
    fn what_the_aggregator_showed_at_start_counts_as_published() {
        let mut f = Followed::default();
        // Our first judgement of a site the leader announced before we started.
        f.hold(&event("a", Connectivity::Online, 1));
        f.seed("a", Connectivity::Online, Health::Healthy);
        // An event heard before the seed arrived is newer than the seed.
        f.published(&event("b", Connectivity::Offline, 2));
        f.seed("b", Connectivity::Online, Health::Healthy);
        f.hold(&event("b", Connectivity::Offline, 3));
        assert!(f.take_unpublished().is_empty());
    }

    #[test]
    fn a_newer_held_event_replaces_the_older_and_a_return_clears_it() {
        let mut f = Followed::default();
        f.published(&event("a", Connectivity::Online, 1));
        f.hold(&event("a", Connectivity::Late, 2));
        f.hold(&event("a", Connectivity::Offline, 3));
        assert_eq!(f.held(), 1);
        // Back to what the leader last published: nothing to announce.
        f.hold(&event("a", Connectivity::Online, 4));
        assert!(f.take_unpublished().is_empty());
    }
}
