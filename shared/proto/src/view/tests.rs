use super::*;
use crate::fixtures::node;
use crate::test_arb;
use crate::validate::{decode_view, validate_view};
use crate::{encode, validate_report};
use proptest::prelude::*;
use rmpv::Value;

fn full() -> HealthReport {
    let mut r = HealthReport::new("site-1", "0123456789abcdef0123456789abcdef", 42);
    r.sent_at_ms = 1_700_000_000_000;
    r.interval_ms = 10_000;
    r.nodes = vec![
        node("node-a", NodeRole::Active),
        node("node-b", NodeRole::Standby),
    ];
    r.connections = (1..=8)
        .map(|i| ConnectionStatus {
            name: format!("plc-{i:02}"),
            connected: i != 3,
        })
        .collect();
    r.script_errors = ErrorCounter {
        total: 12,
        per_min: 0.5,
    };
    r.sf_buffer.db_write = 4;
    r.resources = Some(Resources {
        cpu_pct: 12.5,
        mem_used_bytes: 5,
        mem_total_bytes: 10,
        disk_used_pct: 40.0,
        load1: 0.7,
    });
    r.custom.insert("response_ms".into(), 42.0);
    r.custom.insert("queue".into(), 3.0);
    r
}

#[test]
fn a_view_of_the_wire_form_is_the_report() {
    let r = full();
    let bytes = encode(&r);
    let view = ReportView::decode(&bytes).unwrap();
    assert_eq!(view, r.view());
    assert_eq!(view.to_report(), r);
    assert_eq!(view.active_node(), Some("node-a"));
    assert_eq!(view.connections_up(), 7);
}

#[test]
fn compact_form_round_trips_and_is_smaller() {
    let r = full();
    let wire = encode(&r);
    let compact = r.view().to_compact();
    let back = ReportView::from_compact(&compact).unwrap();
    assert_eq!(back.to_report(), r);
    assert!(
        compact.len() * 10 < wire.len() * 6,
        "compact {} vs wire {} bytes",
        compact.len(),
        wire.len()
    );
    // A report without resources or custom values survives too.
    let bare = HealthReport::new("s", "i", 1);
    let compact = bare.view().to_compact();
    assert_eq!(
        ReportView::from_compact(&compact).unwrap().to_report(),
        bare
    );
}

#[test]
fn duplicate_custom_keys_on_the_wire_are_refused() {
    let buf = crate::test_wire::minimal_report(vec![(
        Value::from("custom"),
        Value::Map(vec![
            (Value::from("x"), Value::from(1.0)),
            (Value::from("x"), Value::from(2.0)),
        ]),
    )]);
    assert_eq!(
        decode_view(&buf, "s").unwrap_err().reason(),
        "duplicate_name"
    );
}

#[test]
fn roles_and_names_must_be_strings() {
    let buf = crate::test_wire::minimal_report(vec![(
        Value::from("nodes"),
        Value::Array(vec![Value::Map(vec![
            (Value::from("name"), Value::from("a")),
            (Value::from("role"), Value::from(0)),
        ])]),
    )]);
    assert_eq!(decode_view(&buf, "s").unwrap_err().reason(), "malformed");
}

proptest! {
    #[test]
    fn view_and_owned_decoding_agree(r in test_arb::report()) {
        let bytes = encode(&r);
        let view = ReportView::decode(&bytes).unwrap();
        prop_assert_eq!(view.to_report(), r.clone());
        let compact = view.to_compact();
        prop_assert_eq!(ReportView::from_compact(&compact).unwrap().to_report(), r.clone());
        prop_assert_eq!(
            validate_view(&view, &r.site_id).map_err(|e| e.reason()),
            validate_report(&r, &r.site_id).map_err(|e| e.reason())
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_view(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = ReportView::decode(&bytes);
        let _ = ReportView::from_compact(&bytes);
    }
}
