use proptest::prelude::*;

use super::*;
use crate::fixtures::{full, node};
use crate::test_arb;
use crate::{HealthReport, NodeRole};

/// What serde writes for a view: the oracle of the compact form.
fn serde_compact(view: &ReportView<'_>) -> Vec<u8> {
    rmp_serde::to_vec(view).expect("views always encode")
}

fn assert_round_trip(r: &HealthReport) {
    let view = r.view();
    let bytes = write(&view);
    assert_eq!(
        &bytes[..],
        &serde_compact(&view)[..],
        "the bytes serde writes"
    );
    let back = read(&bytes).expect("reads what it wrote");
    assert_eq!(&write(&back)[..], &bytes[..], "reads back the same view");
    let through_serde: ReportView<'_> = rmp_serde::from_slice(&bytes).expect("serde reads it");
    assert_eq!(&write(&through_serde)[..], &bytes[..]);
}

#[test]
fn a_full_report_with_every_role_round_trips_as_serde_writes_it() {
    let mut r = full("site-1");
    r.nodes.push(node("node-c", NodeRole::Unknown));
    assert_round_trip(&r);
    assert_eq!(read(&write(&r.view())), Some(r.view()));
}

#[test]
fn a_bare_report_and_odd_numbers_round_trip() {
    let mut r = HealthReport::new("s", "i", 1);
    assert_round_trip(&r);
    r.script_errors.per_min = f64::NAN;
    r.seq = u64::MAX;
    r.custom.insert("neg".into(), -0.0);
    assert_round_trip(&r);
}

#[test]
fn bytes_it_did_not_write_are_refused_not_misread() {
    let bytes = write(&full("site-1").view());
    for end in 0..bytes.len() {
        assert_eq!(read(&bytes[..end]), None, "cut at {end}");
    }
    let mut longer = bytes.to_vec();
    longer.push(0xc0);
    assert_eq!(read(&longer), None);
    // The wire (named) form is not the compact one.
    assert_eq!(read(&crate::encode(&full("site-1"))), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]
    #[test]
    fn any_report_round_trips_as_serde_writes_it(r in test_arb::report()) {
        assert_round_trip(&r);
    }
}
