//! Plain-text tables for a terminal: left-aligned columns two spaces apart,
//! the last column unpadded, no trailing whitespace.
//!
//! Widths count characters, not bytes. Control characters in cells (which a
//! hostile or broken peer could send in a reason or a name) are shown as `?`
//! so that they can neither break the layout nor drive the terminal.

/// Column separator.
const GAP: &str = "  ";

#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra cells are dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells: Vec<String> = cells.iter().map(|c| clean(c)).collect();
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The header, then each row, every line ending in `\n`.
    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        let mut out = String::new();
        for line in std::iter::once(&self.header).chain(&self.rows) {
            let mut text = String::new();
            for (i, cell) in line.iter().enumerate() {
                text.push_str(cell);
                if i + 1 < columns {
                    text.extend(std::iter::repeat_n(' ', widths[i] - width(cell)));
                    text.push_str(GAP);
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Key/value lines (`key   value`), keys padded to the longest; a value with
/// several lines continues under the first, indented to the value column.
pub fn key_values(pairs: &[(&str, String)]) -> String {
    let key_width = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in pairs {
        let mut lines = value.split('\n');
        let first = clean(lines.next().unwrap_or(""));
        let line = format!("{key:<key_width$}{GAP}{first}");
        out.push_str(line.trim_end());
        out.push('\n');
        for more in lines {
            let line = format!("{:key_width$}{GAP}{}", "", clean(more));
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Replaces control characters (including ESC, CR and tabs) with `?`.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
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
}
