use super::*;
use healthmon_proto::query::SiteSummary;
use proptest::prelude::*;

fn key(c: Connectivity, h: Health, m: bool) -> OrderKey {
    OrderKey::new(c, h, m, false, Some(0))
}

#[test]
fn counts_follow_changes() {
    let mut o = Order::default();
    let healthy = key(Connectivity::Online, Health::Healthy, false);
    let offline = key(Connectivity::Offline, Health::Healthy, false);
    o.insert(healthy, "a");
    o.insert(healthy, "b");
    o.change(healthy, offline, "b");
    assert_eq!(o.count(Connectivity::Online, Health::Healthy, false), 1);
    assert_eq!(o.count(Connectivity::Offline, Health::Healthy, false), 1);
    o.remove(offline, "b");
    o.remove(offline, "b");
    assert_eq!(o.count(Connectivity::Offline, Health::Healthy, false), 0);
    assert_eq!(o.len(), 1);
    assert_eq!(o.by_id().count(), 1);
}

/// A problem that started earlier moves ahead of one of the same rank that
/// started later, and back by id once it is over.
#[test]
fn time_orders_problems_and_only_problems() {
    let mut o = Order::default();
    let at = |c, h, since| OrderKey::new(c, h, false, false, Some(since));
    o.insert(at(Connectivity::Offline, Health::Healthy, 500), "a");
    o.insert(at(Connectivity::Offline, Health::Healthy, 100), "b");
    o.insert(at(Connectivity::Online, Health::Healthy, 900), "c");
    o.insert(at(Connectivity::Online, Health::Healthy, 1), "d");
    let ids = |o: &Order| {
        o.by_severity()
            .map(|(id, _, _)| id.to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&o), ["b", "a", "c", "d"]);
    o.change(
        at(Connectivity::Offline, Health::Healthy, 100),
        at(Connectivity::Online, Health::Healthy, 1000),
        "b",
    );
    assert_eq!(ids(&o), ["a", "b", "c", "d"]);
    let by_id: Vec<&str> = o.by_id().map(|(id, _, _)| id).collect();
    assert_eq!(by_id, ["a", "b", "c", "d"]);
}

/// An acknowledgement moves a problem below the unacknowledged ones of its
/// rank, and back when it no longer applies; the acknowledged are counted.
#[test]
fn acknowledged_problems_go_below_their_rank_and_back() {
    let mut o = Order::default();
    let offline = |acked, since| {
        OrderKey::new(
            Connectivity::Offline,
            Health::Healthy,
            false,
            acked,
            Some(since),
        )
    };
    o.insert(offline(false, 100), "old");
    o.insert(offline(false, 500), "new");
    o.insert(key(Connectivity::Online, Health::Critical, false), "crit");
    let ids = |o: &Order| {
        o.by_severity()
            .map(|(id, _, _)| id.to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&o), ["old", "new", "crit"]);
    o.change(offline(false, 100), offline(true, 100), "old");
    assert_eq!(ids(&o), ["new", "old", "crit"], "below, still above rank 3");
    assert_eq!(
        o.count_acknowledged(Connectivity::Offline, Health::Healthy),
        1
    );
    assert_eq!(o.count(Connectivity::Offline, Health::Healthy, false), 2);
    // Its state changes (a new since): the acknowledgement no longer applies.
    o.change(offline(true, 100), offline(false, 900), "old");
    assert_eq!(ids(&o), ["new", "old", "crit"]);
    assert_eq!(
        o.count_acknowledged(Connectivity::Offline, Health::Healthy),
        0
    );
    let by_id: Vec<&str> = o.by_id().map(|(id, _, _)| id).collect();
    assert_eq!(by_id, ["crit", "new", "old"]);
}

/// Connectivity, health, maintenance, acknowledged, since.
type Status = (Connectivity, Health, bool, bool, Option<u64>);

