use super::*;
use crate::fixtures::labels;
use proptest::prelude::*;

#[test]
fn keys_follow_the_prometheus_friendly_rule() {
    for good in ["region", "_x", "tier_2", &"a".repeat(32)] {
        assert_eq!(check_key(good), Ok(()), "{good}");
    }
    for bad in ["", "Region", "2tier", "a-b", "a.b", "é", &"a".repeat(33)] {
        assert!(
            matches!(check_key(bad), Err(LabelError::BadKey(_))),
            "{bad}"
        );
    }
    for reserved in ["site", "__name__", "__x"] {
        assert_eq!(
            check_key(reserved),
            Err(LabelError::ReservedKey(reserved.into()))
        );
    }
}

#[test]
fn values_are_short_and_printable() {
    assert!(check_value("k", "eu-west 1").is_ok());
    assert!(check_value("k", &"é".repeat(64)).is_ok());
    for bad in ["", "a\nb", "tab\there", &"v".repeat(65)] {
        assert!(check_value("k", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn at_most_sixteen() {
    let many: Labels = (0..17).map(|i| (format!("k{i}"), "v".into())).collect();
    assert_eq!(check(&many), Err(LabelError::TooMany(17)));
}

#[test]
fn declared_labels_win_over_sent_ones() {
    let declared = labels(&[("region", "eu-west"), ("tier", "gold")]);
    let sent = labels(&[("region", "eu"), ("rack", "7")]);
    assert_eq!(
        effective(&declared, &sent),
        labels(&[("rack", "7"), ("region", "eu-west"), ("tier", "gold")])
    );
}

proptest! {
    #[test]
    fn generated_valid_labels_pass(
        all in proptest::collection::btree_map("[a-z_][a-z0-9_]{0,31}", "[ -~]{1,64}", 0..=16)
    ) {
        let reserved = all.keys().any(|k| k == "site" || k.starts_with("__"));
        prop_assert_eq!(check(&all).is_ok(), !reserved);
    }
}
