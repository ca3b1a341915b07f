use super::*;
use proptest::prelude::*;

#[test]
fn aligns_columns_and_leaves_the_last_unpadded() {
    let mut t = Table::new(&["SITE", "CONNECTIVITY", "REASON"]);
    t.row(vec!["plant-7".into(), "offline".into(), "no report".into()]);
    t.row(vec!["a".into(), "online".into(), String::new()]);
    assert_eq!(
        t.render(),
        "SITE     CONNECTIVITY  REASON\n\
         plant-7  offline       no report\n\
         a        online\n"
    );
}

#[test]
fn counts_characters_not_bytes() {
    let mut t = Table::new(&["NAME", "X"]);
    t.row(vec!["pömpe".into(), "1".into()]);
    t.row(vec!["abcdef".into(), "2".into()]);
    let text = t.render();
    let columns: Vec<usize> = text
        .lines()
        .map(|l| {
            l.chars()
                .position(|c| c == '1' || c == '2' || c == 'X')
                .unwrap()
        })
        .collect();
    assert_eq!(columns, vec![8, 8, 8]);
}

#[test]
fn control_characters_cannot_reach_the_terminal() {
    let mut t = Table::new(&["A"]);
    t.row(vec!["x\u{1b}[31mred\r\n".into()]);
    assert_eq!(t.render(), "A\nx?[31mred??\n");
}

#[test]
fn short_and_long_rows_fit_the_header() {
    let mut t = Table::new(&["A", "B"]);
    t.row(vec!["1".into()]);
    t.row(vec!["1".into(), "2".into(), "3".into()]);
    assert_eq!(t.render(), "A  B\n1\n1  2\n");
}

#[test]
fn key_values_align_and_continue_lines() {
    let text = key_values(&[
        ("site", "plant-7".into()),
        ("reasons", "first\nsecond".into()),
        ("empty", String::new()),
    ]);
    assert_eq!(
        text,
        "site     plant-7\nreasons  first\n         second\nempty\n"
    );
}

proptest! {
    #[test]
    fn every_line_is_clean_and_starts_each_column_at_the_same_place(
        cells in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..8)
    ) {
        let mut t = Table::new(&["FIRST", "SECOND"]);
        for (a, b) in &cells {
            t.row(vec![a.clone(), format!("|{b}")]);
        }
        let text = t.render();
        prop_assert_eq!(text.lines().count(), cells.len() + 1);
        let first_width = cells.iter().map(|(a, _)| width(a)).max().unwrap_or(0).max(5);
        for line in text.lines().skip(1) {
            prop_assert!(!line.chars().any(char::is_control));
            prop_assert_eq!(line.chars().nth(first_width + GAP.len()), Some('|'));
        }
    }
}
