//! The roster: a TOML file declaring the fleet — defaults, then one entry
//! per site with its labels and, optionally, its expected interval — and
//! what applying it to the registry changes.
//!
//! ```toml
//! [defaults]                # optional; every site gets these
//! labels = { customer = "acme" }
//! interval = "30s"          # the interval the centre judges by
//!
//! [[site]]
//! id = "plant-north-01"
//! labels = { region = "eu-west", tier = "gold" }   # win over the defaults
//! interval = "5m"
//! expected = true           # false: shown, never judged for silence
//! ```
//!
//! Pure: `healthmon fleet apply` reads the file ([`parse`]), compares it
//! with the registry ([`plan`]) and writes the [`Plan`]; `fleet export`
//! writes the registry back as a roster ([`export`]) that `apply` accepts
//! with no change; [`describe`] says what a plan changes. Errors name the
//! file's line and what is expected; a bad file changes nothing.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use healthmon_proto::validate_site_id;
use serde::Deserialize;
use thiserror::Error;

use healthmon_proto::fleet::{SiteRecord, Source, check_interval};
use healthmon_proto::labels::{self, Labels};

/// A file that is not a valid roster, at `line` (1-based; 0: the whole file).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct RosterError {
    pub line: usize,
    pub message: String,
}

/// What a roster declares of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub expected: bool,
    pub labels: Labels,
    pub interval_ms: Option<u64>,
}

impl Declared {
    fn of(record: &SiteRecord) -> Self {
        Declared {
            expected: record.expected,
            labels: record.labels.clone(),
            interval_ms: record.interval_ms,
        }
    }
}

/// A parsed roster: sites in file order, each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub sites: Vec<(String, Declared)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    defaults: Option<toml::Spanned<Entry>>,
    #[serde(default)]
    site: Vec<toml::Spanned<Entry>>,
}

/// `[defaults]` or one `[[site]]`; each value keeps where it was written,
/// so that an error names its own line, not the table's.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Option<toml::Spanned<String>>,
    labels: Option<toml::Spanned<Labels>>,
    interval: Option<toml::Spanned<String>>,
    expected: Option<bool>,
}

/// Reads a roster; the error names the line and what is wrong.
pub fn parse(text: &str) -> Result<Roster, RosterError> {
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |span| line_of(text, span.start));
        let message = e.message().trim().replace('\n', "; ");
        RosterError {
            line,
            message: with_key(text, line, message),
        }
    })?;
    let at = |span: std::ops::Range<usize>, message: String| RosterError {
        line: line_of(text, span.start),
        message,
    };
    let defaults = file
        .defaults
        .map(toml::Spanned::into_inner)
        .unwrap_or_default();
    if let Some(id) = &defaults.id {
        return Err(at(id.span(), "[defaults] may not name an id".into()));
    }
    let default_labels = match &defaults.labels {
        Some(labels) => {
            labels::check(labels.get_ref())
                .map_err(|e| at(labels.span(), format!("[defaults] labels: {e}")))?;
            labels.get_ref().clone()
        }
        None => Labels::new(),
    };
    let default_interval = match &defaults.interval {
        Some(text) => interval_ms(text.get_ref())
            .map_err(|e| at(text.span(), format!("[defaults] interval: {e}")))?,
        None => None,
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut sites = Vec::with_capacity(file.site.len());
    for spanned in file.site {
        let table = spanned.span();
        let entry = spanned.into_inner();
        let Some(id) = entry.id else {
            return Err(at(
                table,
                "a [[site]] needs an id (e.g. id = \"plant-north-01\")".into(),
            ));
        };
        let (id_span, id) = (id.span(), id.into_inner());
        validate_site_id(&id).map_err(|e| at(id_span.clone(), format!("site {id:?}: {e}")))?;
        let line = line_of(text, id_span.start);
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(at(
                id_span,
                format!("site {id:?} is declared twice (first at line {first})"),
            ));
        }
        let mut labels = default_labels.clone();
        let labels_span = match entry.labels {
            Some(own) => {
                let span = own.span();
                labels.extend(own.into_inner());
                span
            }
            None => table.clone(),
        };
        labels::check(&labels).map_err(|e| at(labels_span, format!("site {id:?}: {e}")))?;
        let interval = match &entry.interval {
            Some(text) => interval_ms(text.get_ref())
                .map_err(|e| at(text.span(), format!("site {id:?}: interval: {e}")))?,
            None => None,
        }
        .or(default_interval);
        sites.push((
            id,
            Declared {
                expected: entry.expected.or(defaults.expected).unwrap_or(true),
                labels,
                interval_ms: interval,
            },
        ));
    }
    Ok(Roster { sites })
}

