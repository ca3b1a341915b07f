use super::*;
use proptest::prelude::*;

fn key(c: Connectivity, h: Health, m: bool) -> OrderKey {
    OrderKey::new(c, h, m)
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
}

fn arb_status() -> impl Strategy<Value = (Connectivity, Health, bool)> {
    (
        proptest::sample::select(Connectivity::ALL.to_vec()),
        proptest::sample::select(Health::ALL.to_vec()),
        any::<bool>(),
    )
}

proptest! {
    #[test]
    fn both_orders_match_a_full_sort(
        sites in proptest::collection::btree_map("[a-z]{1,6}", arb_status(), 0..60)
    ) {
        let mut o = Order::default();
        for (id, (c, h, m)) in &sites {
            o.insert(key(*c, *h, *m), id);
        }
        let mut want: Vec<(u8, &str)> = sites
            .iter()
            .map(|(id, (c, h, m))| (SortOrder::Severity.rank(*c, *h, *m), id.as_str()))
            .collect();
        want.sort();
        let got: Vec<&str> = o.by_severity().map(|(id, _, _)| id).collect();
        prop_assert_eq!(got, want.iter().map(|(_, id)| *id).collect::<Vec<_>>());
        let by_id: Vec<&str> = o.by_id().map(|(id, _, _)| id).collect();
        prop_assert_eq!(by_id, sites.keys().map(String::as_str).collect::<Vec<_>>());
    }
}
