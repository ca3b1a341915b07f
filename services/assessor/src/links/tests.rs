use super::*;

// As nats-server 2.15 sends them (trimmed).
const LEAF: &str = r#"{"type":"io.nats.server.advisory.v1.client_disconnect","timestamp":"2026-12-06T14:25:24.947Z","client":{"start":"2026-12-06T14:25:22.2Z","acc":"APP","user":"leaf","name":"leaf-eu-1","stop":"2026-12-06T14:25:24.947045639Z","kind":"Leafnode"},"reason":"Client Closed"}"#;
const COLLECTOR: &str = r#"{"type":"io.nats.server.advisory.v1.client_disconnect","timestamp":"2026-12-06T14:25:24.426Z","client":{"acc":"APP","user":"site-plant-1","name":"healthmon-collector plant-1","stop":"2026-12-06T14:25:24.426021023Z","kind":"Client"},"reason":"Client Closed"}"#;

#[test]
fn a_leaf_nodes_and_a_collectors_disconnect_are_links_down() {
    assert_eq!(
        parse(LEAF.as_bytes(), 0),
        Some(LinkDown::Leaf {
            name: "leaf-eu-1".into(),
            at_ms: 1_796_567_124_947
        })
    );
    let down = parse(COLLECTOR.as_bytes(), 0).unwrap();
    assert_eq!(
        down,
        LinkDown::Site {
            site_id: "plant-1".into(),
            at_ms: 1_796_567_124_426
        }
    );
    assert_eq!(
        lost_reason(&down),
        "link connection of plant-1 lost at 14:25:24 UTC"
    );
}

#[test]
fn other_connections_and_garbage_are_nothing() {
    let other = COLLECTOR.replace("healthmon-collector plant-1", "healthmon-aggregator");
    assert_eq!(parse(other.as_bytes(), 0), None);
    let bad_site = COLLECTOR.replace("plant-1", "plant 1!");
    assert_eq!(parse(bad_site.as_bytes(), 0), None);
    assert_eq!(parse(b"not json", 0), None);
    assert_eq!(
        parse(br#"{"client":{"kind":"Router","name":"x"}}"#, 0),
        None
    );
    // No time: now.
    let undated = r#"{"client":{"kind":"Leafnode","name":"l"}}"#;
    assert_eq!(
        parse(undated.as_bytes(), 42),
        Some(LinkDown::Leaf {
            name: "l".into(),
            at_ms: 42
        })
    );
}
