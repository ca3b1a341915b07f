//! The severity index: every site in list order, and counts by status.
//!
//! The page of `/api/v1/sites` (worst first, 100 rows) used to scan and
//! partially sort the whole table per request — 11 ms at 100,000 sites. This
//! keeps sites ordered by their [`Place`] (severity rank, then for a problem
//! whether it is acknowledged and how long it has stood) and id in a
//! B-tree, so a page is a walk over its own rows, and keeps a tally per
//! (connectivity, health, maintenance), and of the acknowledged per
//! (connectivity, health), so a summary or a filtered total is a sum over
//! at most 48 numbers.
//!
//! Only status changes touch it (new sites, assessor events, maintenance,
//! acknowledgements, forget): reports, the hot path, never do. An
//! acknowledgement holds for the state it was given for, so the status
//! change that ends that state also moves the site back among the
//! unacknowledged: its key is computed afresh from the entry each time.
//!
//! Ordering by site id is a merge: the ranks that are not ordered by time
//! (healthy online sites, maintenance) are runs already sorted by id in the
//! tree, and the sites with a problem, whose runs are sorted by time, are
//! also kept in a second tree by id. That second tree costs one more id per
//! site with a problem — usually a small share of the fleet — instead of one
//! per site.

use std::collections::BTreeMap;
use std::iter::Peekable;
use std::ops::Bound;

use compact_str::CompactString;
use healthmon_proto::query::{Place, SortOrder};
use healthmon_proto::status::HEALTHY_RANK;
use healthmon_proto::{Connectivity, Health};

/// What the index knows of a site's status: enough to place and count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    pub place: Place,
    pub connectivity: Connectivity,
    pub health: Health,
    pub maintenance: bool,
    /// An acknowledgement applies to the site's current state (also under
    /// maintenance, where it does not move the site: the filter counts it).
    pub acknowledged: bool,
}

impl OrderKey {
    pub fn new(
        connectivity: Connectivity,
        health: Health,
        maintenance: bool,
        acknowledged: bool,
        status_since_ms: Option<u64>,
    ) -> Self {
        OrderKey {
            place: SortOrder::Severity.place(
                connectivity,
                health,
                maintenance,
                acknowledged,
                status_since_ms,
            ),
            connectivity,
            health,
            maintenance,
            acknowledged,
        }
    }

    /// Whether the site's run in the tree is ordered by time, not id.
    fn timed(&self) -> bool {
        SortOrder::Severity.timed(self.place.rank)
    }
}

type TreeKey = (Place, CompactString);
type Status = (Connectivity, Health);

/// One site as the index yields it.
pub type Indexed<'a> = (&'a str, Connectivity, Health);

#[derive(Debug, Default)]
pub struct Order {
    /// Every site, worst first.
    tree: BTreeMap<TreeKey, Status>,
    /// The sites of timed ranks (a problem), by id.
    timed_by_id: BTreeMap<CompactString, Status>,
    /// Sites per `[maintenance][connectivity][health]`.
    tally: [[[usize; 4]; 4]; 2],
    /// Acknowledged sites per `[connectivity][health]`, under maintenance or not.
    acknowledged: [[usize; 4]; 4],
}

fn slot(connectivity: Connectivity, health: Health) -> (usize, usize) {
    let c = Connectivity::ALL.iter().position(|x| *x == connectivity);
    let h = Health::ALL.iter().position(|x| *x == health);
    // ALL lists every variant.
    (c.unwrap_or(0), h.unwrap_or(0))
}

impl Order {
    pub fn insert(&mut self, key: OrderKey, site_id: &str) {
        let id = CompactString::from(site_id);
        let status = (key.connectivity, key.health);
        if key.timed() {
            self.timed_by_id.insert(id.clone(), status);
        }
        self.tree.insert((key.place, id), status);
        *self.count_mut(key) += 1;
        if key.acknowledged {
            *self.acknowledged_mut(key) += 1;
        }
    }

    pub fn remove(&mut self, key: OrderKey, site_id: &str) {
        let id = CompactString::from(site_id);
        if self.tree.remove(&(key.place, id)).is_some() {
            if key.timed() {
                self.timed_by_id.remove(site_id);
            }
            *self.count_mut(key) -= 1;
            if key.acknowledged {
                *self.acknowledged_mut(key) -= 1;
            }
        }
    }

