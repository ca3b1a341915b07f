//! Query-string parsing for every API route, without I/O.
//!
//! axum's `Query` extractor answers a bad query with a plain-text 400; this
//! module parses the raw query itself so that every mistake becomes a JSON
//! 400 ([`ParamError`] → `ApiError::BadRequest`) naming the parameter and what
//! it expects. Rules shared by all routes:
//! - unknown parameters are refused (a typo such as `?conectivity=` must not
//!   silently return the unfiltered list);
//! - an empty value is refused, as the document's types refuse it, except
//!   `search`, where it means no search (a cleared search box);
//! - `acknowledged` is `true` or `false`;
//! - list parameters (`connectivity`, `health`) take comma-separated values
//!   and may also be repeated (`?health=degraded&health=critical`), the form
//!   `URLSearchParams.append` produces; scalar parameters may appear once;
//! - label parameters (`label`, `by`, `selector`) are [`fleet`]'s.

use healthmon_proto::query::{DEFAULT_LIMIT, ListQuery, MAX_LIMIT, SortOrder};
use healthmon_proto::subjects::MAX_SITE_ID_LEN;
use healthmon_proto::{Connectivity, Health, validate_site_id};
use healthmon_registry::Selector;
use thiserror::Error;

/// A bad query parameter; the message always names `param`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ParamError {
    pub param: String,
    pub message: String,
}

impl ParamError {
    fn new(param: &str, message: String) -> Self {
        ParamError {
            param: param.to_owned(),
            message,
        }
    }

    fn invalid(param: &str, value: &str, expected: &str) -> Self {
        Self::new(
            param,
            format!(
                "invalid {param} \"{}\": expected {expected}",
                shorten(value)
            ),
        )
    }
}

mod fleet;

pub use fleet::{bulk_selector, summary_query};

const LIST_PARAMS: &[&str] = &[
    "connectivity",
    "health",
    "search",
    "sort",
    "limit",
    "offset",
    "label",
    "acknowledged",
];
const EVENT_PARAMS: &[&str] = &["site_id"];

/// Largest `offset` accepted: the document's bound (a signed 32-bit
/// integer, what its clients can hold), far beyond any fleet.
pub const MAX_OFFSET: usize = i32::MAX as usize;

/// A query, and whether its label filters can match any site at all
/// (`label=region=a&label=region=b` cannot: the answer is empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Filtered<Q> {
    pub query: Q,
    pub matches_nothing: bool,
}

impl<Q: Clone> Filtered<Q> {
    /// The query to ask, narrowed by `narrow` (to the caller's scope);
    /// `None` when the filters contradict each other or the scope, and so
    /// select nothing.
    pub fn allowed(&self, narrow: impl FnOnce(Q) -> Option<Q>) -> Option<Q> {
        (!self.matches_nothing)
            .then(|| narrow(self.query.clone()))
            .flatten()
    }
}

/// `GET /api/v1/sites` parameters → the aggregator's `ListQuery`.
pub fn list_query(raw: Option<&str>) -> Result<Filtered<ListQuery>, ParamError> {
    let mut query = ListQuery::default();
    let mut selector = Selector::default();
    let mut seen = Vec::new();
    for (name, value) in known_pairs(raw, LIST_PARAMS)? {
        match name.as_str() {
            "label" => selector = fleet::add_label(selector, &value)?,
            "connectivity" => {
                let expected = "online, late, offline or unknown";
                add_items(
                    &mut query.connectivity,
                    &name,
                    &value,
                    Connectivity::parse,
                    expected,
                )?;
            }
            "health" => {
                let expected = "healthy, degraded, critical or unknown";
                add_items(&mut query.health, &name, &value, Health::parse, expected)?;
            }
            scalar => {
                once(&mut seen, scalar)?;
                match scalar {
                    // An empty search is no search (what a cleared search box sends).
                    "search" => query.search = Some(search(&value)?).filter(|s| !s.is_empty()),
                    "sort" => query.sort = sort(&value)?,
                    "limit" => query.limit = limit(&value)?,
                    "acknowledged" => query.acknowledged = Some(boolean(&name, &value)?),
                    _ => query.offset = offset(&value)?,
                }
            }
        }
    }
    let labels = selector.labels();
    query.labels = labels.clone().unwrap_or_default();
    Ok(Filtered {
        query,
        matches_nothing: labels.is_none(),
    })
}

/// `GET /api/v1/events` parameters: an optional site to follow.
pub fn events_site(raw: Option<&str>) -> Result<Option<String>, ParamError> {
    let mut site = None;
    let mut seen = Vec::new();
    for (name, value) in known_pairs(raw, EVENT_PARAMS)? {
        once(&mut seen, &name)?;
        // Unlike the list's filters, an empty value is not "absent": a site
        // id is never empty, and the document says so.
        site = Some(site_id(&value)?);
    }
    Ok(site)
}

