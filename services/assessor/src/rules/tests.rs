//! Unit and property tests of the health rules: thresholds and findings.

use super::*;
use crate::findings::{Finding, evaluate, health_of};
use healthmon_proto::{HealthReport, NodeRole, Resources};
use healthmon_test_support::fixtures::{connection as conn, node};
use proptest::prelude::*;

fn report() -> HealthReport {
    let mut r = HealthReport::new("site-1", "i", 1);
    r.nodes = vec![node("a", NodeRole::Active), node("b", NodeRole::Standby)];
    r.connections = vec![conn("plc-1", true), conn("plc-2", true)];
    r
}

fn keys(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.key.as_str()).collect()
}

fn health(r: &HealthReport) -> Health {
    health_of(
        evaluate(&Rules::default(), &r.view())
            .iter()
            .map(|f| &f.severity),
    )
}

#[test]
fn a_normal_report_is_healthy() {
    assert!(evaluate(&Rules::default(), &report().view()).is_empty());
    assert_eq!(health(&report()), Health::Healthy);
}

#[test]
fn disconnected_connection_degrades() {
    let mut r = report();
    r.connections[1].connected = false;
    let f = evaluate(&Rules::default(), &r.view());
    assert_eq!(keys(&f), ["connection:plc-2"]);
    assert_eq!(f[0].reason, "connection plc-2 disconnected");
    assert_eq!(f[0].severity, Health::Degraded);
}

#[test]
fn node_roles() {
    let mut r = report();
    r.nodes[0].role = NodeRole::Standby;
    let f = evaluate(&Rules::default(), &r.view());
    assert_eq!(keys(&f), ["nodes:none"]);
    assert_eq!(f[0].reason, "no active node");
    assert_eq!(health(&r), Health::Critical);

    r.nodes = vec![node("a", NodeRole::Active), node("b", NodeRole::Active)];
    let f = evaluate(&Rules::default(), &r.view());
    assert_eq!(keys(&f), ["nodes:multiple"]);
    assert_eq!(f[0].reason, "2 active nodes: a, b");

    // No node list: the site does not report roles, so nothing to judge.
    r.nodes.clear();
    assert!(evaluate(&Rules::default(), &r.view()).is_empty());
}

#[test]
fn error_rates_over_thresholds() {
    let mut r = report();
    r.script_errors.per_min = 12.0;
    let f = evaluate(&Rules::default(), &r.view());
    assert_eq!(f[0].key, "script_errors");
    assert_eq!(f[0].reason, "script errors 12.0/min over 10/min");
    assert_eq!(f[0].severity, Health::Degraded);

    r.script_errors.per_min = 10.0;
    assert!(
        evaluate(&Rules::default(), &r.view()).is_empty(),
        "at the threshold is not over"
    );

    r.alarm_errors.per_min = 61.5;
    let f = evaluate(&Rules::default(), &r.view());
    assert_eq!(f[0].reason, "alarm errors 61.5/min over 60/min");
    assert_eq!(f[0].severity, Health::Critical);
}

#[test]
fn buffer_depth_per_category() {
    let mut r = report();
    r.sf_buffer.db_write = 1_200;
    r.sf_buffer.external = 20_000;
    let f = evaluate(&Rules::default(), &r.view());
    assert_eq!(keys(&f), ["sf_buffer:external", "sf_buffer:db_write"]);
    assert_eq!(f[0].severity, Health::Critical);
    assert_eq!(
        f[1].reason,
        "store-and-forward db_write 1200 pending over 1000"
    );
}

#[test]
fn critical_findings_come_first() {
    let mut r = report();
    r.connections[0].connected = false;
    r.nodes.clear();
    r.nodes.push(node("x", NodeRole::Standby));
    let f = evaluate(&Rules::default(), &r.view());
    assert_eq!(keys(&f), ["nodes:none", "connection:plc-1"]);
}

#[test]
fn resources_only_when_configured_and_present() {
    let mut r = report();
    r.resources = Some(Resources {
        cpu_pct: 99.0,
        disk_used_pct: 96.0,
        mem_used_bytes: 95,
        mem_total_bytes: 100,
        load1: 0.0,
    });
    assert!(
        evaluate(&Rules::default(), &r.view()).is_empty(),
        "off by default"
    );

    let rules = Rules::from_toml_str(
        "[resources]\ndisk_warn_pct = 85\ndisk_critical_pct = 95\nmemory_warn_pct = 90\ncpu_warn_pct = 99.5\n",
    )
    .unwrap();
    let f = evaluate(&rules, &r.view());
    assert_eq!(keys(&f), ["resources:disk", "resources:memory"]);
    assert_eq!(f[0].reason, "disk 96.0% used over 95%");
    assert_eq!(f[0].severity, Health::Critical);
    assert_eq!(f[1].reason, "memory 95.0% used over 90%");

    r.resources = None;
    assert!(evaluate(&rules, &r.view()).is_empty());
}

#[test]
fn file_overrides_defaults_and_keeps_the_rest() {
    let rules = Rules::from_toml_str(
        "[sf_buffer]\nwarn = 5\ncritical = 50\n[connections]\ndisconnected = \"critical\"\n",
    )
    .unwrap();
    assert_eq!(
        rules.sf_buffer,
        BufferRule {
            warn: 5,
            critical: 50
        }
    );
    assert_eq!(rules.connections.disconnected, Severity::Critical);
    assert_eq!(rules.script_errors, RateRule::default());
    assert_eq!(Rules::from_toml_str("").unwrap(), Rules::default());
}

