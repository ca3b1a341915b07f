//! The severity index: every site in list order, and counts by status.
//!
//! The page of `/api/v1/sites` (worst first, 100 rows) used to scan and
//! partially sort the whole table per request — 11 ms at 100,000 sites. This
//! keeps sites ordered by `(severity rank, site id)` in a B-tree, so a page is
//! a walk over its own rows, and keeps a tally per (connectivity, health,
//! maintenance), so a summary or a filtered total is a sum over 32 numbers.
//!
//! Only status changes touch it (new sites, assessor events, maintenance,
//! forget): reports, the hot path, never do. Ordering by site id alone is a
//! merge of the per-rank runs, which are already sorted by id.

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::iter::Peekable;
use std::ops::Bound;

use compact_str::CompactString;
use healthmon_proto::query::SortOrder;
use healthmon_proto::{Connectivity, Health};

/// What the index knows of a site's status: enough to place and count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    pub rank: u8,
    pub connectivity: Connectivity,
    pub health: Health,
    pub maintenance: bool,
}

impl OrderKey {
    pub fn new(connectivity: Connectivity, health: Health, maintenance: bool) -> Self {
        OrderKey {
            rank: SortOrder::Severity.rank(connectivity, health, maintenance),
            connectivity,
            health,
            maintenance,
        }
    }
}

type TreeKey = (u8, CompactString);
type Tree = BTreeMap<TreeKey, (Connectivity, Health)>;
type Run<'a> = Peekable<btree_map::Range<'a, TreeKey, (Connectivity, Health)>>;

/// One site as the index yields it.
pub type Indexed<'a> = (&'a str, Connectivity, Health);

#[derive(Debug, Default)]
pub struct Order {
    tree: Tree,
    /// Sites per `[maintenance][connectivity][health]`.
    tally: [[[usize; 4]; 4]; 2],
}

fn slot(connectivity: Connectivity, health: Health) -> (usize, usize) {
    let c = Connectivity::ALL.iter().position(|x| *x == connectivity);
    let h = Health::ALL.iter().position(|x| *x == health);
    // ALL lists every variant.
    (c.unwrap_or(0), h.unwrap_or(0))
}

impl Order {
    pub fn insert(&mut self, key: OrderKey, site_id: &str) {
        self.tree.insert(
            (key.rank, CompactString::from(site_id)),
            (key.connectivity, key.health),
        );
        *self.count_mut(key) += 1;
    }

    pub fn remove(&mut self, key: OrderKey, site_id: &str) {
        if self
            .tree
            .remove(&(key.rank, CompactString::from(site_id)))
            .is_some()
        {
            *self.count_mut(key) -= 1;
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

    fn count_mut(&mut self, key: OrderKey) -> &mut usize {
        let (c, h) = slot(key.connectivity, key.health);
        &mut self.tally[usize::from(key.maintenance)][c][h]
    }

    /// Every site, worst first, then by id.
    pub fn by_severity(&self) -> impl Iterator<Item = Indexed<'_>> {
        self.tree.iter().map(flatten)
    }

    /// Every site by id: a merge of the per-rank runs.
    pub fn by_id(&self) -> ById<'_> {
        let mut runs = Vec::new();
        let mut from = Bound::Unbounded;
        while let Some(((rank, _), _)) = self.tree.range((from, Bound::Unbounded)).next() {
            let rank = *rank;
            let run_end = match rank.checked_add(1) {
                Some(next) => Bound::Excluded((next, CompactString::default())),
                None => Bound::Unbounded,
            };
            let start = Bound::Included((rank, CompactString::default()));
            runs.push(self.tree.range((start, run_end.clone())).peekable());
            match run_end {
                Bound::Excluded(end) => from = Bound::Included(end),
                _ => break,
            }
        }
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

fn flatten<'a>(((_, id), (c, h)): (&'a TreeKey, &'a (Connectivity, Health))) -> Indexed<'a> {
    (id.as_str(), *c, *h)
}

/// Iterator of [`Order::by_id`].
pub struct ById<'a> {
    runs: Vec<Run<'a>>,
}

impl<'a> Iterator for ById<'a> {
    type Item = Indexed<'a>;

    fn next(&mut self) -> Option<Indexed<'a>> {
        // A handful of runs (one per severity rank present): a linear scan
        // for the smallest head beats a heap.
        let mut best: Option<(usize, &str)> = None;
        for (i, run) in self.runs.iter_mut().enumerate() {
            if let Some(((_, id), _)) = run.peek()
                && best.is_none_or(|(_, b)| id.as_str() < b)
            {
                best = Some((i, id.as_str()));
            }
        }
        let (i, _) = best?;
        self.runs[i].next().map(flatten)
    }
}

#[cfg(test)]
mod tests;
