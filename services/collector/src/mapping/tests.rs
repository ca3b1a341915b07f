use super::*;
use crate::config::{
    ConnectionsMapping, CounterMapping, NodeRolesMapping, check_label_name, check_metric_name,
};
use crate::exposition::parse;

const SITE: &str = r#"
# TYPE site_connection_up gauge
site_connection_up{connection="plc-1"} 1
site_connection_up{connection="plc-2"} 0
site_connection_up{connection="opc,ua"} 1
site_script_errors_total{script="a"} 10
site_script_errors_total{script="b"} 5
site_alarm_errors_total 3
site_sf_buffer_depth{category="external"} 4
site_sf_buffer_depth{category="notification"} 0
site_sf_buffer_depth{category="db_write"} 120
site_sf_buffer_depth{category="other"} 999
site_node_role{node="node-a",role="active"} 1
site_node_role{node="node-a",role="standby"} 0
site_node_role{node="node-b",role="active"} 0
site_node_role{node="node-b",role="standby"} 1
app_latency_ms{endpoint="/api"} 42.5
app_latency_ms{endpoint="/ui"} 7
"#;

fn read_default(text: &str) -> Reading {
    read(&parse(text).samples, &Mapping::default(), &BTreeMap::new())
}

#[test]
fn default_mapping_reads_every_field() {
    let r = read_default(SITE);
    let conns: Vec<_> = r
        .connections
        .iter()
        .map(|c| (c.name.as_str(), c.connected))
        .collect();
    assert_eq!(conns, [("opc,ua", true), ("plc-1", true), ("plc-2", false)]);
    assert_eq!(r.script_total, Some(15));
    assert_eq!(r.alarm_total, Some(3));
    assert_eq!(
        r.sf,
        [Some(4), Some(0), Some(120)],
        "external, notification, db_write"
    );
    let nodes: Vec<_> = r.nodes.iter().map(|n| (n.name.as_str(), n.role)).collect();
    assert_eq!(
        nodes,
        [("node-a", NodeRole::Active), ("node-b", NodeRole::Standby)]
    );
}

#[test]
fn absent_metrics_stay_absent() {
    let r = read_default("unrelated_metric 1\n");
    assert_eq!(r, Reading::default());
}

#[test]
fn nonsense_values_are_ignored() {
    let r = read_default("site_script_errors_total NaN\nsite_alarm_errors_total -4\n");
    assert_eq!((r.script_total, r.alarm_total), (None, None));
}

#[test]
fn custom_mapping_and_label_names() {
    let text = r#"
conn_ok{link="a"} 1
errs{kind="script"} 2
role{host="h1",state="leader"} 1
role{host="h2",state="follower"} 1
role{host="h3",state="weird"} 1
"#;
    let m = Mapping {
        connections: ConnectionsMapping {
            metric: "conn_ok".into(),
            label: "link".into(),
        },
        script_errors: CounterMapping {
            metric: "errs".into(),
        },
        node_roles: NodeRolesMapping {
            metric: "role".into(),
            node_label: "host".into(),
            role_label: "state".into(),
            active: "leader".into(),
            standby: "follower".into(),
        },
        ..Mapping::default()
    };
    let r = read(&parse(text).samples, &m, &BTreeMap::new());
    assert_eq!(r.connections[0].name, "a");
    assert_eq!(r.script_total, Some(2));
    let roles: Vec<_> = r.nodes.iter().map(|n| n.role).collect();
    assert_eq!(
        roles,
        [NodeRole::Active, NodeRole::Standby, NodeRole::Unknown]
    );
}

#[test]
fn custom_gauges_sum_matching_samples() {
    let mut custom = BTreeMap::new();
    custom.insert(
        "api_ms".to_owned(),
        CustomGauge {
            metric: "app_latency_ms".into(),
            labels: [("endpoint".to_owned(), "/api".to_owned())].into(),
        },
    );
    custom.insert(
        "all_ms".to_owned(),
        CustomGauge {
            metric: "app_latency_ms".into(),
            labels: BTreeMap::new(),
        },
    );
    custom.insert(
        "missing".to_owned(),
        CustomGauge {
            metric: "nope".into(),
            labels: BTreeMap::new(),
        },
    );
    let r = read(&parse(SITE).samples, &Mapping::default(), &custom);
    assert_eq!(r.custom.get("api_ms"), Some(&42.5));
    assert_eq!(r.custom.get("all_ms"), Some(&49.5));
    assert_eq!(r.custom.get("missing"), None);
}

#[test]
fn metric_and_label_names_are_checked() {
    assert!(check_metric_name("a:b_c1").is_ok());
    assert!(check_metric_name("1a").is_err());
    assert!(check_metric_name("").is_err());
    assert!(check_label_name("a:b").is_err());
    let mut m = Mapping::default();
    m.sf_buffer.label = "bad-label".into();
    assert_eq!(m.validate().unwrap_err().key, "mapping.sf_buffer.label");
}
