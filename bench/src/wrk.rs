//! Runs Debian's `wrk` and reads its report (`--latency` adds the percentiles).

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct WrkResult {
    pub path: String,
    pub requests_per_s: f64,
    pub requests: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Non-2xx answers plus socket errors.
    pub errors: u64,
}

pub async fn run(
    wrk: &Path,
    url: &str,
    authorization: &str,
    threads: u32,
    connections: u32,
    seconds: u64,
) -> Result<WrkResult> {
    if !wrk.is_file() {
        bail!(
            "{} not found: run scripts/install-deps.sh --bench-tools",
            wrk.display()
        );
    }
    let output = tokio::process::Command::new(wrk)
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-H",
            &format!("Authorization: {authorization}"),
            url,
        ])
        .output()
        .await
        .with_context(|| format!("run {}", wrk.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            output.status,
            text,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let path = url
        .find("/api")
        .map_or(url.to_owned(), |i| url[i..].to_owned());
    parse(&text, path).with_context(|| format!("unexpected wrk output: {text}"))
}

pub fn parse(text: &str, path: String) -> Option<WrkResult> {
    let mut result = WrkResult {
        path,
        requests_per_s: 0.0,
        requests: 0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        errors: 0,
    };
    let (mut rps, mut p50, mut p99) = (None, None, None);
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => rps = v.parse().ok(),
            ["50%", v] => p50 = millis(v),
            ["99%", v] => p99 = millis(v),
            [n, "requests", "in", ..] => result.requests = n.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", n] => result.errors += n.parse::<u64>().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                result.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    result.requests_per_s = rps?;
    result.p50_ms = p50?;
    result.p99_ms = p99?;
    Some(result)
}

/// `812.00us`, `1.23ms`, `2.01s`, `1.5m` in milliseconds.
fn millis(v: &str) -> Option<f64> {
    let split = v.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = v.split_at(split);
    let n: f64 = n.parse().ok()?;
    let factor = match unit {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 60e3,
        _ => return None,
    };
    Some((n * factor * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests;
