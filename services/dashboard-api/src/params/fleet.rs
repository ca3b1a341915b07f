//! The label parameters: `label` (repeatable; `key=value`, or a comma list
//! of pairs; every pair must match), `by` (one label key, to group the
//! summary) and `selector` (the sites a bulk action changes).

use healthmon_proto::labels;
use healthmon_proto::query::SummaryQuery;
use healthmon_registry::Selector;

use super::{Filtered, ParamError, known_pairs, once, shorten};

const SUMMARY_PARAMS: &[&str] = &["label", "by"];
const BULK_PARAMS: &[&str] = &["selector"];

/// `selector` with the pairs of one more `label=` value added.
pub(super) fn add_label(selector: Selector, value: &str) -> Result<Selector, ParamError> {
    let invalid = |e: &dyn std::fmt::Display| {
        ParamError::new(
            "label",
            format!("invalid label \"{}\": {e}", shorten(value)),
        )
    };
    let more: Selector = value.parse().map_err(|e| invalid(&e))?;
    Ok(selector.and(&more))
}

/// `GET /api/v1/summary` parameters.
pub fn summary_query(raw: Option<&str>) -> Result<Filtered<SummaryQuery>, ParamError> {
    let mut selector = Selector::default();
    let mut query = SummaryQuery::default();
    let mut seen = Vec::new();
    for (name, value) in known_pairs(raw, SUMMARY_PARAMS)? {
        if name == "label" {
            selector = add_label(selector, &value)?;
            continue;
        }
        once(&mut seen, &name)?;
        labels::check_key(&value).map_err(|e| {
            ParamError::new(
                "by",
                format!(
                    "invalid by \"{}\": expected a label key ({e})",
                    shorten(&value)
                ),
            )
        })?;
        query.by = Some(value);
    }
    let labels = selector.labels();
    query.labels = labels.clone().unwrap_or_default();
    Ok(Filtered {
        query,
        matches_nothing: labels.is_none(),
    })
}

/// The `selector` of a bulk action: required, and never empty (changing
/// every site at once must be asked for as a selector that names them).
pub fn bulk_selector(raw: Option<&str>) -> Result<Selector, ParamError> {
    let mut selector = None;
    let mut seen = Vec::new();
    for (name, value) in known_pairs(raw, BULK_PARAMS)? {
        once(&mut seen, &name)?;
        let parsed: Selector = value.parse().map_err(|e| {
            ParamError::new(
                "selector",
                format!("invalid selector \"{}\": {e}", shorten(&value)),
            )
        })?;
        selector = Some(parsed);
    }
    selector.ok_or_else(|| {
        ParamError::new(
            "selector",
            "missing selector: expected selector=key=value[,key=value...], e.g. selector=region=eu-west"
                .to_owned(),
        )
    })
}
