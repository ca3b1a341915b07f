use super::*;
use proptest::prelude::*;

const TEXT: &str = r#"
# HELP site_connection_up Whether a data connection is up.
# TYPE site_connection_up gauge
site_connection_up{connection="plc-1"} 1
site_connection_up{connection="opc, line \"2\"",site="x"} 0 1700000000000
site_script_errors_total 17
weird:metric_name{ a = "b" , } +Inf
nan_metric NaN
"#;

#[test]
fn parses_samples_and_skips_comments() {
    let p = parse(TEXT);
    assert_eq!(p.bad_lines, 0);
    assert_eq!(p.samples.len(), 5);
    assert_eq!(p.samples[0].name, "site_connection_up");
    assert_eq!(p.samples[0].label("connection"), Some("plc-1"));
    assert_eq!(p.samples[0].value, 1.0);
    assert_eq!(p.samples[1].label("connection"), Some("opc, line \"2\""));
    assert_eq!(p.samples[1].label("site"), Some("x"));
    assert_eq!(p.samples[1].value, 0.0);
    assert_eq!(p.samples[2].labels, vec![]);
    assert_eq!(p.samples[2].value, 17.0);
    assert_eq!(p.samples[3].name, "weird:metric_name");
    assert_eq!(p.samples[3].label("a"), Some("b"));
    assert_eq!(p.samples[3].value, f64::INFINITY);
    assert!(p.samples[4].value.is_nan());
}

#[test]
fn unescapes_label_values() {
    let p = parse(r#"m{l="a\\b\nc\"d}"} 2"#);
    assert_eq!(p.samples[0].label("l"), Some("a\\b\nc\"d}"));
}

#[test]
fn counts_bad_lines_and_keeps_good_ones() {
    let p = parse("ok 1\n9bad 1\nno_value\nm{l=\"open 1\nm{l=x} 1\nm 12abc\nfine{a=\"1\"} 2\n");
    assert_eq!(p.bad_lines, 5);
    let names: Vec<_> = p.samples.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ok", "fine"]);
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,400}") {
        let _ = parse(&text);
    }

    #[test]
    fn label_values_round_trip(value in "\\PC{0,40}", v in -1e12f64..1e12) {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        let p = parse(&format!("metric{{name=\"{escaped}\"}} {v}"));
        prop_assert_eq!(p.bad_lines, 0);
        prop_assert_eq!(p.samples[0].label("name"), Some(value.as_str()));
        prop_assert_eq!(p.samples[0].value, v);
    }
}
