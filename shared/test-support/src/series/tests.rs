use std::collections::HashSet;

use super::*;
use crate::fixtures;

/// Rows of `series`, by their one label's value.
fn named(series: &str) -> HashSet<&'static str> {
    FULL_SERIES
        .iter()
        .filter(|(s, _, _)| *s == series)
        .map(|(_, labels, _)| labels[0].1)
        .collect()
}

#[test]
fn every_row_is_one_series() {
    let rows: HashSet<_> = FULL_SERIES.iter().map(|(s, l, _)| (*s, *l)).collect();
    assert_eq!(rows.len(), FULL_SERIES.len());
}

/// `assert_site` checks the rows it is given: a node, gauge or label the
/// fixture gains must gain its row here too (connections are read from the
/// fixture itself).
#[test]
fn lists_every_node_custom_gauge_and_label_of_the_fixture() {
    let r = fixtures::full("s");
    let nodes: HashSet<_> = r.nodes.iter().map(|n| n.name.as_str()).collect();
    let custom: HashSet<_> = r.custom.keys().map(String::as_str).collect();
    assert_eq!(named("node_active"), nodes);
    assert_eq!(named("custom"), custom);
    let (_, info, _) = FULL_SERIES.iter().find(|(s, _, _)| *s == "info").unwrap();
    let labels: Vec<_> = r
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(info.to_vec(), labels);
}
