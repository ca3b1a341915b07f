use super::*;

fn secs(ms: u64) -> String {
    format!("{}s", ms / 1000)
}

#[test]
fn a_connectivity_reason_ticks_on_from_the_last_report() {
    let reason = "no report for 15s (timeout 15s)";
    assert_eq!(
        reason_at(reason, Some(1_000), 99_000, secs),
        "no report for 98s (timeout 15s)"
    );
    assert_eq!(
        reason_at("no report for 47s (late after 45s)", Some(0), 50_000, secs),
        "no report for 50s (late after 45s)"
    );
    // Without a threshold too.
    assert_eq!(
        reason_at("no report for 90s", Some(0), 120_000, secs),
        "no report for 120s"
    );
}

#[test]
fn it_never_reads_less_than_the_assessor_measured() {
    // This clock is 2 s behind the assessor's.
    assert_eq!(
        reason_at(
            "no report for 15s (timeout 15s)",
            Some(10_000),
            23_000,
            secs
        ),
        "no report for 15s (timeout 15s)"
    );
    assert_eq!(
        reason_at(
            "no report for 0.6s (timeout 0.6s)",
            Some(0),
            0,
            |ms| format!("{ms}ms")
        ),
        "no report for 600ms (timeout 0.6s)"
    );
}

#[test]
fn other_reasons_and_sites_never_heard_stay_as_they_are() {
    for reason in [
        "connection plc-2 disconnected",
        "and 3 more",
        "",
        "no report",
    ] {
        assert!(matches!(
            reason_at(reason, Some(0), 60_000, secs),
            Cow::Borrowed(r) if r == reason
        ));
    }
    assert_eq!(
        reason_at("no report for 15s (timeout 15s)", None, 60_000, secs),
        "no report for 15s (timeout 15s)"
    );
}

#[test]
fn durations_read_as_the_assessor_writes_them() {
    assert_eq!(seconds_ms("92s"), Some(92_000));
    assert_eq!(seconds_ms("0.3s"), Some(300));
    assert_eq!(seconds_ms("1m"), None);
    assert_eq!(seconds_ms("-1s"), None);
    assert_eq!(seconds_ms("NaNs"), None);
}
