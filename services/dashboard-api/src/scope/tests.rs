use healthmon_test_support::fixtures::labels;
use proptest::prelude::*;

use super::*;

#[test]
fn a_scope_adds_its_labels_and_refuses_contradictions() {
    let acme: Selector = "customer=acme".parse().unwrap();
    assert_eq!(
        narrow(&labels(&[("region", "eu")]), &acme),
        Some(labels(&[("customer", "acme"), ("region", "eu")]))
    );
    assert_eq!(
        narrow(&labels(&[("customer", "acme")]), &acme),
        Some(labels(&[("customer", "acme")]))
    );
    assert_eq!(narrow(&labels(&[("customer", "other")]), &acme), None);
    assert_eq!(
        narrow(&labels(&[("region", "eu")]), &Selector::default()),
        Some(labels(&[("region", "eu")])),
        "no scope: the whole fleet"
    );
}

/// Labels over two keys and two values, so that a site's, a filter's and
/// a scope's often meet.
fn few_labels() -> impl Strategy<Value = Labels> {
    proptest::collection::btree_map("[ab]", "[xy]", 0..3)
}

proptest! {
    /// A site passes the narrowed filter exactly when it passes both the
    /// request's filter and the scope.
    #[test]
    fn narrowing_is_the_and_of_filter_and_scope(
        site in few_labels(),
        wanted in few_labels(),
        scoped in few_labels(),
    ) {
        let scope: Selector = if scoped.is_empty() {
            Selector::default()
        } else {
            scoped.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",").parse().unwrap()
        };
        let matches = |filter: &Labels| filter.iter().all(|(k, v)| site.get(k) == Some(v));
        let both = matches(&wanted) && sees(&scope, &site);
        let narrowed = narrow(&wanted, &scope).is_some_and(|l| matches(&l));
        prop_assert_eq!(narrowed, both);
    }
}
