//! Percentiles of measured durations (nearest-rank, no interpolation: a
//! reported p99.9 is a sample that really happened).

use std::time::Duration;

use serde::Serialize;

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub samples: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    /// Of signed millisecond values (detection precision can, in principle, be early).
    pub fn of_ms(mut values: Vec<f64>) -> Self {
        if values.is_empty() {
            return Percentiles::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| {
            // Nearest rank: the smallest value with at least q of the samples at or below it.
            let rank = (q * values.len() as f64).ceil() as usize;
            values[rank.clamp(1, values.len()) - 1]
        };
        Percentiles {
            samples: values.len(),
            p50_ms: round3(at(0.50)),
            p99_ms: round3(at(0.99)),
            p999_ms: round3(at(0.999)),
            max_ms: round3(values[values.len() - 1]),
        }
    }

    pub fn of(durations: &[Duration]) -> Self {
        Self::of_ms(durations.iter().map(|d| d.as_secs_f64() * 1e3).collect())
    }
}

/// Three decimals: enough for microseconds in milliseconds, short in JSON.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests;
