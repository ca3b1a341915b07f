use super::*;
use proptest::prelude::*;

#[test]
fn thresholds_follow_the_declared_interval() {
    let t = Thresholds::new(30_000, 3);
    assert_eq!(t.late_ms, 45_000);
    assert_eq!(t.offline_ms, 90_000);
    assert_eq!(t.judge(44_999), Connectivity::Online);
    assert_eq!(t.judge(45_000), Connectivity::Late);
    assert_eq!(t.judge(89_999), Connectivity::Late);
    assert_eq!(t.judge(90_000), Connectivity::Offline);
}

#[test]
fn reasons_name_elapsed_and_threshold() {
    let t = Thresholds::new(30_000, 3);
    assert_eq!(
        t.reason(Connectivity::Offline, 92_400).unwrap(),
        "no report for 92s (timeout 90s)"
    );
    assert_eq!(
        t.reason(Connectivity::Late, 47_000).unwrap(),
        "no report for 47s (late after 45s)"
    );
    assert_eq!(t.reason(Connectivity::Online, 1), None);
    let short = Thresholds::new(200, 3);
    assert_eq!(
        short.reason(Connectivity::Offline, 640).unwrap(),
        "no report for 0.6s (timeout 0.6s)"
    );
}

/// The page and the CLI re-time these reasons as the silence goes on
/// (`healthmon_proto::reason`): they must recognise what is written here.
#[test]
fn displays_can_re_time_these_reasons() {
    let t = Thresholds::new(30_000, 3);
    for (connectivity, elapsed, then) in [
        (
            Connectivity::Offline,
            92_400,
            "no report for 150s (timeout 90s)",
        ),
        (
            Connectivity::Late,
            47_000,
            "no report for 150s (late after 45s)",
        ),
    ] {
        let written = t.reason(connectivity, elapsed).unwrap();
        let shown = healthmon_proto::reason::reason_at(&written, Some(0), 150_000, |ms| {
            format!("{}s", ms / 1000)
        });
        assert_eq!(shown, then);
    }
}

#[test]
fn seconds_formatting() {
    for (ms, shown) in [
        (0, "0s"),
        (300, "0.3s"),
        (1_500, "1.5s"),
        (2_000, "2s"),
        (92_999, "92s"),
    ] {
        assert_eq!(fmt_secs(ms), shown, "{ms} ms");
    }
}

proptest! {
    #[test]
    fn late_comes_before_offline(interval in 100u64..=86_400_000, missed in 2u32..100) {
        let t = Thresholds::new(interval, missed);
        prop_assert!(t.late_ms < t.offline_ms);
        prop_assert!(t.late_ms >= interval);
    }

    #[test]
    fn judgement_only_worsens_with_time(
        interval in 100u64..1_000_000,
        missed in 2u32..10,
        a in 0u64..20_000_000,
        b in 0u64..20_000_000,
    ) {
        let t = Thresholds::new(interval, missed);
        let rank = |c: Connectivity| match c {
            Connectivity::Online => 0,
            Connectivity::Late => 1,
            _ => 2,
        };
        let (early, late) = (a.min(b), a.max(b));
        prop_assert!(rank(t.judge(early)) <= rank(t.judge(late)));
        prop_assert_eq!(t.judge(late) == Connectivity::Offline, late >= interval * u64::from(missed));
    }
}
