use super::*;
use healthmon_test_support::fixtures::offline_event;

/// `site` turned `c` (from online) at `at_ms`, without reasons.
fn event(site: &str, c: Connectivity, at_ms: u64) -> StatusEvent {
    StatusEvent {
        connectivity: c,
        reasons: vec![],
        ..offline_event(site, at_ms)
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
