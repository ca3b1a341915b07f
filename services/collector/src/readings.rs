//! From per-target readings to the report's fields.
//!
//! Each scrape target keeps its own counter-rate state, so one subsystem's
//! counter reset does not disturb another's rate. When a target fails, what
//! it said before is treated by kind:
//! - lists and custom gauges (connections, nodes, `custom`) are left out:
//!   claiming a connection is up because it was up a minute ago would hide
//!   exactly the outage one is looking for;
//! - error counters (total and rate) and buffer depths keep their last
//!   value, because the report has no way to say "unknown" for them and a
//!   sudden 0 would read as "all errors stopped" or "the buffer drained".
//!
//! Pure: time is passed in.

use std::collections::BTreeMap;

use healthmon_proto::{ConnectionStatus, ErrorCounter, HealthReport, Node, NodeRole};

use crate::mapping::{Reading, role_rank};
use crate::rates::{Millis, RateTracker};

/// Scalar fields one target supplies; `None` = this target does not expose it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scalars {
    pub script: Option<ErrorCounter>,
    pub alarm: Option<ErrorCounter>,
    pub sf: [Option<u64>; 3],
}

/// What one target adds to the report this time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contribution {
    pub connections: Vec<ConnectionStatus>,
    pub nodes: Vec<Node>,
    pub custom: BTreeMap<String, f64>,
    pub scalars: Scalars,
}

#[derive(Debug, Clone)]
pub struct TargetState {
    script: RateTracker,
    alarm: RateTracker,
    last: Scalars,
}

impl TargetState {
    /// `min_window_ms`: see [`RateTracker::new`].
    pub fn new(min_window_ms: Millis) -> Self {
        TargetState {
            script: RateTracker::new(min_window_ms),
            alarm: RateTracker::new(min_window_ms),
            last: Scalars::default(),
        }
    }

    /// The target's contribution at `at_ms`: its reading, or `None` if the scrape failed.
    pub fn update(&mut self, at_ms: Millis, reading: Option<Reading>) -> Contribution {
        let Some(r) = reading else {
            return Contribution {
                scalars: self.last.clone(),
                ..Contribution::default()
            };
        };
        let counter = |tracker: &mut RateTracker, total: Option<u64>| {
            total.map(|total| ErrorCounter {
                total,
                per_min: tracker.observe(at_ms, total),
            })
        };
        self.last = Scalars {
            script: counter(&mut self.script, r.script_total),
            alarm: counter(&mut self.alarm, r.alarm_total),
            sf: r.sf,
        };
        Contribution {
            connections: r.connections,
            nodes: r.nodes,
            custom: r.custom,
            scalars: self.last.clone(),
        }
    }
}

/// Fills `report`'s fields from every target's contribution and the probe
/// results (`(name, reachable)`). A connection named by several sources is
/// connected only if all of them say so; a node is as active as its most
/// active claim.
pub fn merge(
    contributions: Vec<Contribution>,
    probes: &[(String, bool)],
    report: &mut HealthReport,
) {
    let mut connections: BTreeMap<String, bool> = BTreeMap::new();
    let mut nodes: BTreeMap<String, NodeRole> = BTreeMap::new();
    let mut script = ErrorCounter::default();
    let mut alarm = ErrorCounter::default();
    let mut sf = [0u64; 3];
    let mut custom: BTreeMap<String, f64> = BTreeMap::new();
    for c in contributions {
        for conn in c.connections {
            *connections.entry(conn.name).or_insert(true) &= conn.connected;
        }
        for node in c.nodes {
            let role = nodes.entry(node.name).or_insert(NodeRole::Unknown);
            if role_rank(node.role) > role_rank(*role) {
                *role = node.role;
            }
        }
        for (name, value) in c.custom {
            *custom.entry(name).or_insert(0.0) += value;
        }
        add_counter(&mut script, c.scalars.script);
        add_counter(&mut alarm, c.scalars.alarm);
        for (sum, value) in sf.iter_mut().zip(c.scalars.sf) {
            *sum = sum.saturating_add(value.unwrap_or(0));
        }
    }
    for (name, reachable) in probes {
        *connections.entry(name.clone()).or_insert(true) &= *reachable;
    }
    report.connections = connections
        .into_iter()
        .map(|(name, connected)| ConnectionStatus { name, connected })
        .collect();
    report.nodes = nodes
        .into_iter()
        .map(|(name, role)| Node { name, role })
        .collect();
    report.script_errors = script;
    report.alarm_errors = alarm;
    report.sf_buffer.external = sf[0];
    report.sf_buffer.notification = sf[1];
    report.sf_buffer.db_write = sf[2];
    report.custom = custom;
}

fn add_counter(sum: &mut ErrorCounter, part: Option<ErrorCounter>) {
    if let Some(part) = part {
        sum.total = sum.total.saturating_add(part.total);
        sum.per_min += part.per_min;
    }
}

#[cfg(test)]
mod tests;
