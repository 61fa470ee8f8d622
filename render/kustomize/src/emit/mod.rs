//! YAML output exactly as `kustomize build` prints it.
//!
//! kustomize serialises every resource to JSON and back through go-yaml v2
//! (`sigs.k8s.io/yaml.JSONToYAML`), so the text is go-yaml v2's: keys sorted by
//! its "natural" key order, block sequences not indented under their key,
//! plain scalars folded at 80 columns, quoting chosen by v2's resolver and
//! libyaml's scalar analysis. This module reproduces that pipeline for a
//! `serde_json::Value`.

mod keys;
mod scalar;

use serde_json::Value;

use scalar::{analyze, ScalarStyle};

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;

/// Renders one document (no `---` separator) the way go-yaml v2 marshals it.
pub fn to_yaml_document(value: &Value) -> String {
    let mut w = Writer::new();
    match value {
        Value::Object(m) if !m.is_empty() => w.block_mapping(m, 0, false),
        Value::Array(a) if !a.is_empty() => w.block_sequence(a, 0, false),
        other => {
            w.flow_or_scalar(other, 0, false);
        }
    }
    w.finish()
}

/// Tracks the emitter state that affects layout: the current column and
/// whether the last thing written was whitespace or indentation.
struct Writer {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
}

impl Writer {
    fn new() -> Self {
        Writer { out: String::new(), column: 0, whitespace: true, indention: true }
    }

    fn finish(mut self) -> String {
        if !self.out.ends_with('\n') {
            self.put_break();
        }
        self.out
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    /// A block mapping whose keys sit at `indent`. `in_seq_item` is true when
    /// the first key shares the line of a `- ` indicator.
    fn block_mapping(&mut self, m: &serde_json::Map<String, Value>, indent: usize, _in_seq: bool) {
        let mut keys: Vec<&String> = m.keys().collect();
        keys.sort_by(|a, b| keys::key_ordering(a, b));
        for k in keys {
            let v = &m[k.as_str()];
            self.write_indent(indent);
            let key_analysis = analyze(k);
            let simple = !key_analysis.multiline && k.chars().count() <= 128;
            if simple {
                self.scalar(k, indent, true);
                self.write_indicator(":", false, false, false);
            } else {
                // Keys longer than 128 characters (or multi-line) are written as
                // complex keys, as libyaml does.
                self.write_indicator("?", true, false, true);
                self.scalar(k, indent + BEST_INDENT, false);
                self.write_indent(indent);
                self.write_indicator(":", true, false, true);
            }
            self.mapping_value(v, indent);
        }
    }

    fn mapping_value(&mut self, v: &Value, indent: usize) {
        match v {
            Value::Object(m) if !m.is_empty() => self.block_mapping(m, indent + BEST_INDENT, false),
            // Sequences under a mapping key are "indentless" in go-yaml v2.
            Value::Array(a) if !a.is_empty() => self.block_sequence(a, indent, true),
            other => self.flow_or_scalar(other, indent + BEST_INDENT, false),
        }
    }

    /// `indent` is the column of the parent's content; `indentless` keeps the
    /// dashes at the parent mapping's own indent.
    fn block_sequence(&mut self, a: &[Value], indent: usize, _indentless: bool) {
        let seq_indent = indent;
        for item in a {
            self.write_indent(seq_indent);
            self.write_indicator("-", true, false, true);
            match item {
                Value::Object(m) if !m.is_empty() => self.block_mapping(m, seq_indent + BEST_INDENT, true),
                Value::Array(inner) if !inner.is_empty() => self.block_sequence(inner, seq_indent + BEST_INDENT, false),
                other => self.flow_or_scalar(other, seq_indent + BEST_INDENT, false),
            }
        }
    }

    /// Empty collections, nulls, booleans, numbers and strings. `indent` is
    /// where folded continuation lines and block-scalar bodies start.
    fn flow_or_scalar(&mut self, v: &Value, indent: usize, key: bool) {
        match v {
            Value::Object(_) => self.write_indicator("{}", true, false, false),
            Value::Array(_) => self.write_indicator("[]", true, false, false),
            Value::Null => self.plain_token("null"),
            Value::Bool(b) => self.plain_token(if *b { "true" } else { "false" }),
            Value::Number(n) => self.plain_token(&format_number(n)),
            Value::String(s) => self.scalar(s, indent, key),
        }
    }

    fn plain_token(&mut self, s: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
    }

    /// A string scalar; `simple_key` is the libyaml "simple key context".
    fn scalar(&mut self, s: &str, indent: usize, simple_key: bool) {
        let a = analyze(s);
        let requested = if s.contains('\n') {
            ScalarStyle::Literal
        } else if scalar::can_use_plain(s) {
            ScalarStyle::Plain
        } else {
            ScalarStyle::DoubleQuoted
        };
        let mut style = requested;
        if simple_key && a.multiline {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
            style = ScalarStyle::SingleQuoted;
        }
        if style == ScalarStyle::SingleQuoted && !a.single_quoted_allowed {
            style = ScalarStyle::DoubleQuoted;
        }
        if style == ScalarStyle::Literal && (!a.block_allowed || simple_key) {
            style = ScalarStyle::DoubleQuoted;
        }
        let allow_breaks = !simple_key;
        // The scalar's own indent is one step deeper than its context.
        let indent = if simple_key { indent + BEST_INDENT } else { indent };
        match style {
            ScalarStyle::Plain => self.write_plain(s, indent, allow_breaks),
            ScalarStyle::SingleQuoted => self.write_single(s, indent, allow_breaks),
            ScalarStyle::DoubleQuoted => self.write_double(s, indent, allow_breaks),
            ScalarStyle::Literal => self.write_literal(s, indent),
        }
    }

    fn write_plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if scalar::is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
            i += 1;
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        let n = chars.len();
        for i in 0..n {
            let c = chars[i];
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < n - 1 && !next_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if scalar::is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for i in 0..n {
            let c = chars[i];
            if !scalar::is_printable(c) || c == '\u{FEFF}' || scalar::is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let (ind, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(ind);
                        for d in format!("{:0width$X}", v, width = width).chars() {
                            self.put(d);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < n - 1 {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, s: &str, indent: usize) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || scalar::is_break(*c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chomp = match chars.len() {
            0 => Some('-'),
            n => {
                if !scalar::is_break(chars[n - 1]) {
                    Some('-')
                } else if n == 1 || scalar::is_break(chars[n - 2]) {
                    Some('+')
                } else {
                    None
                }
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if scalar::is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// Numbers as they come out of Go's JSON encoder and back through go-yaml v2:
/// integral values print as integers, others in `strconv.FormatFloat(f, 'g', -1)`.
pub fn format_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    go_float(f)
}

fn go_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // Go's JSON encoder writes these without a fraction, so v2 reads an int.
        return format!("{}", f as i128);
    }
    // Shortest round-trip digits, then Go's %g layout.
    let e = format!("{:e}", f);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let neg = f < 0.0;
    // With shortest formatting, %g switches to an exponent from 1e6 upwards.
    let eprec = 6;
    let body = if exp < -4 || exp >= eprec {
        let (first, rest) = digits.split_at(1);
        let m = if rest.is_empty() { first.to_string() } else { format!("{first}.{rest}") };
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        format!("{}", f.abs())
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}