    pub fn change(&mut self, before: OrderKey, after: OrderKey, site_id: &str) {
        self.remove(before, site_id);
        self.insert(after, site_id);
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Sites with this status, under maintenance or not.
    pub fn count(&self, connectivity: Connectivity, health: Health, maintenance: bool) -> usize {
        let (c, h) = slot(connectivity, health);
        self.tally[usize::from(maintenance)][c][h]
    }

    /// Sites with this status whose acknowledgement applies, under
    /// maintenance or not.
    pub fn count_acknowledged(&self, connectivity: Connectivity, health: Health) -> usize {
        let (c, h) = slot(connectivity, health);
        self.acknowledged[c][h]
    }

    fn count_mut(&mut self, key: OrderKey) -> &mut usize {
        let (c, h) = slot(key.connectivity, key.health);
        &mut self.tally[usize::from(key.maintenance)][c][h]
    }

    fn acknowledged_mut(&mut self, key: OrderKey) -> &mut usize {
        let (c, h) = slot(key.connectivity, key.health);
        &mut self.acknowledged[c][h]
    }

    /// Every site, worst first (see [`SortOrder::compare`]).
    pub fn by_severity(&self) -> impl Iterator<Item = Indexed<'_>> {
        self.tree
            .iter()
            .map(|((_, id), (c, h))| (id.as_str(), *c, *h))
    }

    /// Every site but the healthy online ones (worst first, then those under
    /// maintenance), without walking the healthy rank: what a scrape of
    /// `--site-series unhealthy` needs, in time proportional to the problems
    /// rather than the fleet (the table lock is held meanwhile).
    pub fn outside_healthy(&self) -> impl Iterator<Item = Indexed<'_>> {
        let first_of = |rank| {
            (
                Place {
                    rank,
                    ..Place::default()
                },
                CompactString::default(),
            )
        };
        self.tree
            .range(..first_of(HEALTHY_RANK))
            .chain(self.tree.range(first_of(HEALTHY_RANK + 1)..))
            .map(|((_, id), (c, h))| (id.as_str(), *c, *h))
    }

    /// Every site by id: a merge of the untimed ranks' runs of the tree and
    /// of the timed sites' own tree.
    pub fn by_id(&self) -> ById<'_> {
        let mut runs: Vec<Run<'_>> = Vec::new();
        let mut from = Bound::Unbounded;
        // One range query per rank present: hop from rank to rank.
        while let Some(((place, _), _)) = self.tree.range((from, Bound::Unbounded)).next() {
            let rank = place.rank;
            // The smallest place of a rank, and of the next one.
            let first = |rank| Place {
                rank,
                ..Place::default()
            };
            let start = (first(rank), CompactString::default());
            let end = rank
                .checked_add(1)
                .map(|next| (first(next), CompactString::default()));
            if !SortOrder::Severity.timed(rank) {
                let end = end.clone().map_or(Bound::Unbounded, Bound::Excluded);
                let run = self.tree.range((Bound::Included(start), end));
                runs.push(run_of(run.map(|((_, id), status)| (id, status))));
            }
            match end {
                Some(end) => from = Bound::Included(end),
                None => break,
            }
        }
        runs.push(run_of(self.timed_by_id.iter()));
        ById { runs }
    }

    /// Every site in the list order `sort` asks for.
    pub fn sorted(&self, sort: SortOrder) -> Box<dyn Iterator<Item = Indexed<'_>> + '_> {
        match sort {
            SortOrder::Severity => Box::new(self.by_severity()),
            SortOrder::SiteId => Box::new(self.by_id()),
        }
    }
}

/// One run of [`Order::by_id`], already in id order.
type Run<'a> = Peekable<Box<dyn Iterator<Item = Indexed<'a>> + 'a>>;

fn run_of<'a>(sites: impl Iterator<Item = (&'a CompactString, &'a Status)> + 'a) -> Run<'a> {
    let run: Box<dyn Iterator<Item = Indexed<'a>> + 'a> =
        Box::new(sites.map(|(id, (c, h))| (id.as_str(), *c, *h)));
    run.peekable()
}

/// Iterator of [`Order::by_id`].
pub struct ById<'a> {
    runs: Vec<Run<'a>>,
}

impl<'a> Iterator for ById<'a> {
    type Item = Indexed<'a>;

    fn next(&mut self) -> Option<Indexed<'a>> {
        // A handful of runs (the untimed ranks present, and the timed
        // sites): a linear scan for the smallest head beats a heap.
        let mut best: Option<(usize, &str)> = None;
        for (i, run) in self.runs.iter_mut().enumerate() {
            if let Some((id, _, _)) = run.peek()
                && best.is_none_or(|(_, b)| *id < b)
            {
                best = Some((i, *id));
            }
        }
        let (i, _) = best?;
        self.runs[i].next()
    }
}

#[cfg(test)]
mod tests;
