//! Numbers as reasons show them: thresholds as a user wrote them.

/// `10` for whole numbers, `2.5` otherwise.
pub(crate) fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
