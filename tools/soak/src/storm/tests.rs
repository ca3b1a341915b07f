use super::*;

fn done(what: Restart) -> Storm {
    let secs = |s| Some(Duration::from_secs(s));
    settled(what, [secs(23), secs(22)])
}

#[test]
fn a_storm_that_settles_passes_and_says_how_long_it_took() {
    let storm = done(Restart::Centre);
    assert_eq!(storm.failures(), Vec::<String>::new());
    let text = storm.render();
    assert!(text.contains("aggregator + assessor, down 1.5 s"), "{text}");
    assert!(
        text.contains("resend window asked                    20.0 s"),
        "{text}"
    );
    assert!(
        text.contains("every site current (agg)     23.0 s"),
        "{text}"
    );
    assert!(
        text.contains("every site current (ass)     22.0 s"),
        "{text}"
    );
}

#[test]
fn only_what_was_restarted_must_be_current_again() {
    let storm = Storm {
        assessor_current: None,
        ..done(Restart::Aggregator)
    };
    assert_eq!(storm.failures(), Vec::<String>::new());
    assert!(!storm.render().contains("(ass)"));
    assert!(storm.restarted(0) && !storm.restarted(1) && !storm.restarted(2));
    let centre = done(Restart::Centre);
    assert!(centre.restarted(0) && centre.restarted(1) && !centre.restarted(2));
}

#[test]
fn each_way_a_storm_can_go_wrong_is_named() {
    type Break = fn(&mut Storm);
    let cases: [(Break, &str); 4] = [
        (|s| s.window = None, "no resend command"),
        (|s| s.answers = 399, "999 of 1000 sites answered"),
        (|s| s.aggregator_current = None, "aggregator did not hold"),
        (|s| s.assessor_current = None, "assessor did not hold"),
    ];
    for (break_it, expected) in cases {
        let mut storm = done(Restart::Centre);
        break_it(&mut storm);
        let failures = storm.failures();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].contains(expected), "{failures:?}");
    }
}
