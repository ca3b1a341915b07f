//! The one rule every free-text field of the contract shares: a length in
//! characters and no control characters (instance ids, names, label values,
//! maintenance reasons).
//!
//! It runs on every name of every report, so ASCII — nearly every name —
//! is checked bytewise in one pass; anything else counts characters.

/// `text` has at most `max_chars` characters and none is a control character.
pub fn printable_within(text: &str, max_chars: usize) -> bool {
    if text.is_ascii() {
        // The ASCII control characters are 0x00–0x1f and 0x7f.
        text.len() <= max_chars && !text.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        text.chars().count() <= max_chars && !text.chars().any(char::is_control)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(printable_within("ééé", 3));
        assert!(!printable_within("éééé", 3));
        assert!(printable_within("abc", 3));
        assert!(!printable_within("abcd", 3));
    }

    #[test]
    fn refuses_control_characters_of_both_ranges() {
        for bad in ["a\u{0}", "a\tb", "\u{7f}", "x\u{85}", "\u{9f}é"] {
            assert!(!printable_within(bad, 64), "{bad:?}");
        }
    }

    proptest! {
        /// The ASCII fast path answers as the general rule does.
        #[test]
        fn agrees_with_the_character_rule(text in "\\PC{0,12}|[\\x00-\\x7f]{0,12}", max in 0usize..14) {
            let general = text.chars().count() <= max && !text.chars().any(char::is_control);
            prop_assert_eq!(printable_within(&text, max), general);
        }
    }
}
