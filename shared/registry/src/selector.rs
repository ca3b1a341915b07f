//! Label selectors: `region=eu-west,tier=gold` — every pair must match.
//!
//! Used by the API's `label=` filter (repeated: all must match), by bulk
//! maintenance, and by tokens scoped to a customer's view. An empty
//! selector matches every site; one that wants two values of the same key
//! (`region=a,region=b`) matches none. Parsing is exact: no spaces are
//! trimmed, so what the API documents as valid is exactly what is accepted.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use healthmon_proto::labels::{self, LabelError, Labels};

/// Most pairs a selector may hold: more than any site has labels.
pub const MAX_PAIRS: usize = labels::MAX_LABELS;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    /// Sorted, each pair once (a key may appear with several values).
    pairs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SelectorError {
    #[error(
        "expected key=value pairs separated by commas (e.g. region=eu-west,tier=gold), got {0:?}"
    )]
    Syntax(String),
    #[error(transparent)]
    Label(#[from] LabelError),
    #[error("at most {MAX_PAIRS} pairs")]
    TooMany,
}

impl Selector {
    /// Every pair of `other` added (the API's repeated `label=` parameters,
    /// a scope): no limit on the pairs here, only on those one text holds.
    pub fn and(mut self, other: &Selector) -> Selector {
        for pair in &other.pairs {
            if let Err(i) = self.pairs.binary_search(pair) {
                self.pairs.insert(i, pair.clone());
            }
        }
        self
    }

    fn insert(&mut self, key: String, value: String) -> Result<(), SelectorError> {
        let pair = (key, value);
        match self.pairs.binary_search(&pair) {
            Ok(_) => Ok(()),
            Err(i) => {
                if self.pairs.len() >= MAX_PAIRS {
                    return Err(SelectorError::TooMany);
                }
                self.pairs.insert(i, pair);
                Ok(())
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The pairs as a label map (what the aggregator's queries take);
    /// `None` when two pairs want different values of one key, so no site
    /// can match.
    pub fn labels(&self) -> Option<Labels> {
        let mut labels = Labels::new();
        for (key, value) in &self.pairs {
            if labels.insert(key.clone(), value.clone()).is_some() {
                return None;
            }
        }
        Some(labels)
    }

    /// Whether a site with these (effective) labels is selected.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.pairs
            .iter()
            .all(|(k, v)| labels.get(k).is_some_and(|have| have == v))
    }
}

impl FromStr for Selector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut selector = Selector::default();
        if s.trim().is_empty() {
            return Err(SelectorError::Syntax(s.to_owned()));
        }
        for pair in s.split(',') {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| SelectorError::Syntax(s.to_owned()))?;
            labels::check_key(key)?;
            labels::check_value(key, value)?;
            selector.insert(key.to_owned(), value.to_owned())?;
        }
        Ok(selector)
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
