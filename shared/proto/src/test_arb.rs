//! Test-only: the arbitrary reports of the codec's and the view's property
//! tests, one strategy so that both decoders are tried on the same shapes.

use proptest::prelude::*;

use crate::fixtures::{connection, node};
use crate::{HealthReport, NodeRole, Resources, SfBuffer};

/// Reports with any sequence, time and buffer depths, up to 40 connections
/// (names may repeat), up to two nodes active or standby, custom gauges and
/// host resources or none: valid or not, what a decoder must read back.
pub fn report() -> impl Strategy<Value = HealthReport> {
    (
        ("[a-z0-9_-]{1,64}", "[a-f0-9]{1,16}", any::<(u64, u64)>()),
        proptest::collection::vec(("[a-z0-9-]{1,20}", any::<bool>()), 0..40),
        proptest::collection::vec(any::<bool>(), 0..=2),
        proptest::collection::btree_map("[a-z_]{1,10}", -1e9f64..1e9, 0..5),
        proptest::option::of((0.0..=100f64, 0.0..=100f64)),
        any::<(u64, u64, u64)>(),
    )
        .prop_map(
            |((site, inst, (seq, sent)), conns, active, custom, res, sf)| {
                let mut r = HealthReport::new(site, inst, seq);
                r.sent_at_ms = sent;
                r.connections = conns
                    .iter()
                    .map(|(name, up)| connection(name, *up))
                    .collect();
                r.nodes = active
                    .iter()
                    .enumerate()
                    .map(|(i, &active)| {
                        let role = if active {
                            NodeRole::Active
                        } else {
                            NodeRole::Standby
                        };
                        node(&format!("n{}", i + 1), role)
                    })
                    .collect();
                r.custom = custom;
                r.resources = res.map(|(cpu, disk)| Resources {
                    cpu_pct: cpu,
                    disk_used_pct: disk,
                    ..Default::default()
                });
                let (external, notification, db_write) = sf;
                r.sf_buffer = SfBuffer {
                    external,
                    notification,
                    db_write,
                };
                r
            },
        )
}
