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
mod tests;