fn interval_ms(text: &str) -> Result<Option<u64>, String> {
    let d = humantime::parse_duration(text).map_err(|e| format!("{e} (expected e.g. 30s, 5m)"))?;
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    check_interval(ms).map_err(|e| e.to_string())?;
    Ok(Some(ms))
}

/// TOML's own message names the value, not its key (`invalid type: string
/// "no", expected a boolean`): the key written on that line goes first.
fn with_key(text: &str, line: usize, message: String) -> String {
    let key = line
        .checked_sub(1)
        .and_then(|i| text.lines().nth(i))
        .and_then(|l| l.split_once('='))
        .map(|(key, _)| key.trim())
        .filter(|key| !key.is_empty() && !message.contains(&format!("`{key}`")));
    match key {
        Some(key) => format!("{key}: {message}"),
        None => message,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// What applying a roster does to the registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Sites to register.
    pub add: Vec<(String, Declared)>,
    /// Registered sites whose declared part changes: (id, before, after).
    pub change: Vec<(String, Declared, Declared)>,
    /// Registered sites the roster no longer names (with `--prune` only).
    pub remove: Vec<String>,
    /// Sites already as declared.
    pub unchanged: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.change.is_empty() && self.remove.is_empty()
    }

    /// The plan's last line: `N to add, N to change, N to remove, N unchanged`.
    pub fn counts(&self) -> String {
        format!(
            "{} to add, {} to change, {} to remove, {} unchanged",
            self.add.len(),
            self.change.len(),
            self.remove.len(),
            self.unchanged
        )
    }
}

/// The difference between a roster and the registered records.
pub fn plan(roster: &Roster, registered: &BTreeMap<String, SiteRecord>, prune: bool) -> Plan {
    let mut plan = Plan::default();
    for (id, want) in &roster.sites {
        match registered.get(id) {
            None => plan.add.push((id.clone(), want.clone())),
            Some(record) => {
                let have = Declared::of(record);
                if &have == want {
                    plan.unchanged += 1;
                } else {
                    plan.change.push((id.clone(), have, want.clone()));
                }
            }
        }
    }
    if prune {
        let named: std::collections::HashSet<&str> =
            roster.sites.iter().map(|(id, _)| id.as_str()).collect();
        plan.remove = registered
            .keys()
            .filter(|id| !named.contains(id.as_str()))
            .cloned()
            .collect();
    }
    plan
}

/// A record to write for a declared site: the registered one with its
/// declared part replaced, or a new one registered at `now_ms`.
pub fn record(current: Option<SiteRecord>, declared: &Declared, now_ms: u64) -> SiteRecord {
    let mut record = current.unwrap_or_else(|| SiteRecord::declared(now_ms, Source::Roster));
    record.expected = declared.expected;
    record.labels = declared.labels.clone();
    record.interval_ms = declared.interval_ms;
    record
}

/// The registered sites as a roster that [`parse`] reads back to the same
/// declarations (so `export` then `apply` changes nothing).
pub fn export(registered: &BTreeMap<String, SiteRecord>) -> String {
    let mut out = String::from(
        "# healthmon fleet roster, exported from the registry.\n\
         # Apply with: healthmon fleet apply FILE (see README, \"Fleet registry\").\n",
    );
    for (id, record) in registered {
        let _ = write!(out, "\n[[site]]\nid = {}\n", quote(id));
        if !record.labels.is_empty() {
            let pairs: Vec<String> = record
                .labels
                .iter()
                .map(|(k, v)| format!("{k} = {}", quote(v)))
                .collect();
            let _ = writeln!(out, "labels = {{ {} }}", pairs.join(", "));
        }
        if let Some(ms) = record.interval_ms {
            let _ = writeln!(out, "interval = {}", quote(&describe::interval(ms)));
        }
        if !record.expected {
            out.push_str("expected = false\n");
        }
    }
    out
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

mod describe;
pub use describe::describe;

#[cfg(any(test, feature = "strategies"))]
pub mod strategies;

#[cfg(test)]
mod tests;
