use super::*;
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000_000; // 2023-11-14T22:13:20Z

#[test]
fn until_takes_rfc_3339_with_a_zone_or_unix_ms() {
    for (text, ms) in [
        ("2023-11-14T22:13:20Z", NOW),
        ("2023-11-14t22:13:20z", NOW),
        ("2023-11-14 22:13:20Z", NOW),
        ("2023-11-14T22:13:20.250Z", NOW + 250),
        ("2023-11-14T23:13:20+01:00", NOW),
        ("2023-11-14T17:43:20-04:30", NOW),
        ("2023-11-14T22:13:20+00:00", NOW),
        ("1700000000000", NOW),
        (" 1700000000000 ", NOW),
    ] {
        assert_eq!(parse_until(text), Ok(ms), "{text}");
    }
}

#[test]
fn until_refuses_what_it_would_have_to_guess() {
    for text in [
        "",
        "2023-11-14T22:13:20",
        "2023-11-14",
        "tomorrow",
        "2023-11-14T22:13:20+1:00",
        "2023-11-14T22:13:20+01:60",
        "2023-11-14T22:13:20+24:00",
        "2023-11-14X22:13:20Z",
        "2023-13-14T22:13:20Z",
        "-5",
        "99999999999999999999999",
        "1969-12-31T23:59:59Z",
    ] {
        let e = parse_until(text).unwrap_err();
        assert!(
            e.0.contains("expected") || e.0.contains("too large"),
            "{text}: {e}"
        );
    }
}

#[test]
fn for_is_a_positive_duration() {
    assert_eq!(parse_for("2h"), Ok(Duration::from_secs(7200)));
    assert_eq!(parse_for("1d 12h"), Ok(Duration::from_secs(129_600)));
    for bad in ["", "0s", "500ms", "soon", "-1h"] {
        assert!(parse_for(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_end_of_a_window_is_in_the_future() {
    assert_eq!(window_end(None, None, NOW), Ok(None));
    assert_eq!(
        window_end(Some(Duration::from_secs(60)), None, NOW),
        Ok(Some(NOW + 60_000))
    );
    assert_eq!(window_end(None, Some(NOW + 1), NOW), Ok(Some(NOW + 1)));
    let past = window_end(None, Some(NOW), NOW).unwrap_err().0;
    assert!(
        past.contains("2023-11-14T22:13:20Z is not in the future"),
        "{past}"
    );
    assert!(!past.contains("seconds"), "{past}");
    // Unix seconds given where milliseconds are expected.
    let seconds = window_end(None, Some(NOW / 1000), NOW).unwrap_err().0;
    assert!(seconds.contains("given in seconds?"), "{seconds}");
    assert!(window_end(Some(Duration::MAX), None, NOW).is_err());
}

proptest! {
    #[test]
    fn any_time_written_in_any_zone_reads_back_as_the_same_instant(
        ms in 0u64..4_102_444_800_000,
        offset_minutes in -(23 * 60 + 59)..=(23i64 * 60 + 59),
    ) {
        let shifted = ms as i64 + offset_minutes * 60_000;
        prop_assume!(shifted >= 0);
        let local = humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(shifted as u64)).to_string();
        let local = local.trim_end_matches('Z');
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let m = offset_minutes.abs();
        let text = format!("{local}{sign}{:02}:{:02}", m / 60, m % 60);
        prop_assert_eq!(parse_until(&text), Ok(ms), "{}", text);
        prop_assert_eq!(parse_until(&ms.to_string()), Ok(ms));
    }

    #[test]
    fn any_text_either_parses_or_says_what_is_expected(text in "[0-9T:Z+ .-]{0,30}") {
        match parse_until(&text) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.0.contains("expected") || e.0.contains("too large"), "{}", e),
        }
    }

    #[test]
    fn a_window_never_ends_at_or_before_now(
        now in 0u64..u64::MAX / 2,
        secs in proptest::option::of(1u64..10_000_000),
        until in proptest::option::of(any::<u64>()),
    ) {
        let for_duration = secs.map(Duration::from_secs);
        match window_end(for_duration, until, now) {
            Ok(Some(end)) => prop_assert!(end > now),
            Ok(None) => prop_assert!(secs.is_none() && until.is_none()),
            Err(e) => prop_assert!(e.0.contains("--until") && until.is_some_and(|u| u <= now) && secs.is_none(), "{}", e),
        }
    }
}
