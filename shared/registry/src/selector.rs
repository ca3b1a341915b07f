//! Label selectors: `region=eu-west,tier=gold` — every pair must match.
//!
//! Used by the API's `label=` filter (repeated: all must match), by bulk
//! maintenance, and by tokens scoped to a customer's view. An empty
//! selector matches every site.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use healthmon_proto::labels::{self, LabelError, Labels};

/// Most pairs a selector may hold: more than any site has labels.
pub const MAX_PAIRS: usize = labels::MAX_LABELS;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    /// Sorted by key, each key once.
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
    #[error("label key {0:?} appears twice with different values")]
    Conflict(String),
    #[error("at most {MAX_PAIRS} pairs")]
    TooMany,
}

impl Selector {
    /// Every pair of `other` added (the API's repeated `label=` parameters).
    pub fn and(mut self, other: &Selector) -> Result<Selector, SelectorError> {
        for (key, value) in &other.pairs {
            self.insert(key.clone(), value.clone())?;
        }
        Ok(self)
    }

    fn insert(&mut self, key: String, value: String) -> Result<(), SelectorError> {
        match self.pairs.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) if self.pairs[i].1 == value => Ok(()),
            Ok(_) => Err(SelectorError::Conflict(key)),
            Err(i) => {
                if self.pairs.len() >= MAX_PAIRS {
                    return Err(SelectorError::TooMany);
                }
                self.pairs.insert(i, (key, value));
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

    /// The pairs as a label map (what the aggregator's queries take).
    pub fn labels(&self) -> Labels {
        self.pairs.iter().cloned().collect()
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
            let (key, value) = (key.trim(), value.trim());
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
