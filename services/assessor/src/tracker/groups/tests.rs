use super::*;

fn rule() -> IncidentRule {
    IncidentRule::default()
}

/// A grouping by `label` with these `(site, value, silent)` set in order, as
/// the sites' own reports label them.
fn grouped(label: &str, sites: &[(SiteIdx, &str, bool)]) -> Grouping {
    let mut g = Grouping::new(label);
    for &(site, value, silent) in sites {
        g.set_own(site, Some(value), silent);
    }
    g
}

#[test]
fn members_follow_label_changes_and_the_registry_wins() {
    let mut g = grouped(
        "leaf",
        &[(3, "eu-1", false), (1, "eu-1", false), (2, "us-1", false)],
    );
    assert_eq!(g.members("eu-1"), [1, 3]);
    g.set_own(3, Some("us-1"), false);
    g.set_own(1, None, false);
    assert_eq!(g.members("eu-1"), Vec::<SiteIdx>::new());
    assert_eq!(g.members("us-1"), [2, 3]);
    g.set_registry(2, Some("eu-1"), false);
    g.set_own(2, Some("us-1"), false);
    assert_eq!((g.members("eu-1"), g.members("us-1")), (vec![2], vec![3]));
    g.set_registry(2, None, false);
    assert_eq!(g.members("us-1"), [2, 3]);
}

#[test]
fn a_group_incident_opens_when_enough_fall_silent_and_closes_when_they_are_back() {
    let mut g = Grouping::new("region");
    for site in 0..6 {
        g.set_own(site, Some("north"), false);
    }
    g.set_own(9, Some("south"), true);
    for site in 0..2 {
        g.silence(site, true);
        assert_eq!(g.judge("north", &rule(), true, 10), None);
    }
    g.silence(2, true);
    let opened = g.judge("north", &rule(), true, 20).expect("3 of 6 open it");
    assert_eq!(
        (opened.id.as_str(), opened.kind.as_str(), opened.state),
        ("region=north", "group", IncidentState::Open)
    );
    assert_eq!((opened.sites, opened.silent, opened.at_ms), (6, 3, 20));
    assert_eq!(opened.reason, "3 of 6 sites with region=north fell silent");
    assert_eq!(g.judge("north", &rule(), true, 21), None, "said once");
    // Two come back: one silent of six is below half of half.
    g.silence(0, false);
    assert_eq!(
        g.judge("north", &rule(), true, 30),
        None,
        "2 of 6 stay open"
    );
    g.silence(1, false);
    let closed = g.judge("north", &rule(), true, 40).expect("closed");
    assert_eq!(
        (closed.state, closed.closed_ms, closed.at_ms, closed.silent),
        (IncidentState::Closed, Some(40), 20, 1)
    );
    assert!(g.open_incidents().is_empty());
}

#[test]
fn no_group_incident_opens_while_the_centre_suspects_itself() {
    let mut g = Grouping::new("region");
    for site in 0..3 {
        g.set_own(site, Some("north"), true);
    }
    assert_eq!(g.judge("north", &rule(), false, 1), None);
    assert!(g.judge("north", &rule(), true, 2).is_some());
}

#[test]
fn a_lost_link_opens_at_once_and_a_refresh_closes_what_membership_ended() {
    let mut g = grouped("leaf", &[(1, "eu-1", false)]);
    assert_eq!(
        g.open_link("us-1", 5, 0, "link leaf us-1 lost"),
        None,
        "nobody behind it"
    );
    let link = g
        .open_link("eu-1", 5, 1, "link leaf eu-1 lost at 00:00:00 UTC")
        .unwrap();
    assert_eq!(
        (link.id.as_str(), link.kind.as_str()),
        ("leaf=eu-1", "link")
    );
    assert_eq!(
        link.reason,
        "link leaf eu-1 lost at 00:00:00 UTC, 1 sites behind it"
    );
    g.silence(1, true);
    assert_eq!(
        g.open_incidents(),
        [Incident {
            silent: 1,
            ..link.clone()
        }]
    );
    // The site moves elsewhere (a registry change): nobody left behind it.
    g.set_registry(1, Some("eu-2"), true);
    let closed = g.judge_open(&rule(), 9);
    assert_eq!(closed.len(), 1);
    assert_eq!(
        (closed[0].state, closed[0].sites),
        (IncidentState::Closed, 0)
    );
    assert!(g.open_incidents().is_empty());
    assert!(!g.groups.contains_key("eu-1"), "an empty group is dropped");
}

#[test]
fn silent_counts_follow_moves_between_groups() {
    let mut g = grouped("region", &[(1, "a", true), (2, "a", false)]);
    g.set_own(1, Some("b"), true);
    assert_eq!((g.groups["a"].silent, g.groups["b"].silent), (0, 1));
    g.silence(2, true);
    g.silence(1, false);
    assert_eq!((g.groups["a"].silent, g.groups["b"].silent), (1, 0));
}
