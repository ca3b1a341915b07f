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
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = r#"
# HELP site_connection_up Whether a data connection is up.
# TYPE site_connection_up gauge
site_connection_up{connection="plc-1"} 1
site_connection_up{connection="opc, line \"2\"",site="x"} 0 1700000000000
site_script_errors_total 17
weird:metric_name{ a = "b" , } +Inf
nan_metric NaN
"#;

    #[test]
    fn parses_samples_and_skips_comments() {
        let p = parse(TEXT);
        assert_eq!(p.bad_lines, 0);
        assert_eq!(p.samples.len(), 5);
        assert_eq!(p.samples[0].name, "site_connection_up");
        assert_eq!(p.samples[0].label("connection"), Some("plc-1"));
        assert_eq!(p.samples[0].value, 1.0);
        assert_eq!(p.samples[1].label("connection"), Some("opc, line \"2\""));
        assert_eq!(p.samples[1].label("site"), Some("x"));
        assert_eq!(p.samples[1].value, 0.0);
        assert_eq!(p.samples[2].labels, vec![]);
        assert_eq!(p.samples[2].value, 17.0);
        assert_eq!(p.samples[3].name, "weird:metric_name");
        assert_eq!(p.samples[3].label("a"), Some("b"));
        assert_eq!(p.samples[3].value, f64::INFINITY);
        assert!(p.samples[4].value.is_nan());
    }

    #[test]
    fn unescapes_label_values() {
        let p = parse(r#"m{l="a\\b\nc\"d}"} 2"#);
        assert_eq!(p.samples[0].label("l"), Some("a\\b\nc\"d}"));
    }

    #[test]
    fn counts_bad_lines_and_keeps_good_ones() {
        let p = parse("ok 1\n9bad 1\nno_value\nm{l=\"open 1\nm{l=x} 1\nm 12abc\nfine{a=\"1\"} 2\n");
        assert_eq!(p.bad_lines, 5);
        let names: Vec<_> = p.samples.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ok", "fine"]);
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,400}") {
            let _ = parse(&text);
        }

        #[test]
        fn label_values_round_trip(value in "\\PC{0,40}", v in -1e12f64..1e12) {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            let p = parse(&format!("metric{{name=\"{escaped}\"}} {v}"));
            prop_assert_eq!(p.bad_lines, 0);
            prop_assert_eq!(p.samples[0].label("name"), Some(value.as_str()));
            prop_assert_eq!(p.samples[0].value, v);
        }
    }
}
