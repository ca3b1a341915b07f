use super::*;
use healthmon_test_support::fixtures::labels;
use proptest::prelude::*;

#[test]
fn every_pair_must_match() {
    let s: Selector = "region=eu-west,tier=gold".parse().unwrap();
    assert!(s.matches(&labels(&[
        ("region", "eu-west"),
        ("tier", "gold"),
        ("x", "y")
    ])));
    assert!(!s.matches(&labels(&[("region", "eu-west")])));
    assert!(!s.matches(&labels(&[("region", "eu-west"), ("tier", "silver")])));
    assert!(Selector::default().matches(&Labels::new()));
}

#[test]
fn parses_and_prints_canonically() {
    let s: Selector = "tier=gold,region=eu-west".parse().unwrap();
    assert_eq!(s.to_string(), "region=eu-west,tier=gold");
    assert_eq!(s.to_string().parse::<Selector>().unwrap(), s);
}

#[test]
fn bad_selectors_say_why() {
    for (bad, why) in [
        ("", "key=value"),
        ("region", "key=value"),
        ("Region=x", "[a-z_]"),
        ("site=x", "reserved"),
        ("region=", "printable"),
        (" region=x", "[a-z_]"),
    ] {
        let e = bad.parse::<Selector>().unwrap_err().to_string();
        assert!(e.contains(why), "{bad:?}: {e}");
    }
    // The same pair twice is harmless; two values of a key select nothing.
    assert_eq!("a=1,a=1".parse::<Selector>().unwrap().to_string(), "a=1");
    let neither: Selector = "a=1,a=2".parse().unwrap();
    assert!(!neither.matches(&labels(&[("a", "1")])));
    assert_eq!(neither.labels(), None);
    assert_eq!(
        "a=1,b=2".parse::<Selector>().unwrap().labels(),
        Some(labels(&[("a", "1"), ("b", "2")]))
    );
}

#[test]
fn selectors_combine_as_and() {
    let a: Selector = "region=eu".parse().unwrap();
    let b: Selector = "tier=gold".parse().unwrap();
    assert_eq!(a.clone().and(&b).to_string(), "region=eu,tier=gold");
    let c: Selector = "region=us".parse().unwrap();
    let both = a.and(&c);
    assert!(
        !both.matches(&labels(&[("region", "eu")])),
        "contradictory: nothing"
    );
}

proptest! {
    #[test]
    fn a_selector_of_a_sites_own_labels_matches_it(
        own in proptest::collection::btree_map("[a-r][a-z0-9_]{0,8}", "[a-z0-9-]{1,12}", 1..6),
        extra in proptest::collection::btree_map("[s-z][a-z0-9_]{0,8}", "[a-z0-9-]{1,12}", 0..4),
    ) {
        let text: Vec<String> = own.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let selector: Selector = text.join(",").parse().unwrap();
        let mut site = own.clone();
        site.extend(extra.clone());
        prop_assert!(selector.matches(&site));
        // Changing any selected value breaks the match.
        for key in own.keys() {
            let mut other = site.clone();
            other.insert(key.clone(), "changed-value".into());
            prop_assert!(!selector.matches(&other));
        }
    }
}
