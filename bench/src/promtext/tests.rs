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
    assert_eq!(sum_or_zero(TEXT, "nope", &[]), 0.0);
    assert_eq!(count_series(TEXT, "healthmon_site_"), 2);
}
