//! Reasons as a display shows them later than they were written.
//!
//! The assessor writes the reason of a late or offline site once, at the
//! transition: "no report for 92s (timeout 90s)". Shown a minute later
//! beside "last report 1m 32s ago", that frozen "92s" contradicts the
//! page. [`reason_at`] re-times such a reason from the site's last report,
//! so the page and the CLI show how long the silence has lasted now. The
//! wire keeps what the assessor measured: an event records a moment.

use std::borrow::Cow;

/// How the assessor's connectivity reasons begin: "no report for <elapsed>",
/// optionally followed by " (<threshold>)".
pub const NO_REPORT_PREFIX: &str = "no report for ";

/// `reason` as it reads at `now_ms`: a connectivity reason ("no report for
/// 15s (timeout 15s)") gets the time elapsed since `last_report_ms`,
/// written by `fmt_elapsed` (milliseconds in), and keeps its threshold.
/// The elapsed time never reads less than the assessor measured, even
/// against a clock a little behind the assessor's. Other reasons, or a
/// site without a last report, are returned as they are.
pub fn reason_at(
    reason: &str,
    last_report_ms: Option<u64>,
    now_ms: u64,
    fmt_elapsed: impl FnOnce(u64) -> String,
) -> Cow<'_, str> {
    let (Some(rest), Some(last)) = (reason.strip_prefix(NO_REPORT_PREFIX), last_report_ms) else {
        return Cow::Borrowed(reason);
    };
    let (said, threshold) = match rest.find(" (") {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let elapsed = now_ms
        .saturating_sub(last)
        .max(seconds_ms(said).unwrap_or(0));
    Cow::Owned(format!(
        "{NO_REPORT_PREFIX}{}{threshold}",
        fmt_elapsed(elapsed)
    ))
}

/// "92s" or "0.3s" (how the assessor writes durations) in milliseconds.
fn seconds_ms(text: &str) -> Option<u64> {
    let seconds: f64 = text.strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1000.0).round() as u64)
}

#[cfg(test)]
mod tests;
