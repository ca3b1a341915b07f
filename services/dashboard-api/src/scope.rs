//! A caller's scope (the label selector of its token, see [`crate::auth`])
//! applied to each kind of request: the sites it may see are those whose
//! labels match; every other site does not exist for it (404, left out of
//! lists, counts and the event stream), and it may change only those it sees.

use healthmon_proto::labels::Labels;
use healthmon_proto::query::{ListQuery, SummaryQuery};
use healthmon_registry::{FleetView, Selector};

/// The query's labels narrowed to the scope; `None` when they contradict
/// it (`customer=other` for a token of `customer=acme`): nothing matches.
pub fn narrow(wanted: &Labels, scope: &Selector) -> Option<Labels> {
    let mut labels = wanted.clone();
    for (key, value) in scope.pairs() {
        match labels.get(key) {
            Some(have) if have != value => return None,
            _ => {
                labels.insert(key.clone(), value.clone());
            }
        }
    }
    Some(labels)
}

/// A list query as the scope allows it; `None`: an empty page.
pub fn list(query: ListQuery, scope: &Selector) -> Option<ListQuery> {
    let labels = narrow(&query.labels, scope)?;
    Some(ListQuery { labels, ..query })
}

/// A summary query as the scope allows it; `None`: all zero.
pub fn summary(query: SummaryQuery, scope: &Selector) -> Option<SummaryQuery> {
    let labels = narrow(&query.labels, scope)?;
    Some(SummaryQuery { labels, ..query })
}

/// Whether a site showing `labels` is in scope.
pub fn sees(scope: &Selector, labels: &Labels) -> bool {
    scope.matches(labels)
}

/// Whether a site is in scope by the registry's labels (the event stream
/// and admin actions, which have no site row at hand).
pub fn sees_site(scope: &Selector, fleet: &FleetView, site: &str) -> bool {
    fleet.selects(scope, site)
}

#[cfg(test)]
mod tests;
