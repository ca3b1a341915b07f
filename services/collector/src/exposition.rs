//! A small parser for the Prometheus text exposition format (and the sample
//! lines of OpenMetrics), the format the site's subsystems serve.
//!
//! Only sample lines matter to the collector: `# HELP`/`# TYPE` comments are
//! skipped, and which metric feeds which report field is decided by name in
//! [`crate::mapping`]. Label values are unescaped properly (`\"`, `\\`, `\n`),
//! so connection names containing commas, quotes or braces survive, which
//! naive split-based parsers get wrong. A line that does not parse is counted
//! and skipped: one broken line never hides the rest of a scrape.

/// One sample line: `name{label="value",...} value [timestamp]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub samples: Vec<Sample>,
    /// Non-comment lines that were not valid samples.
    pub bad_lines: usize,
}

pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Some(sample) => parsed.samples.push(sample),
            None => parsed.bad_lines += 1,
        }
    }
    parsed
}

fn parse_line(line: &str) -> Option<Sample> {
    let mut cur = Cursor { rest: line };
    let name = cur.take_while(|i, c| is_name_char(c, i == 0, true));
    if name.is_empty() {
        return None;
    }
    let mut labels = Vec::new();
    cur.skip_ws();
    if cur.eat('{') {
        loop {
            cur.skip_ws();
            if cur.eat('}') {
                break;
            }
            let label = cur.take_while(|i, c| is_name_char(c, i == 0, false));
            if label.is_empty() {
                return None;
            }
            cur.skip_ws();
            if !cur.eat('=') {
                return None;
            }
            cur.skip_ws();
            let value = cur.quoted()?;
            labels.push((label.to_owned(), value));
            cur.skip_ws();
            if cur.eat(',') {
                continue;
            }
            if cur.eat('}') {
                break;
            }
            return None;
        }
    }
    cur.skip_ws();
    let value = cur.take_while(|_, c| !c.is_whitespace());
    let value = parse_value(value)?;
    // A timestamp (or an OpenMetrics exemplar) may follow; neither matters here.
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Metric names may contain `:`, label names may not; neither starts with a digit.
fn is_name_char(c: char, first: bool, colon: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (colon && c == ':') || (!first && c.is_ascii_digit())
}

/// Go-style floats: `NaN`, `+Inf`, `-Inf`, and ordinary decimal notation.
fn parse_value(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok()
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn take_while(&mut self, mut keep: impl FnMut(usize, char) -> bool) -> &'a str {
        let end = self
            .rest
            .char_indices()
            .enumerate()
            .find(|&(i, (_, c))| !keep(i, c))
            .map_or(self.rest.len(), |(_, (at, _))| at);
        let (head, tail) = self.rest.split_at(end);
        self.rest = tail;
        head
    }

    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(tail) => {
                self.rest = tail;
                true
            }
            None => false,
        }
    }

    /// A double-quoted label value with its escapes resolved.
    fn quoted(&mut self) -> Option<String> {
        let body = self.rest.strip_prefix('"')?;
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &body[i + 1..];
                    return Some(out);
                }
                '\\' => match chars.next()?.1 {
                    'n' => out.push('\n'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