/// Routes that take no parameters still refuse unknown ones.
pub fn none(raw: Option<&str>) -> Result<(), ParamError> {
    known_pairs(raw, &[]).map(drop)
}

/// A site id from a path or parameter, checked against the contract's rules.
/// Whatever rule it breaks, the message states the whole rule, in the same
/// "expected …" form as every other parameter.
pub fn site_id(value: &str) -> Result<String, ParamError> {
    validate_site_id(value)
        .map(|()| value.to_owned())
        .map_err(|_| {
            ParamError::invalid(
                "site_id",
                value,
                &format!("1 to {MAX_SITE_ID_LEN} characters, each A-Z, a-z, 0-9, '_' or '-'"),
            )
        })
}

fn search(value: &str) -> Result<String, ParamError> {
    // Site ids are at most this long, so a longer needle can never match.
    if value.chars().count() > MAX_SITE_ID_LEN {
        return Err(ParamError::new(
            "search",
            format!("invalid search: expected at most {MAX_SITE_ID_LEN} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn sort(value: &str) -> Result<SortOrder, ParamError> {
    match value.to_ascii_lowercase().as_str() {
        "severity" => Ok(SortOrder::Severity),
        "site_id" => Ok(SortOrder::SiteId),
        _ => Err(ParamError::invalid("sort", value, "severity or site_id")),
    }
}

/// `true` or `false`, exactly as the document's boolean reads in a query.
fn boolean(name: &str, value: &str) -> Result<bool, ParamError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ParamError::invalid(name, value, "true or false")),
    }
}

fn limit(value: &str) -> Result<usize, ParamError> {
    whole("limit", value, MAX_LIMIT, DEFAULT_LIMIT)
}

fn offset(value: &str) -> Result<usize, ParamError> {
    whole("offset", value, MAX_OFFSET, 0)
}

/// A whole number from 0 to `max`; `default`, what its absence means, is
/// named in the message.
fn whole(name: &str, value: &str, max: usize, default: usize) -> Result<usize, ParamError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| {
            ParamError::invalid(
                name,
                value,
                &format!("a whole number from 0 to {max} (default {default})"),
            )
        })
}

/// Decoded pairs, refusing any name not in `allowed`.
fn known_pairs(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, ParamError> {
    let pairs = decode_pairs(raw.unwrap_or(""))?;
    if let Some((name, _)) = pairs.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
        let expected = match allowed {
            [] => "this route takes no parameters".to_owned(),
            [only] => format!("expected {only}"),
            [init @ .., last] => format!("expected {} or {last}", init.join(", ")),
        };
        return Err(ParamError::new(
            name,
            format!("unknown parameter \"{}\": {expected}", shorten(name)),
        ));
    }
    Ok(pairs)
}

fn once(seen: &mut Vec<String>, name: &str) -> Result<(), ParamError> {
    if seen.iter().any(|s| s == name) {
        return Err(ParamError::new(
            name,
            format!("parameter {name} may be given only once"),
        ));
    }
    seen.push(name.to_owned());
    Ok(())
}

/// The items of a comma list; an empty list or item is refused (the
/// document's enum admits no empty value).
fn items<'a>(name: &str, value: &'a str) -> Result<Vec<&'a str>, ParamError> {
    let items: Vec<&str> = value.split(',').map(str::trim).collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(ParamError::invalid(
            name,
            value,
            "a comma list without empty items",
        ));
    }
    Ok(items)
}

/// Adds each item of a comma list (`parse`d case-insensitively) to `list`,
/// once; an item `parse` does not know is a bad parameter that names what
/// is `expected`.
fn add_items<T: PartialEq>(
    list: &mut Vec<T>,
    name: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Result<(), ParamError> {
    for item in items(name, value)? {
        let parsed = parse(&item.to_ascii_lowercase())
            .ok_or_else(|| ParamError::invalid(name, item, expected))?;
        if !list.contains(&parsed) {
            list.push(parsed);
        }
    }
    Ok(())
}

/// `application/x-www-form-urlencoded` pairs, as browsers write query strings.
fn decode_pairs(raw: &str) -> Result<Vec<(String, String)>, ParamError> {
    raw.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            let name = percent_decode(name).map_err(|e| {
                let lossy = String::from_utf8_lossy(e.as_bytes());
                ParamError::new(
                    &lossy,
                    format!("parameter name \"{}\" is not valid UTF-8", shorten(&lossy)),
                )
            })?;
            let value = percent_decode(value).map_err(|_| {
                ParamError::new(&name, format!("invalid {name}: value is not valid UTF-8"))
            })?;
            Ok((name, value))
        })
        .collect()
}

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits is
/// kept as is (browsers do the same). Invalid UTF-8 is an error.
fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes[i] {
            b'%' => bytes.get(i + 1..i + 3).and_then(|h| hex_pair(h[0], h[1])),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

/// Echoed values are cut so an error body stays small whatever was sent.
fn shorten(s: &str) -> String {
    const MAX: usize = 64;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut cut: String = s.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests;
