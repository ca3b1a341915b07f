use super::*;
use healthmon_test_support::fixtures::labels;
use proptest::prelude::*;

const ROSTER: &str = r#"# the demo fleet
[defaults]
labels = { customer = "acme" }
interval = "30s"

[[site]]
id = "plant-1"
labels = { region = "eu-west", tier = "gold" }

[[site]]
id = "plant-2"
labels = { region = "us-east", customer = "globex" }
interval = "5m"
expected = false
"#;

#[test]
fn defaults_apply_and_a_site_overrides_them() {
    let roster = parse(ROSTER).unwrap();
    assert_eq!(roster.sites.len(), 2);
    let (id, one) = &roster.sites[0];
    assert_eq!(id, "plant-1");
    assert_eq!(
        one.labels,
        labels(&[
            ("customer", "acme"),
            ("region", "eu-west"),
            ("tier", "gold")
        ])
    );
    assert_eq!((one.interval_ms, one.expected), (Some(30_000), true));
    let (_, two) = &roster.sites[1];
    assert_eq!(two.labels["customer"], "globex");
    assert_eq!((two.interval_ms, two.expected), (Some(300_000), false));
}

#[test]
fn a_broken_file_names_the_line_and_what_is_expected() {
    for (text, line, why) in [
        (
            "[[site]]\nid = \"a\"\ncolour = \"red\"\n",
            3,
            "unknown field `colour`, expected one of `id`, `labels`, `interval`, `expected`",
        ),
        (
            "[[site]]\nid = \"a\"\nlabels = { Region = \"x\" }\n",
            3,
            "[a-z_]",
        ),
        (
            "[[site]]\nid = \"a\"\nlabels = { region = \"\" }\n",
            3,
            "value must be 1-64 printable characters",
        ),
        (
            "[[site]]\nid = \"a\"\nlabels = { region = 7 }\n",
            3,
            "labels: invalid type: integer `7`, expected a string",
        ),
        (
            "[[site]]\nid = \"a\"\n\n[[site]]\nid = \"a\"\n",
            5,
            "declared twice (first at line 2)",
        ),
        ("[[site]]\nid = \"a.b\"\n", 2, "may contain only"),
        ("[[site]]\nlabels = {}\n", 1, "needs an id"),
        (
            "[[site]]\nid = \"a\"\ninterval = \"soon\"\n",
            3,
            "expected e.g. 30s",
        ),
        (
            "[[site]]\nid = \"a\"\ninterval = \"10ms\"\n",
            3,
            "interval must be within",
        ),
        (
            "[[site]]\nid = \"a\"\nexpected = \"yes\"\n",
            3,
            "expected: invalid type: string \"yes\", expected a boolean",
        ),
        ("[[site]\n", 1, ""),
        (
            "[defaults]\nlabels = { site = \"x\" }\n[[site]]\nid = \"a\"\n",
            2,
            "reserved",
        ),
        ("[defaults]\ninterval = \"3d\"\n", 2, "[defaults] interval"),
        ("[defaults]\nid = \"x\"\n", 2, "may not name an id"),
        ("[site]\nid = \"x\"\n", 1, "invalid type"),
        ("[[sites]]\nid = \"x\"\n", 1, "unknown field `sites`"),
    ] {
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.message.contains(why), "{text:?}: {e}");
    }
    // More labels than a site may carry, counting the defaults: the site's
    // own labels line is named.
    let defaults: Vec<String> = (0..10).map(|i| format!("d{i} = \"x\"")).collect();
    let own: Vec<String> = (0..10).map(|i| format!("s{i} = \"x\"")).collect();
    let text = format!(
        "[defaults]\nlabels = {{ {} }}\n\n[[site]]\nid = \"a\"\nlabels = {{ {} }}\n",
        defaults.join(", "),
        own.join(", ")
    );
    let e = parse(&text).unwrap_err();
    assert_eq!(e.line, 6, "{e}");
    assert!(e.message.contains("at most 16 labels"), "{e}");
}

fn registered(roster: &Roster) -> BTreeMap<String, SiteRecord> {
    roster
        .sites
        .iter()
        .map(|(id, d)| (id.clone(), record(None, d, 1_700_000_000_000)))
        .collect()
}

#[test]
fn plan_adds_changes_and_prunes_only_when_asked() {
    let roster = parse(ROSTER).unwrap();
    let mut have = registered(&roster);
    have.get_mut("plant-1")
        .unwrap()
        .labels
        .insert("tier".into(), "silver".into());
    have.remove("plant-2");
    have.insert("old-site".into(), SiteRecord::declared(1, Source::Report));

    let p = plan(&roster, &have, false);
    assert_eq!(p.add.len(), 1);
    assert_eq!(p.add[0].0, "plant-2");
    assert_eq!(p.change.len(), 1);
    assert_eq!(p.change[0].2.labels["tier"], "gold");
    assert!(p.remove.is_empty());
    assert_eq!(
        plan(&roster, &have, true).remove,
        vec!["old-site".to_owned()]
    );
    let text = describe(&p, 0);
    assert!(
        text.contains("+ plant-2") && text.contains("~ plant-1"),
        "{text}"
    );
}

#[test]
fn applying_keeps_what_the_roster_does_not_declare() {
    let mut current = SiteRecord::declared(5, Source::Report);
    current.first_report_ms = Some(6);
    current.declared_interval_ms = Some(30_000);
    let declared = Declared {
        expected: true,
        labels: labels(&[("region", "eu")]),
        interval_ms: Some(60_000),
    };
    let next = record(Some(current.clone()), &declared, 99);
    assert_eq!((next.registered_ms, next.first_report_ms), (5, Some(6)));
    assert_eq!(next.declared_interval_ms, Some(30_000));
    assert_eq!(next.labels["region"], "eu");
}

#[test]
fn export_then_apply_changes_nothing() {
    let have = registered(&parse(ROSTER).unwrap());
    let exported = export(&have);
    let again = parse(&exported).unwrap();
    let p = plan(&again, &have, true);
    assert!(p.is_empty(), "{exported}\n{}", describe(&p, 0));
}

/// Declared sites with any printable label values (quotes and backslashes
/// aside) and any valid interval: what an export must write back.
fn arb_declared() -> impl Strategy<Value = Declared> {
    strategies::declared(
        proptest::collection::btree_map("[a-z_][a-z0-9_]{0,10}", "[ -~&&[^\"\\\\]]{1,20}", 0..5),
        100u64..=86_400_000,
    )
}

proptest! {
    #[test]
    fn any_registry_exports_to_a_roster_that_applies_as_a_no_op(
        sites in proptest::collection::btree_map("[A-Za-z0-9_-]{1,20}", arb_declared(), 0..30)
    ) {
        let have: BTreeMap<String, SiteRecord> = sites
            .iter()
            .map(|(id, d)| (id.clone(), record(None, d, 1)))
            .collect();
        let again = parse(&export(&have)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let p = plan(&again, &have, true);
        prop_assert!(p.is_empty(), "{}", describe(&p, 0));
    }

    #[test]
    fn any_text_either_parses_or_names_a_line_within_the_file(text in "[\\[\\]a-z=\"{}0-9 .\n_-]{0,120}") {
        match parse(&text) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.line <= text.lines().count() + 1, "{e}"),
        }
    }
}
