use std::collections::BTreeMap;

use healthmon_registry::SiteRecord;
use proptest::prelude::*;

use super::*;

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

#[test]
fn a_bad_file_names_the_file_and_the_line() {
    let dir = healthmon_test_support::TempDir::new("cli-roster").unwrap();
    let path = dir.path.join("fleet.toml");
    std::fs::write(&path, "[[site]]\nid = \"a\"\ncolour = \"red\"\n").unwrap();
    let e = read_roster(&path).unwrap_err();
    assert!(
        e.starts_with(&format!("{}:3: unknown field `colour`", path.display())),
        "{e}"
    );
    let e = read_roster(&dir.path.join("missing.toml")).unwrap_err();
    assert!(e.contains("missing.toml: cannot read it"), "{e}");
    std::fs::write(&path, "[[site]]\nid = \"a\"\n").unwrap();
    assert_eq!(read_roster(&path).unwrap().roster.sites.len(), 1);
}

#[test]
fn the_applier_is_named_by_the_passwd_line_of_its_uid() {
    let passwd = "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/sh\n";
    assert_eq!(passwd_name(passwd, "1000").as_deref(), Some("ops"));
    assert_eq!(passwd_name(passwd, "0").as_deref(), Some("root"));
    assert_eq!(passwd_name(passwd, "7"), None);
    assert_eq!(Applier::here(Some("nats-ops")).who, "nats-ops");
}

/// Declared sites with few keys, values and intervals, so that what the
/// registry holds and what the file says often overlap.
fn arb_declared() -> impl Strategy<Value = Declared> {
    healthmon_registry::roster::strategies::declared(
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
            .map(|(id, d)| (id.clone(), roster::record(None, d, 1)))
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
            .map(|(id, d)| (id.clone(), roster::record(registered.get(id).cloned(), d, 2)))
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
