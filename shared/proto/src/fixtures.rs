//! Reports to start from, for every test, the bench and the soak (feature
//! `fixtures`; `healthmon-test-support` re-exports this module). Each is a
//! valid report of the given site; tests change the fields they are about,
//! with the small builders below ([`node`], [`connection`], [`labels`],
//! [`maintenance`]), and
//! compare connections through [`connection_states`] and an event's
//! transitions through [`connectivity_change`] and [`health_change`].
//!
//! | fixture | what it is | the assessor's default rules say |
//! |---|---|---|
//! | [`minimal`] | only the six required keys | healthy (no findings) |
//! | [`healthy`] | what a real collector sends: 2 nodes, 8 connections, counters, buffers, host resources, 2 custom gauges (~640 B) | healthy |
//! | [`full`] | every part present with a value worth showing, labels too, one connection down | degraded |
//! | [`faulty`] | no active node, a connection down, error rates and a buffer past critical | critical |

use std::collections::BTreeMap;

use crate::fleet::Maintenance;
use crate::labels::Labels;
use crate::report::{
    ConnectionStatus, ErrorCounter, HealthReport, Node, NodeRole, Resources, SfBuffer,
};
use crate::status::{Connectivity, Health, StatusEvent};

/// Sent-at time of every fixture: 2023-11-14, a fixed moment on the site's clock.
pub const SENT_AT_MS: u64 = 1_700_000_000_000;

/// The collector instance of every fixture.
pub const INSTANCE: &str = "inst-1";

/// The connections of [`healthy`]: six PLCs, a historian and an ERP link.
pub const CONNECTIONS: [&str; 8] = [
    "plc-1",
    "plc-2",
    "plc-3",
    "plc-4",
    "plc-5",
    "plc-6",
    "historian",
    "erp",
];

/// The keys a report must carry: without one it is malformed.
pub const REQUIRED_KEYS: [&str; 6] = [
    "v",
    "site_id",
    "instance",
    "seq",
    "sent_at_ms",
    "interval_ms",
];

/// Keys of a report's optional parts, each defaulted when left out.
pub const OPTIONAL_KEYS: [&str; 7] = [
    "nodes",
    "connections",
    "script_errors",
    "alarm_errors",
    "sf_buffer",
    "resources",
    "custom",
];

/// Only the required keys: seq 1 of [`INSTANCE`], a 30 s interval.
pub fn minimal(site: &str) -> HealthReport {
    let mut r = HealthReport::new(site, INSTANCE, 1);
    r.sent_at_ms = SENT_AT_MS;
    r
}

/// A typical healthy site, as a real collector reports it.
pub fn healthy(site: &str) -> HealthReport {
    let mut r = minimal(site);
    r.nodes = vec![
        node("node-a", NodeRole::Active),
        node("node-b", NodeRole::Standby),
    ];
    r.connections = CONNECTIONS
        .iter()
        .map(|name| connection(name, true))
        .collect();
    r.script_errors = ErrorCounter {
        total: 1234,
        per_min: 0.5,
    };
    r.alarm_errors = ErrorCounter {
        total: 56,
        per_min: 0.0,
    };
    r.sf_buffer = SfBuffer {
        external: 3,
        notification: 0,
        db_write: 12,
    };
    r.resources = Some(Resources {
        cpu_pct: 23.5,
        mem_used_bytes: 3 << 30,
        mem_total_bytes: 8 << 30,
        disk_used_pct: 41.2,
        load1: 0.42,
    });
    r.custom = BTreeMap::from([
        ("api_latency_ms".into(), 12.5),
        ("open_batches".into(), 3.0),
    ]);
    r
}

/// Every part of a report present with a value worth showing (labels
/// included); `historian` is disconnected, so the site is degraded.
pub fn full(site: &str) -> HealthReport {
    let mut r = healthy(site);
    r.labels = BTreeMap::from([
        ("region".into(), "eu-west".into()),
        ("line".into(), "bottling 2".into()),
    ]);
    r.connections[6].connected = false;
    r.script_errors.per_min = 2.5;
    r.alarm_errors.per_min = 0.25;
    r.sf_buffer.notification = 7;
    r
}

/// A site in trouble: both nodes standby, `plc-2` disconnected, script
/// errors at 120/min and 20,000 external messages pending — critical.
pub fn faulty(site: &str) -> HealthReport {
    let mut r = healthy(site);
    r.nodes[0].role = NodeRole::Standby;
    r.connections[1].connected = false;
    r.script_errors.per_min = 120.0;
    r.sf_buffer.external = 20_000;
    r
}

pub fn node(name: &str, role: NodeRole) -> Node {
    Node {
        name: name.into(),
        role,
    }
}

pub fn connection(name: &str, connected: bool) -> ConnectionStatus {
    ConnectionStatus {
        name: name.into(),
        connected,
    }
}

/// `site` announced offline at `at_ms` after 92 s of silence (it was online
/// and healthy), with no last report time: a nil on the wire.
pub fn offline_event(site: &str, at_ms: u64) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms,
        connectivity: Connectivity::Offline,
        previous_connectivity: Connectivity::Online,
        health: Health::Healthy,
        previous_health: Health::Healthy,
        reasons: vec!["no report for 92s (timeout 90s)".into()],
        last_report_ms: None,
        judgement: Default::default(),
    }
}

/// Labels from `(key, value)` pairs, as a test writes them.
pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An open-ended maintenance window without a reason, set by `by` at 1 ms.
pub fn maintenance(by: &str) -> Maintenance {
    Maintenance {
        since_ms: 1,
        until_ms: None,
        reason: None,
        by: by.into(),
    }
}

/// A report's connections as `(name, connected)`, in its order: what tests
/// compare a report's connections with.
pub fn connection_states(r: &HealthReport) -> Vec<(&str, bool)> {
    r.connections
        .iter()
        .map(|c| (c.name.as_str(), c.connected))
        .collect()
}

/// An event's connectivity change, `(previous, now)`: what a test compares
/// a transition against, in one line.
pub fn connectivity_change(e: &StatusEvent) -> (Connectivity, Connectivity) {
    (e.previous_connectivity, e.connectivity)
}

/// An event's health change, `(previous, now)`.
pub fn health_change(e: &StatusEvent) -> (Health, Health) {
    (e.previous_health, e.health)
}

#[cfg(test)]
mod tests;
