//! What decoding one report costs, by decoder: the single-pass reader, the
//! serde path it stands in front of (framing pass + rmp-serde), and the
//! services' whole `decode_view` (reader + validation); then the
//! aggregator's compact form, written and read by hand and through serde.
//!
//! `cargo run --release -p healthmon-proto --example decode_cost`
//! (docs/PERFORMANCE.md quotes its figures with the machine they ran on).

use std::hint::black_box;
use std::time::Instant;

use healthmon_proto::validate::decode_view;
use healthmon_proto::{ReportView, codec, encode, reader};
use healthmon_test_support::fixtures;

const ROUNDS: u32 = 1_000_000;

fn time(name: &str, payload: &[u8], decode: impl Fn(&[u8]) -> bool) {
    // Warm up, and make sure the decoder takes this payload at all.
    assert!(decode(payload), "{name} refused the payload");
    let start = Instant::now();
    for _ in 0..ROUNDS {
        black_box(decode(black_box(payload)));
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(ROUNDS);
    println!("  {name:<34} {ns:>8.0} ns/report");
}

fn main() {
    for (shape, report) in [
        ("healthy", fixtures::healthy("site-000001")),
        ("full", fixtures::full("site-000001")),
    ] {
        let payload = encode(&report);
        println!("{shape} report, {} bytes:", payload.len());
        time("reader::read (single pass)", &payload, |p| {
            reader::read(p).is_some()
        });
        time("serde (framing + rmp-serde)", &payload, |p| {
            codec::decode_borrowed::<ReportView>(p).is_ok()
        });
        time("decode_view (decode + validate)", &payload, |p| {
            decode_view(p, "site-000001").is_ok()
        });
        let view = report.view();
        let compact = view.to_compact();
        time("compact: write by hand", &payload, |_| {
            !view.to_compact().is_empty()
        });
        time("compact: write through serde", &payload, |_| {
            !rmp_serde::to_vec(&view).unwrap().is_empty()
        });
        time("compact: read by hand", &compact, |p| {
            ReportView::from_compact(p).is_ok()
        });
        time("compact: read through serde", &compact, |p| {
            codec::decode_borrowed::<ReportView>(p).is_ok()
        });
    }
}
