use std::collections::BTreeMap;

use proptest::prelude::*;

use super::super::{self as roster, Roster, record};
use super::*;
use crate::SiteRecord;

fn declared(labels: &[(&str, &str)], interval_ms: Option<u64>, expected: bool) -> Declared {
    Declared {
        expected,
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        interval_ms,
    }
}

#[test]
fn each_change_reads_as_what_changes() {
    let plan = Plan {
        add: vec![(
            "plant-3".into(),
            declared(&[("region", "eu-west")], Some(30_000), true),
        )],
        change: vec![(
            "plant-1".into(),
            declared(&[("tier", "silver"), ("old", "x")], Some(30_000), true),
            declared(&[("tier", "gold"), ("zone", "b")], Some(300_000), false),
        )],
        remove: vec!["gone-1".into()],
        unchanged: 4,
    };
    assert_eq!(
        describe(&plan, 0),
        "+ plant-3  region=eu-west interval=30s\n\
         ~ plant-1: -old=x; tier: silver -> gold; +zone=b; interval: 30s -> 5m; expected: true -> false\n\
         - gone-1\n\
         1 to add, 1 to change, 1 to remove, 4 unchanged\n"
    );
}

#[test]
fn no_change_says_so_and_sites_left_out_are_counted() {
    let plan = Plan {
        unchanged: 3,
        ..Plan::default()
    };
    assert_eq!(
        describe(&plan, 2),
        "0 changes: the registry matches the file (3 unchanged)\n\
         2 registered sites are not in the file (kept; --prune removes them)\n"
    );
    assert!(describe(&plan, 1).contains("1 registered site is not in the file"));
}

/// Declared sites with few keys, values and intervals, so that what the
/// registry holds and what the file says often overlap.
fn arb_declared() -> impl Strategy<Value = Declared> {
    crate::roster::strategies::declared(
        proptest::collection::btree_map("[a-z][a-z0-9_]{0,6}", "[a-z0-9-]{1,8}", 0..4),
        prop_oneof![Just(30_000u64), Just(60_000), Just(300_000)],
    )
}

proptest! {
    /// Whatever the registry and the file hold: one line per site that
    /// changes, each with its sign, the counts last, and applying the file
    /// to what it describes leaves nothing to do.
    #[test]
    fn the_difference_has_a_line_per_change_and_counts_that_add_up(
        have in proptest::collection::btree_map("[a-z]{1,4}", arb_declared(), 0..12),
        want in proptest::collection::btree_map("[a-z]{1,4}", arb_declared(), 0..12),
        prune in any::<bool>(),
    ) {
        let registered: BTreeMap<String, SiteRecord> = have
            .iter()
            .map(|(id, d)| (id.clone(), record(None, d, 1)))
            .collect();
        let file = Roster { sites: want.clone().into_iter().collect() };
        let plan = roster::plan(&file, &registered, prune);
        let text = describe(&plan, 0);
        let lines: Vec<&str> = text.lines().collect();
        let n = plan.add.len() + plan.change.len() + plan.remove.len();
        prop_assert_eq!(lines.len(), n + 1, "{}", text);
        for (line, sign) in lines.iter().zip(
            std::iter::repeat_n('+', plan.add.len())
                .chain(std::iter::repeat_n('~', plan.change.len()))
                .chain(std::iter::repeat_n('-', plan.remove.len())),
        ) {
            prop_assert!(line.starts_with(sign), "{}", text);
        }
        prop_assert_eq!(plan.add.len() + plan.change.len() + plan.unchanged, want.len());
        // A changed site's line names what changes.
        for line in lines.iter().filter(|l| l.starts_with('~')) {
            prop_assert!(!line.ends_with(": "), "{}", text);
        }
        let applied: BTreeMap<String, SiteRecord> = want
            .iter()
            .map(|(id, d)| (id.clone(), record(registered.get(id).cloned(), d, 2)))
            .chain(if prune { None } else { Some(()) }.into_iter().flat_map(|()| {
                registered
                    .iter()
                    .filter(|(id, _)| !want.contains_key(*id))
                    .map(|(id, r)| (id.clone(), r.clone()))
                    .collect::<Vec<_>>()
            }))
            .collect();
        prop_assert!(roster::plan(&file, &applied, prune).is_empty());
    }
}
