use super::*;

fn rows(rss: &[u64]) -> Vec<Row> {
    rss.iter()
        .enumerate()
        .map(|(i, &b)| Row {
            elapsed: Duration::from_secs(10 * (i as u64 + 1)),
            rss: [b, 0, 0, 0],
            ..Row::default()
        })
        .collect()
}

const MIB: u64 = 1024 * 1024;

#[test]
fn memory_compares_the_peaks_of_two_halves_after_warmup() {
    // Warm-up (20 s) excludes the first row; then halves [200, 260] and [205, 203].
    let r = rows(&[10 * MIB, 200 * MIB, 260 * MIB, 205 * MIB, 203 * MIB]);
    let m = Memory::of(&r, 0, Duration::from_secs(20)).unwrap();
    let want = Memory {
        first_half_max: 260 * MIB,
        second_half_max: 205 * MIB,
        at_end: 203 * MIB,
    };
    assert_eq!(m, want);
    assert!(m.is_flat(0.0), "a spike in the first half is not growth");
    let leak = rows(&[10 * MIB, 200 * MIB, 220 * MIB, 240 * MIB, 260 * MIB]);
    let leak = Memory::of(&leak, 0, Duration::from_secs(20)).unwrap();
    assert!(!leak.is_flat(10.0));
    assert_eq!(Memory::of(&r, 0, Duration::from_secs(50)), None);
}

fn clean() -> Figures {
    Figures {
        sent: 1000,
        accepted_aggregator: 1000,
        accepted_assessor: 1000,
        ..Figures::default()
    }
}

#[test]
fn a_clean_run_passes_and_each_fault_fails_it() {
    assert!(clean().failures().is_empty());
    let faults: [fn(&mut Figures); 9] = [
        |f| f.failed_scrapes = 1,
        |f| f.get = Some((GET_WITHIN + Duration::from_millis(1), Duration::ZERO, 10)),
        |f| f.accepted_assessor = 999,
        |f| f.rejected_aggregator = 1,
        |f| f.seq_gaps = [0, 1],
        |f| f.slow_consumers = 1,
        |f| f.false_late = 1,
        |f| f.false_offline = 1,
        |f| f.very_late_sends = 1,
    ];
    for fault in faults {
        let mut f = clean();
        fault(&mut f);
        assert_eq!(f.failures().len(), 1, "{f:?}");
    }
    // A slow answer while the first reports fill the table is shown, not judged.
    let fast = Figures {
        get: Some((GET_WITHIN, Duration::from_millis(2), 600)),
        get_warmup: Some((Duration::from_millis(240), Duration::from_millis(30), 180)),
        ..clean()
    };
    assert!(fast.failures().is_empty());
    let rendered = fast.render();
    assert!(rendered.contains("600 asked: p99 2.0 ms, slowest 50.0 ms"));
    assert!(rendered.contains("during the warm-up (not judged)"));
    assert!(rendered.contains("180 asked: p99 30.0 ms, slowest 240.0 ms"));
    let rendered = clean().render();
    assert!(rendered.contains("false late / offline events"));
}