fn arb_status() -> impl Strategy<Value = Status> {
    (
        proptest::sample::select(Connectivity::ALL.to_vec()),
        proptest::sample::select(Health::ALL.to_vec()),
        any::<bool>(),
        any::<bool>(),
        // Few distinct times, so ties (broken by id) are common.
        proptest::option::of(0u64..5),
    )
}

fn row(id: &str, (c, h, m, acked, since): Status) -> SiteSummary {
    let mut row = SiteSummary::new(id, c, h);
    row.maintenance = m;
    row.acknowledged = acked;
    row.status_since_ms = since;
    row
}

fn key_of((c, h, m, acked, since): Status) -> OrderKey {
    OrderKey::new(c, h, m, acked, since)
}

/// The order `SortOrder::compare` gives, by a full sort of the rows.
fn full_sort(sites: &BTreeMap<String, Status>, sort: SortOrder) -> Vec<String> {
    let mut rows: Vec<SiteSummary> = sites.iter().map(|(id, s)| row(id, *s)).collect();
    rows.sort_by(|a, b| sort.compare(a, b));
    rows.into_iter().map(|r| r.site_id).collect()
}

fn insert(o: &mut Order, id: &str, status: Status) {
    o.insert(key_of(status), id);
}

proptest! {
    #[test]
    fn both_orders_match_a_full_sort(
        sites in proptest::collection::btree_map("[a-z]{1,6}", arb_status(), 0..60)
    ) {
        let mut o = Order::default();
        for (id, status) in &sites {
            insert(&mut o, id, *status);
        }
        let got: Vec<&str> = o.by_severity().map(|(id, _, _)| id).collect();
        prop_assert_eq!(got, full_sort(&sites, SortOrder::Severity));
        let by_id: Vec<&str> = o.by_id().map(|(id, _, _)| id).collect();
        prop_assert_eq!(&by_id, &full_sort(&sites, SortOrder::SiteId));
        prop_assert_eq!(by_id, sites.keys().map(String::as_str).collect::<Vec<_>>());
        // Everything but the healthy online sites outside maintenance.
        let mut outside: Vec<&str> = o.outside_healthy().map(|(id, _, _)| id).collect();
        outside.sort_unstable();
        let want: Vec<&str> = sites
            .iter()
            .filter(|(_, s)| s.2 || (s.0, s.1) != (Connectivity::Online, Health::Healthy))
            .map(|(id, _)| id.as_str())
            .collect();
        prop_assert_eq!(outside, want);
    }

    /// Statuses change (and with them the time a problem began) in any
    /// order; the index still matches a full sort of the final statuses.
    #[test]
    fn changes_keep_the_index_in_step(
        first in proptest::collection::btree_map("[a-f]{1,3}", arb_status(), 0..30),
        changes in proptest::collection::vec(("[a-f]{1,3}", arb_status()), 0..60),
    ) {
        let mut o = Order::default();
        let mut sites = first;
        for (id, status) in &sites {
            insert(&mut o, id, *status);
        }
        for (id, after) in changes {
            let after_key = key_of(after);
            match sites.insert(id.clone(), after) {
                Some(before) => o.change(key_of(before), after_key, &id),
                None => o.insert(after_key, &id),
            }
        }
        prop_assert_eq!(o.len(), sites.len());
        let got: Vec<&str> = o.by_severity().map(|(id, _, _)| id).collect();
        prop_assert_eq!(got, full_sort(&sites, SortOrder::Severity));
        let by_id: Vec<&str> = o.by_id().map(|(id, _, _)| id).collect();
        prop_assert_eq!(by_id, sites.keys().map(String::as_str).collect::<Vec<_>>());
        for c in Connectivity::ALL {
            for h in Health::ALL {
                for m in [false, true] {
                    let want = sites.values().filter(|s| (s.0, s.1, s.2) == (c, h, m)).count();
                    prop_assert_eq!(o.count(c, h, m), want);
                }
                let acked = sites.values().filter(|s| (s.0, s.1, s.3) == (c, h, true)).count();
                prop_assert_eq!(o.count_acknowledged(c, h), acked);
            }
        }
    }
}
