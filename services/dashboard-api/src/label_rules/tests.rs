use healthmon_proto::labels;
use healthmon_registry::Selector;
use proptest::prelude::*;
use regex::Regex;

use super::*;

/// Strings of characters that exercise every rule: both cases, digits,
/// `_`, `=`, `,`, spaces, control characters, and the letters of "site".
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9_=, \\x01\\x{{85}}éstie]{{0,{max}}}"))
        .unwrap()
}

proptest! {
    #[test]
    fn the_key_pattern_accepts_exactly_the_keys_the_rules_do(key in text(34)) {
        let documented = Regex::new(&key_pattern()).unwrap().is_match(&key);
        prop_assert_eq!(documented, labels::check_key(&key).is_ok(), "{:?}", key);
    }

    #[test]
    fn reserved_and_near_reserved_keys_are_told_apart(key in "(s|si|sit|site|_|__)[a-z_]{0,3}") {
        let documented = Regex::new(&key_pattern()).unwrap().is_match(&key);
        prop_assert_eq!(documented, labels::check_key(&key).is_ok(), "{:?}", key);
    }

    #[test]
    fn the_value_pattern_accepts_exactly_the_values_the_rules_do(value in text(66)) {
        let documented = Regex::new(&value_pattern()).unwrap().is_match(&value);
        prop_assert_eq!(documented, labels::check_value("k", &value).is_ok(), "{:?}", value);
    }

    #[test]
    fn the_selector_pattern_accepts_exactly_what_the_parser_does(
        pairs in proptest::collection::vec(("(s|si|sit|site|_|__|a|region|Region)[a-z_]{0,2}", text(5)), 1..5),
        separator in "[,;]",
    ) {
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let text = text.join(&separator);
        let documented = Regex::new(&selector_pattern()).unwrap().is_match(&text);
        prop_assert_eq!(documented, text.parse::<Selector>().is_ok(), "{:?}", text);
    }
}

#[test]
fn the_document_carries_the_patterns() {
    let mut doc = json!({
        "paths": {"/x": {"get": {"parameters": [
            {"name": "label", "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "by", "schema": {"type": "string"}},
            {"name": "limit", "schema": {"type": "integer"}},
        ]}}},
        "components": {"schemas": {"LabelsRequest": {"properties": {"labels": {"description": "d"}}}}},
    });
    refine(&mut doc);
    let parameters = &doc["paths"]["/x"]["get"]["parameters"];
    assert_eq!(
        parameters[0]["schema"]["items"]["pattern"],
        selector_pattern()
    );
    assert_eq!(parameters[1]["schema"]["pattern"], key_pattern());
    assert!(parameters[2]["schema"].get("pattern").is_none());
    assert!(
        doc["paths"]["/x"]["get"].get("requestBody").is_none(),
        "nothing added"
    );
    let labels = &doc["components"]["schemas"]["LabelsRequest"]["properties"]["labels"];
    assert_eq!(labels["propertyNames"]["pattern"], key_pattern());
    assert_eq!(labels["description"], "d");
}
