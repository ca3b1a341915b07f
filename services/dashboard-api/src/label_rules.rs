//! The label rules as the OpenAPI document states them: regular
//! expressions equal to `healthmon_proto::labels`'s checks and to the
//! selector syntax, set on every parameter and body that carries labels,
//! so a client generated from the document (or schemathesis) sends only
//! what is accepted. One source here; a property test holds them equal to
//! the parsers.
//!
//! A selector's values cannot contain `,` (it separates pairs): a label
//! whose value has one can be set, shown and exported, but not selected.

use serde_json::{Value, json};

/// A label key: `[a-z_][a-z0-9_]{0,31}`, except `site` and keys starting
/// `__` (written out, as JSON Schema patterns have no look-ahead).
pub const KEY: &str = "(?:[a-rt-z][a-z0-9_]{0,31}|s(?:[a-hj-z0-9_][a-z0-9_]{0,30})?\
|si(?:[a-su-z0-9_][a-z0-9_]{0,29})?|sit(?:[a-df-z0-9_][a-z0-9_]{0,28})?\
|site[a-z0-9_][a-z0-9_]{0,27}|_(?:[a-z0-9][a-z0-9_]{0,30})?)";

/// A label value: 1-64 characters, none of them a control character.
pub const VALUE: &str = "[^\\u0000-\\u001f\\u007f-\\u009f]{1,64}";

/// A value inside a selector: the same without `,`.
const SELECTOR_VALUE: &str = "[^,\\u0000-\\u001f\\u007f-\\u009f]{1,64}";

pub fn key_pattern() -> String {
    format!("^{KEY}$")
}

pub fn value_pattern() -> String {
    format!("^{VALUE}$")
}

/// `key=value[,key=value...]`, at most 16 pairs.
pub fn selector_pattern() -> String {
    format!("^{KEY}={SELECTOR_VALUE}(?:,{KEY}={SELECTOR_VALUE}){{0,15}}$")
}

/// Sets the patterns on the document's `label`, `selector` and `by`
/// parameters and on the label maps of request bodies.
pub fn refine(doc: &mut Value) {
    let operations = doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten();
        for parameter in parameters {
            let name = parameter["name"].as_str().unwrap_or("").to_owned();
            let Some(schema) = parameter.get_mut("schema") else {
                continue;
            };
            match name.as_str() {
                "label" => schema["items"]["pattern"] = selector_pattern().into(),
                "selector" => schema["pattern"] = selector_pattern().into(),
                "by" => schema["pattern"] = key_pattern().into(),
                _ => {}
            }
        }
    }
    if let Some(labels) = doc.pointer_mut("/components/schemas/LabelsRequest/properties/labels") {
        let description = labels["description"].clone();
        *labels = json!({
            "type": "object",
            "description": description,
            "maxProperties": healthmon_proto::labels::MAX_LABELS,
            "propertyNames": { "pattern": key_pattern() },
            "additionalProperties": { "type": "string", "pattern": value_pattern() },
        });
    }
}

#[cfg(test)]
mod tests;
