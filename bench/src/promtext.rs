//! Just enough of the Prometheus text format to read the services' counters.

/// Sum of the samples of `name` whose labels include every pair of `labels`;
/// `None` when no such sample exists.
pub fn sum(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut total = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let (label_text, value) = match rest.as_bytes().first() {
            Some(b'{') => match rest.rfind('}') {
                Some(end) => (&rest[1..end], &rest[end + 1..]),
                None => continue,
            },
            Some(b' ') => ("", rest),
            _ => continue, // another metric sharing the prefix
        };
        if !labels
            .iter()
            .all(|(k, v)| label_text.contains(&format!("{k}=\"{v}\"")))
        {
            continue;
        }
        let Some(value) = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
        else {
            continue;
        };
        *total.get_or_insert(0.0) += value;
    }
    total
}

/// Like [`sum`], zero when absent (counters registered lazily).
pub fn sum_or_zero(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    sum(text, name, labels).unwrap_or(0.0)
}

/// Sample lines (not comments) whose metric name starts with `prefix`.
pub fn count_series(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

#[cfg(test)]
mod tests;
