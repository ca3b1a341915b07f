use super::*;

#[test]
fn nothing_to_say_is_no_key_and_old_payloads_decode() {
    assert!(Judgement::default().is_empty());
    let json = serde_json::to_value(Judgement::default()).unwrap();
    assert_eq!(json, serde_json::json!({}));
    let partial: Judgement = serde_json::from_str(r#"{"score": 80, "future": 1}"#).unwrap();
    assert_eq!(partial.score, Some(80));
    assert!(partial.flapping.is_none());
}

#[test]
fn windows_read_in_their_largest_whole_unit() {
    assert_eq!(fmt_window(600), "10 min");
    assert_eq!(fmt_window(7200), "2 h");
    assert_eq!(fmt_window(90), "90 s");
    let f = Flapping {
        changes: 7,
        window_s: 600,
    };
    assert_eq!(flapping_reason(&f), "flapping: 7 changes in 10 min");
}
