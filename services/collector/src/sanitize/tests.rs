use super::*;
use healthmon_proto::{ConnectionStatus, Node, NodeRole, validate_report};
use proptest::prelude::*;

fn conn(name: &str) -> ConnectionStatus {
    ConnectionStatus {
        name: name.into(),
        connected: true,
    }
}

#[test]
fn a_clean_report_is_untouched() {
    let mut r = HealthReport::new("s", "i", 1);
    r.connections = vec![conn("plc-1")];
    let before = r.clone();
    assert!(sanitize(&mut r).is_empty());
    assert_eq!(r, before);
}

#[test]
fn repairs_names_counts_and_numbers() {
    let mut r = HealthReport::new("s", "i", 1);
    r.connections = vec![conn("a\nb"), conn("a b"), conn(""), conn(&"x".repeat(300))];
    r.connections
        .extend((0..600).map(|i| conn(&format!("c{i}"))));
    r.nodes = vec![
        Node {
            name: "n".into(),
            role: NodeRole::Active,
        },
        Node {
            name: "n".into(),
            role: NodeRole::Standby,
        },
    ];
    r.script_errors.per_min = f64::NAN;
    r.custom.insert("bad".into(), f64::INFINITY);
    r.resources = Some(Resources {
        cpu_pct: 180.0,
        mem_used_bytes: 9,
        mem_total_bytes: 4,
        ..Default::default()
    });
    let fixes = sanitize(&mut r);
    assert!(!fixes.is_empty());
    assert_eq!(r.connections[0].name, "a b");
    assert_eq!(r.connections[1].name, "unnamed");
    assert_eq!(r.connections[2].name.chars().count(), MAX_NAME_LEN);
    assert_eq!(r.connections.len(), MAX_CONNECTIONS);
    assert_eq!(r.nodes.len(), 1);
    assert_eq!(r.script_errors.per_min, 0.0);
    assert!(r.custom.is_empty());
    let res = r.resources.unwrap();
    assert_eq!((res.cpu_pct, res.mem_used_bytes), (100.0, 4));
    assert_eq!(validate_report(&r, "s"), Ok(()));
}

proptest! {
    #[test]
    fn anything_sanitized_is_accepted_by_central(
        conns in proptest::collection::vec("\\PC{0,3}[\\x00-\\x1f]?\\PC{0,200}", 0..20),
        nodes in proptest::collection::vec("\\PC{0,140}", 0..40),
        custom in proptest::collection::btree_map("[\\x00-\\x7f]{0,140}", proptest::num::f64::ANY, 0..80),
        per_min in proptest::num::f64::ANY,
        cpu in proptest::num::f64::ANY,
        load in proptest::num::f64::ANY,
        mem in any::<(u64, u64)>(),
    ) {
        let mut r = HealthReport::new("site", "inst", 1);
        r.connections = conns.iter().map(|n| conn(n)).collect();
        r.nodes = nodes.into_iter().map(|name| Node { name, role: NodeRole::Unknown }).collect();
        r.custom = custom;
        r.alarm_errors.per_min = per_min;
        r.resources = Some(Resources {
            cpu_pct: cpu,
            load1: load,
            mem_used_bytes: mem.0,
            mem_total_bytes: mem.1,
            disk_used_pct: cpu,
        });
        sanitize(&mut r);
        prop_assert_eq!(validate_report(&r, "site"), Ok(()));
    }
}
