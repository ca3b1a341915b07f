//! The Prometheus text exposition format (0.0.4), read two ways:
//!
//! - [`parse`], strictly, for tests that grade what the services expose: it
//!   refuses bad metric or label names, unknown escapes, unquoted values, a
//!   `# TYPE` after the family's samples or twice, families split into
//!   several runs, and duplicate series — each a reason a real Prometheus
//!   would drop or reject a scrape;
//! - [`sum`] and [`value`], leniently and fast, for reading a counter out of
//!   a scrape (the bench and the soak read scrapes of 100,000 sites).

use std::collections::{BTreeMap, HashMap, HashSet};

/// A sample's labels by name: a name given twice is refused while parsing,
/// so a map loses nothing.
pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

#[derive(Debug, Default)]
pub struct Scrape {
    pub samples: Vec<Sample>,
    pub types: HashMap<String, String>,
    pub helps: HashMap<String, String>,
}

impl Scrape {
    /// The value of the one sample of `name` whose labels include all of `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut found = self
            .samples
            .iter()
            .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(*v)));
        let first = found.next()?;
        assert!(
            found.next().is_none(),
            "several samples of {name} match {labels:?}"
        );
        Some(first.value)
    }

    /// Checks `site`'s series (`healthmon_site_*`) against `expected`,
    /// naming every one that is missing or has another value (all of them
    /// at once: one failed run shows the whole difference).
    #[track_caller]
    pub fn assert_site(&self, site: &str, expected: &[SiteSeries<'_>]) {
        let wrong: Vec<String> = expected
            .iter()
            .filter_map(|&(series, extra, want)| {
                let name = format!("healthmon_site_{series}");
                let mut labels = vec![("site", site)];
                labels.extend_from_slice(extra);
                match self.value(&name, &labels) {
                    Some(got) if got == want => None,
                    got => Some(format!("{name} {extra:?}: expected {want}, got {got:?}")),
                }
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "series of {site} not as expected:\n{}",
            wrong.join("\n")
        );
    }
}

/// One series a test expects of a site: its name after `healthmon_site_`
/// (the prefix every per-site series shares), its labels besides `site`,
/// and its value.
pub type SiteSeries<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

fn valid_name(name: &str, colon_ok: bool) -> bool {
    let mut chars = name.chars();
    let ok_first = |c: char| c.is_ascii_alphabetic() || c == '_' || (colon_ok && c == ':');
    matches!(chars.next(), Some(c) if ok_first(c))
        && chars.all(|c| ok_first(c) || c.is_ascii_digit())
}

fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ if s
            .chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
        {
            Err(format!("bad value {s:?}"))
        }
        _ => s.parse().map_err(|_| format!("bad value {s:?}")),
    }
}

/// Parses `{a="x",b="y"}` at the start of `s`; returns the labels and the rest.
fn parse_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut rest = s.strip_prefix('{').ok_or("expected {")?;
    let mut labels = Labels::new();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        let eq = rest.find('=').ok_or("label without =")?;
        let key = &rest[..eq];
        if !valid_name(key, false) {
            return Err(format!("bad label name {key:?}"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value not quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(key.to_owned(), value).is_some() {
            return Err(format!("duplicate label {key:?}"));
        }
        rest = &rest[end + 1..];
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if !rest.starts_with('}') {
            return Err("expected , or } after a label".into());
        }
    }
}

fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    if types.contains_key(name) {
        return name;
    }
    for suffix in ["_bucket", "_sum", "_count", "_total"] {
        if let Some(base) = name.strip_suffix(suffix)
            && types.contains_key(base)
        {
            return base;
        }
    }
    name
}

/// Where and why a text breaks the format, as a Prometheus server would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub String);

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

/// Reads a whole exposition strictly.
pub fn parse(text: &str) -> Result<Scrape, FormatError> {
    parse_lines(text).map_err(FormatError)
}

fn parse_lines(text: &str) -> Result<Scrape, String> {
    let mut scrape = Scrape::default();
    let mut seen_families: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut series = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut parts = comment.trim_start().splitn(3, ' ');
            let kind = parts.next().unwrap_or_default();
            if kind != "HELP" && kind != "TYPE" {
                continue;
            }
            let name = parts.next().ok_or_else(|| at("missing name".into()))?;
            let text = parts.next().unwrap_or_default();
            if !valid_name(name, true) {
                return Err(at(format!("bad metric name {name:?}")));
            }
            if kind == "TYPE" {
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&text) {
                    return Err(at(format!("bad type {text:?}")));
                }
                if seen_families.contains(name) || scrape.types.contains_key(name) {
                    return Err(at("TYPE after samples or repeated".into()));
                }
                scrape.types.insert(name.to_owned(), text.to_owned());
            } else if scrape
                .helps
                .insert(name.to_owned(), text.to_owned())
                .is_some()
            {
                return Err(at("HELP repeated".into()));
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| at("no value".into()))?;
        let name = &line[..name_end];
        if !valid_name(name, true) {
            return Err(at(format!("bad metric name {name:?}")));
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..]).map_err(at)?
        } else {
            (Labels::new(), &line[name_end..])
        };
        let mut fields = rest.split_whitespace();
        let value = parse_value(fields.next().ok_or_else(|| at("no value".into()))?).map_err(at)?;
        if let Some(ts) = fields.next() {
            ts.parse::<i64>().map_err(|_| at("bad timestamp".into()))?;
        }
        if fields.next().is_some() || !rest.starts_with(' ') {
            return Err(at("garbage after the value".into()));
        }
        let family = family_of(name, &scrape.types).to_owned();
        if current.as_deref() != Some(family.as_str()) {
            if !seen_families.insert(family.clone()) {
                return Err(at(format!("family {family} is split into several runs")));
            }
            current = Some(family);
        }
        if !series.insert((name.to_owned(), labels.clone())) {
            return Err(at("duplicate series".into()));
        }
        scrape.samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Ok(scrape)
}

/// Sum of the samples of `name` whose labels include every pair of `labels`
/// (all label sets when empty); `None` when no such sample exists.
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

/// The value of one series written exactly as in the text, e.g.
/// `healthmon_site_up{site="a"}` or `healthmon_assessor_blind`.
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(series)?;
        rest.starts_with(' ').then(|| rest.trim().parse().ok())?
    })
}

/// Sample lines (not comments) whose metric name starts with `prefix`.
pub fn count_series(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

#[cfg(test)]
mod tests;