/// Why `toml` is not a valid rules file.
fn rules_error(toml: &str) -> String {
    Rules::from_toml_str(toml).unwrap_err().to_string()
}

#[test]
fn unknown_keys_are_errors_naming_the_key() {
    let e = rules_error("[script_errors]\nwarn_per_min = 1\nwarn = 3\n");
    assert!(e.contains("`warn`"), "{e}");
    assert!(e.contains("[script_errors]"), "{e}");
    assert!(e.contains("line 3"), "{e}");

    let e = rules_error("[bogus]\n");
    assert!(e.contains("`bogus`"), "{e}");
}

#[test]
fn invalid_values_name_the_key() {
    // (rules file, how its error starts)
    let cases = [
        (
            "[script_errors]\nwarn_per_min = 70\n",
            "script_errors.warn_per_min:",
        ),
        (
            "[alarm_errors]\ncritical_per_min = -1\n",
            "alarm_errors.critical_per_min:",
        ),
        (
            "[resources]\ncpu_warn_pct = 120\n",
            "resources.cpu_warn_pct:",
        ),
        (
            "[flapping]\nchanges = 300\n",
            "flapping.changes: must be at most 255",
        ),
        ("[flapping]\nwindow_s = 0\n", "flapping.window_s:"),
        (
            "[score]\noffline = 120\n",
            "score.offline: must be within 0..=100",
        ),
        ("[score.kinds]\nnodes = -1\n", "score.kinds.nodes:"),
    ];
    for (toml, start) in cases {
        let e = rules_error(toml);
        assert!(e.starts_with(start), "{toml:?}: {e}");
    }
    let e = rules_error("[connections]\ndisconnected = \"meh\"\n");
    assert!(e.contains("meh"), "{e}");
    let e = rules_error("[recovering]\nmin_depth = -5\n");
    assert!(e.contains("min_depth") || e.contains("[recovering]"), "{e}");
}

#[test]
fn load_names_the_file() {
    let dir = std::env::temp_dir().join(format!("assessor-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.toml");
    std::fs::write(&path, "[sf_buffer]\nwarnn = 1\n").unwrap();
    let e = Rules::load(&path).unwrap_err().to_string();
    assert!(e.contains("rules.toml") && e.contains("`warnn`"), "{e}");
    let missing = Rules::load(&dir.join("nope.toml")).unwrap_err().to_string();
    assert!(missing.contains("nope.toml"), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn example_file_is_the_defaults() {
    let text = include_str!("../../rules.example.toml");
    assert_eq!(Rules::from_toml_str(text).unwrap(), Rules::default());
}

fn arb_report() -> impl Strategy<Value = HealthReport> {
    (
        proptest::collection::vec(any::<bool>(), 0..6),
        proptest::collection::vec(0u8..3, 0..5),
        0.0f64..200.0,
        0.0f64..200.0,
        (0u64..30_000, 0u64..30_000, 0u64..30_000),
    )
        .prop_map(|(conns, roles, script, alarm, (e, n, d))| {
            let mut r = HealthReport::new("s", "i", 1);
            r.connections = conns
                .iter()
                .enumerate()
                .map(|(i, &up)| conn(&format!("c{i}"), up))
                .collect();
            r.nodes = roles
                .iter()
                .enumerate()
                .map(|(i, &role)| {
                    let role =
                        [NodeRole::Active, NodeRole::Standby, NodeRole::Unknown][role as usize];
                    node(&format!("n{i}"), role)
                })
                .collect();
            r.script_errors.per_min = script;
            r.alarm_errors.per_min = alarm;
            r.sf_buffer.external = e;
            r.sf_buffer.notification = n;
            r.sf_buffer.db_write = d;
            r
        })
}

proptest! {
    #[test]
    fn keys_are_unique_and_health_is_the_worst(r in arb_report()) {
        let f = evaluate(&Rules::default(), &r.view());
        let mut k = keys(&f);
        k.sort_unstable();
        k.dedup();
        prop_assert_eq!(k.len(), f.len());
        let h = health_of(f.iter().map(|f| &f.severity));
        prop_assert_eq!(h == Health::Healthy, f.is_empty());
        prop_assert_eq!(h == Health::Critical, f.iter().any(|f| f.severity == Health::Critical));
    }

    #[test]
    fn each_disconnected_connection_is_one_finding(r in arb_report()) {
        let f = evaluate(&Rules::default(), &r.view());
        let down = r.connections.iter().filter(|c| !c.connected).count();
        prop_assert_eq!(f.iter().filter(|f| f.key.starts_with("connection:")).count(), down);
    }

    #[test]
    fn exactly_one_active_node_never_fires_a_node_finding(r in arb_report()) {
        let active = r.nodes.iter().filter(|n| n.role == NodeRole::Active).count();
        let f = evaluate(&Rules::default(), &r.view());
        let node_findings = f.iter().filter(|f| f.key.starts_with("nodes:")).count();
        prop_assert_eq!(node_findings, usize::from(!r.nodes.is_empty() && active != 1));
    }

    #[test]
    fn raising_thresholds_never_adds_findings(r in arb_report(), factor in 1.0f64..10.0) {
        let base = Rules::default();
        let mut higher = base.clone();
        higher.script_errors.warn_per_min *= factor;
        higher.script_errors.critical_per_min *= factor;
        higher.sf_buffer.warn = (higher.sf_buffer.warn as f64 * factor) as u64;
        higher.sf_buffer.critical = (higher.sf_buffer.critical as f64 * factor) as u64;
        prop_assert!(evaluate(&higher, &r.view()).len() <= evaluate(&base, &r.view()).len());
    }
}
