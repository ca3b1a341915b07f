//! proptest strategies for declared sites (feature `strategies`), so that
//! the roster's own property tests and the CLI's draw them the same way.

use proptest::prelude::*;

use super::Declared;
use healthmon_proto::labels::Labels;

/// Declared sites: expected or not, labels drawn from `labels` (a reserved
/// key, `site` or `__…`, is never kept) and an interval drawn from
/// `intervals`, if any.
pub fn declared(
    labels: impl Strategy<Value = Labels>,
    intervals: impl Strategy<Value = u64>,
) -> impl Strategy<Value = Declared> {
    (any::<bool>(), labels, proptest::option::of(intervals))
        .prop_filter("no reserved keys", |(_, l, _)| {
            !l.keys().any(|k| k == "site" || k.starts_with("__"))
        })
        .prop_map(|(expected, labels, interval_ms)| Declared {
            expected,
            labels,
            interval_ms,
        })
}
