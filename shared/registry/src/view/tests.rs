use std::collections::BTreeMap;

use healthmon_proto::fleet::{Maintenance, SiteRecord, Source};
use healthmon_test_support::fixtures::maintenance;
use proptest::prelude::*;

use super::*;

fn record(labels: &[(&str, &str)], declared: &[(&str, &str)]) -> SiteRecord {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    SiteRecord {
        labels: map(labels),
        declared_labels: map(declared),
        ..SiteRecord::declared(1, Source::Roster)
    }
}

fn window() -> Maintenance {
    maintenance("alice")
}

#[test]
fn selectors_see_the_registrys_labels_over_the_sites_own() {
    let mut view = FleetView::default();
    view.apply(Change::Site(
        "a".into(),
        Some(record(
            &[("region", "eu")],
            &[("region", "us"), ("tier", "gold")],
        )),
    ));
    view.apply(Change::Site(
        "b".into(),
        Some(record(&[], &[("region", "us")])),
    ));
    view.apply(Change::Maintenance("c".into(), Some(window())));
    let sel = |s: &str| s.parse::<Selector>().unwrap();
    assert_eq!(view.select(&sel("region=eu")), ["a"]);
    assert_eq!(view.select(&sel("region=us")), ["b"]);
    assert_eq!(view.select(&sel("region=eu,tier=gold")), ["a"]);
    assert_eq!(
        view.select(&Selector::default()),
        ["a", "b"],
        "only registered sites"
    );
    assert!(view.selects(&Selector::default(), "unknown-site"));
    assert!(
        !view.selects(&sel("region=eu"), "c"),
        "labels unknown: not selected"
    );
    assert_eq!(view.len(), 2);
    assert!(!view.loaded());
    view.apply(Change::Loaded);
    assert!(view.loaded());
}

#[test]
fn a_site_whose_keys_are_all_deleted_is_gone() {
    let mut view = FleetView::default();
    view.apply(Change::Site("a".into(), Some(record(&[], &[]))));
    view.apply(Change::Maintenance("a".into(), Some(window())));
    view.apply(Change::Site("a".into(), None));
    assert!(!view.is_registered("a"));
    assert!(view.get("a").is_some(), "the window is still there");
    view.apply(Change::Maintenance("a".into(), None));
    assert!(view.get("a").is_none());
    assert!(view.is_empty());
}

proptest! {
    /// Whatever order the changes come in, the view holds the last value
    /// written of each key, and nothing of a site all of whose keys are deleted.
    #[test]
    fn the_view_holds_the_last_write_of_every_key(
        ops in proptest::collection::vec((0..3u8, 0..4u8, any::<bool>()), 0..60)
    ) {
        let mut view = FleetView::default();
        let mut expected: BTreeMap<(u8, u8), bool> = BTreeMap::new();
        for (site, kind, set) in &ops {
            let id = format!("s{site}");
            view.apply(match kind % 3 {
                0 => Change::Site(id, set.then(|| record(&[], &[]))),
                1 => Change::Maintenance(id, set.then(window)),
                _ => Change::Ack(id, None),
            });
            if kind % 3 != 2 {
                expected.insert((*site, kind % 3), *set);
            }
        }
        for site in 0..3u8 {
            let id = format!("s{site}");
            let has = |k| expected.get(&(site, k)).copied().unwrap_or(false);
            prop_assert_eq!(view.is_registered(&id), has(0));
            prop_assert_eq!(view.get(&id).is_some_and(|e| e.maintenance.is_some()), has(1));
            prop_assert_eq!(view.get(&id).is_some(), has(0) || has(1));
        }
        let registered = (0..3u8).filter(|site| expected.get(&(*site, 0)).copied().unwrap_or(false)).count();
        prop_assert_eq!(view.len(), registered);
    }
}
