use super::*;

const TEXT: &str = "# TYPE x_total counter\n\
    x_total 3\n\
    x_total_other 100\n\
    y_total{reason=\"a\"} 1\n\
    y_total{reason=\"b\",z=\"1\"} 2\n\
    healthmon_site_up{site=\"s1\"} 1\n\
    healthmon_site_up{site=\"s2\"} 0\n";

#[test]
fn sums_by_name_and_labels() {
    assert_eq!(sum(TEXT, "x_total", &[]), Some(3.0));
    assert_eq!(sum(TEXT, "y_total", &[]), Some(3.0));
    assert_eq!(sum(TEXT, "y_total", &[("reason", "b")]), Some(2.0));
    assert_eq!(sum(TEXT, "y_total", &[("reason", "c")]), None);
    assert_eq!(sum(TEXT, "nope", &[]), None);
    assert_eq!(count_series(TEXT, "healthmon_site_"), 2);
}

#[test]
fn reads_one_series_exactly() {
    assert_eq!(value(TEXT, "x_total"), Some(3.0));
    assert_eq!(value(TEXT, "healthmon_site_up{site=\"s2\"}"), Some(0.0));
    assert_eq!(value(TEXT, "healthmon_site_up{site=\"s3\"}"), None);
    // A longer name sharing the prefix is another series.
    assert_eq!(value(TEXT, "x_tot"), None);
}

#[test]
fn the_strict_reader_takes_valid_text_and_refuses_what_prometheus_would() {
    let scrape = parse(TEXT).unwrap();
    assert_eq!(scrape.value("y_total", &[("reason", "b")]), Some(2.0));
    assert_eq!(scrape.types["x_total"], "counter");
    for (bad, why) in [
        ("a{b=c} 1\n", "not quoted"),
        ("a 1\nb 1\na 2\n", "several runs"),
        ("a{x=\"1\"} 1\na{x=\"1\"} 2\n", "duplicate series"),
        ("a 1\n# TYPE a gauge\n", "TYPE after samples"),
        ("a{x=\"\\q\"} 1\n", "bad escape"),
        ("1a 1\n", "bad metric name"),
    ] {
        let err = parse(bad).unwrap_err();
        assert!(err.0.contains(why), "{bad:?}: {err}");
    }
}
