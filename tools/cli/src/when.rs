//! When a maintenance window ends: `--for 2h` (from now) or `--until` an
//! RFC 3339 time with its zone (`2026-03-01T18:00:00Z`,
//! `2026-03-01T19:00:00+01:00`) or unix milliseconds (what the API takes).
//!
//! Pure: the current time is a parameter, so every case is unit- and
//! property-tested. A time without a zone is refused rather than guessed
//! (local time or UTC?), as is one that is not in the future.

use std::time::{Duration, UNIX_EPOCH};

use healthmon_common::config_error::BadValue;

use crate::usage::Usage;

const UNTIL_EXPECTED: &str = "expected an RFC 3339 time with its zone (2026-03-01T18:00:00Z, \
     2026-03-01T19:00:00+01:00) or unix milliseconds";

/// `--for`: a positive duration such as `90m`, `2h`, `1d 12h`.
pub fn parse_for(text: &str) -> Result<Duration, BadValue> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| BadValue(format!("{e} (expected e.g. 30m, 2h, 1d)")))?;
    if d < Duration::from_secs(1) {
        return Err(BadValue("expected at least 1s".into()));
    }
    Ok(d)
}

/// `--until`: the unix ms it names (not yet checked against now).
pub fn parse_until(text: &str) -> Result<u64, BadValue> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map_err(|_| BadValue(format!("{text} is too large for unix milliseconds")));
    }
    let bad = || BadValue(UNTIL_EXPECTED.to_owned());
    let (local, offset_s) = split_zone(text).ok_or_else(bad)?;
    let bytes = local.as_bytes();
    if bytes.len() < 19 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    // RFC 3339 allows a lower-case `t`; humantime does not.
    let at = humantime::parse_rfc3339_weak(&local.to_ascii_uppercase()).map_err(|_| bad())?;
    let ms = at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| bad())?
        .as_millis();
    let ms = i128::try_from(ms).map_err(|_| bad())? - i128::from(offset_s) * 1000;
    u64::try_from(ms).map_err(|_| bad())
}

/// The local part of an RFC 3339 time and its offset east of UTC in
/// seconds: `Z` is 0, `+01:00` is 3600; `None` without a zone.
fn split_zone(text: &str) -> Option<(&str, i64)> {
    if let Some(local) = text.strip_suffix(['Z', 'z']) {
        return Some((local, 0));
    }
    let split = text.len().checked_sub(6)?;
    let (local, zone) = (text.get(..split)?, text.get(split..)?);
    let z = zone.as_bytes();
    let sign = match z[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = |a: u8, b: u8| -> Option<i64> {
        (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from((a - b'0') * 10 + (b - b'0')))
    };
    let (hours, minutes) = (digits(z[1], z[2])?, digits(z[4], z[5])?);
    if z[3] != b':' || hours > 23 || minutes > 59 {
        return None;
    }
    Some((local, sign * (hours * 3600 + minutes * 60)))
}

/// The end of a window as unix ms, from `--for` or `--until` (open-ended
/// with neither), checked to lie in the future of `now_ms`.
pub fn window_end(
    for_duration: Option<Duration>,
    until_ms: Option<u64>,
    now_ms: u64,
) -> Result<Option<u64>, Usage> {
    let end = match (for_duration, until_ms) {
        (None, None) => return Ok(None),
        (Some(d), _) => {
            let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            now_ms
                .checked_add(ms)
                .ok_or_else(|| Usage::new("--for: too long"))?
        }
        (None, Some(until)) => until,
    };
    if end <= now_ms {
        let hint = if end < 100_000_000_000 {
            " (unix milliseconds: was it given in seconds?)"
        } else {
            ""
        };
        return Err(Usage(format!(
            "--until: {} is not in the future{hint}",
            crate::render::timestamp(end)
        )));
    }
    Ok(Some(end))
}

#[cfg(test)]
mod tests;
