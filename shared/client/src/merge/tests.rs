use super::*;
use healthmon_proto::query::SortOrder;
use healthmon_proto::{Connectivity, Health};
use proptest::prelude::*;

fn row(site_id: &str, connectivity: Connectivity, health: Health) -> SiteSummary {
    SiteSummary::new(site_id, connectivity, health)
}

/// What one aggregator holding `rows` answers: filter, sort, cut.
fn one_aggregator(rows: &[SiteSummary], query: &ListQuery) -> SitePage {
    let mut matching: Vec<SiteSummary> = rows
        .iter()
        .filter(|r| {
            query.matches(&r.site_id, r.connectivity, r.health) && query.admits_ack(r.acknowledged)
        })
        .cloned()
        .collect();
    matching.sort_by(|a, b| query.sort.compare(a, b));
    let total = matching.len();
    let sites = matching
        .into_iter()
        .skip(query.offset)
        .take(query.effective_limit())
        .collect();
    SitePage {
        total,
        offset: query.offset,
        limit: query.effective_limit(),
        sites,
    }
}

const CONNECTIVITY: [Connectivity; 4] = [
    Connectivity::Online,
    Connectivity::Late,
    Connectivity::Offline,
    Connectivity::Unknown,
];
const HEALTH: [Health; 4] = [
    Health::Healthy,
    Health::Degraded,
    Health::Critical,
    Health::Unknown,
];

proptest! {
    /// A merged page of N partitions is exactly the page one aggregator
    /// holding the whole fleet would give, for any split, filter, order
    /// and window.
    #[test]
    fn merged_pages_equal_one_aggregators_page(
        sites in proptest::collection::vec(
            (0usize..4, 0usize..4, any::<bool>(), any::<bool>(), proptest::option::of(0u64..4)),
            0..60,
        ),
        partitions in 1u16..5,
        offset in 0usize..70,
        limit in 0usize..30,
        by_id in any::<bool>(),
        only_offline in any::<bool>(),
        acknowledged in proptest::option::of(any::<bool>()),
    ) {
        let fleet: Vec<SiteSummary> = sites
            .iter()
            .enumerate()
            .map(|(i, (c, h, maintenance, acked, since))| {
                let mut r = row(&format!("site-{i:03}"), CONNECTIVITY[*c], HEALTH[*h]);
                r.maintenance = *maintenance;
                // Acknowledged problems go below the unacknowledged of their rank.
                r.acknowledged = *acked;
                // Problems of one rank order by when they began.
                r.status_since_ms = *since;
                r
            })
            .collect();
        let query = ListQuery {
            connectivity: if only_offline { vec![Connectivity::Offline] } else { vec![] },
            sort: if by_id { SortOrder::SiteId } else { SortOrder::Severity },
            acknowledged,
            offset,
            limit,
            ..ListQuery::default()
        };
        let want = offset + query.effective_limit();
        let parts: Vec<PartPage> = (0..partitions)
            .map(|p| {
                let mine: Vec<SiteSummary> = fleet
                    .iter()
                    .filter(|r| Partition::of_site(&r.site_id, partitions) == p)
                    .cloned()
                    .collect();
                let page = one_aggregator(&mine, &ListQuery { offset: 0, limit: want, ..query.clone() });
                PartPage { total: page.total, rows: page.sites }
            })
            .collect();
        prop_assert_eq!(merge_pages(&query, parts), one_aggregator(&fleet, &query));
    }
}

fn not_found(subject: &str) -> QueryError {
    QueryError::Service {
        subject: subject.into(),
        code: 404,
        message: "unknown site".into(),
    }
}

#[test]
fn the_partition_holding_the_site_answers() {
    let found = pick_holder(vec![Err(not_found("p0")), Ok(7), Err(not_found("p2"))]);
    assert_eq!(found.unwrap(), 7);
    // A site found wins over a partition that did not answer: partitions
    // are disjoint, so no other answer could change it.
    let found = pick_holder(vec![Err(QueryError::TimedOut("p0".into())), Ok(7)]);
    assert_eq!(found.unwrap(), 7);
    let missing = pick_holder::<u8>(vec![Err(not_found("p0")), Err(not_found("p1"))]);
    assert!(matches!(
        missing,
        Err(QueryError::Service { code: 404, .. })
    ));
    // Not a 404 while a partition that may hold it did not answer.
    let unsure = pick_holder::<u8>(vec![
        Err(not_found("p0")),
        Err(QueryError::NoResponders("p1".into())),
    ]);
    assert!(matches!(unsure, Err(QueryError::NoResponders(s)) if s == "p1"));
}

#[test]
fn errors_name_their_partition() {
    let p = Partition::new(1, 2).unwrap();
    let e = tag(
        QueryError::NoResponders("health.agg.1.list".into()),
        Some(p),
    );
    assert_eq!(
        e.to_string(),
        "no service answers on health.agg.1.list (partition 1/2)"
    );
    let e = tag(QueryError::TimedOut("health.agg.summary".into()), None);
    assert_eq!(e.to_string(), "health.agg.summary did not answer in time");
}

#[test]
fn any_failing_partition_fails_the_whole() {
    let all: Result<Vec<u8>, _> = all_or_first_error(vec![
        Ok(1),
        Err(QueryError::TimedOut("a".into())),
        Err(QueryError::NoResponders("b".into())),
    ]);
    assert!(matches!(all, Err(QueryError::TimedOut(s)) if s == "a"));
}
