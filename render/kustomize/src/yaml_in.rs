//! Reading YAML streams into JSON values the way kustomize's go-yaml v3
//! decoding does: plain scalars resolve by YAML 1.2 core rules plus go-yaml's
//! extras (`0o17`/`010` octal, `1_000`, timestamps that come out as RFC 3339
//! strings), tags `!!str`/`!!int`/`!!float`/`!!bool`/`!!null`/`!!binary`/
//! `!!timestamp` are honoured, anchors, aliases and `<<` merge keys expand,
//! and a repeated mapping key is an error.
//!
//! The event parser is yaml-rust2's; only value construction lives here.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use base64::Engine;
use regex::Regex;
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::{Error, Result};

/// Nesting deeper than this is rejected rather than risking the stack.
const MAX_NESTING: usize = 200;

/// How scalars and duplicate keys are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// Resources and patches (kyaml / go-yaml v3).
    Resource,
    /// Kustomization files (sigs.k8s.io/yaml: YAML 1.1 booleans, later
    /// duplicate keys win).
    Kustomization,
}

/// Parses every document of `text`; empty documents are skipped. Errors name
/// `origin` and carry line:column.
pub fn parse_documents(text: &str, origin: &Path) -> Result<Vec<Value>> {
    Reader::new(text, origin, Dialect::Resource).stream()
}

/// Parses a single document (a patch or a data file).
pub fn parse_one(text: &str, origin: &Path) -> Result<Value> {
    single(parse_documents(text, origin)?, origin)
}

/// A kustomization file.
pub fn parse_kustomization(text: &str, origin: &Path) -> Result<Value> {
    single(Reader::new(text, origin, Dialect::Kustomization).stream()?, origin)
}

fn single(mut docs: Vec<Value>, origin: &Path) -> Result<Value> {
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0)),
        n => Err(Error::file(origin, format!("expected one YAML document, found {n}"))),
    }
}

struct Reader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    origin: &'a Path,
    dialect: Dialect,
    anchors: HashMap<usize, Value>,
    /// Length in chars, when the text lacks a final line break (see `block_at_eof`).
    unterminated_len: Option<usize>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, origin: &'a Path, dialect: Dialect) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let unterminated_len = (!text.is_empty() && !text.ends_with('\n')).then(|| text.chars().count());
        Reader { parser: Parser::new_from_str(text), origin, dialect, anchors: HashMap::new(), unterminated_len }
    }

    fn err(&self, mark: &Marker, msg: impl std::fmt::Display) -> Error {
        Error::file(self.origin, format!("{}:{}: {msg}", mark.line(), mark.col() + 1))
    }

    fn next(&mut self) -> Result<(Event, Marker)> {
        self.parser.next_token().map_err(|e| self.err(e.marker(), e.info()))
    }

    fn stream(mut self) -> Result<Vec<Value>> {
        let mut docs = Vec::new();
        loop {
            let (ev, mark) = self.next()?;
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(docs),
                Event::DocumentStart => {
                    self.anchors.clear();
                    let (ev, mark) = self.next()?;
                    if matches!(ev, Event::DocumentEnd) {
                        continue;
                    }
                    let v = self.node(ev, mark, 0)?;
                    if !v.is_null() {
                        docs.push(v);
                    }
                }
                other => return Err(self.err(&mark, format!("unexpected {other:?}"))),
            }
        }
    }

    fn node(&mut self, ev: Event, mark: Marker, depth: usize) -> Result<Value> {
        if depth > MAX_NESTING {
            return Err(self.err(&mark, format!("nested more than {MAX_NESTING} levels deep")));
        }
        match ev {
            Event::Scalar(mut s, style, anchor, tag) => {
                if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded)
                    && s.ends_with('\n')
                    && self.block_at_eof()
                {
                    s.pop();
                }
                let v = self.scalar(&s, style, tag.as_ref(), &mark)?;
                self.remember(anchor, &v);
                Ok(v)
            }
            Event::Alias(id) => self.anchors.get(&id).cloned().ok_or_else(|| self.err(&mark, "unknown alias")),
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (ev, m) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, m, depth + 1)?);
                }
                let v = Value::Array(items);
                self.remember(anchor, &v);
                Ok(v)
            }
            Event::MappingStart(anchor, _) => {
                let v = Value::Object(self.mapping(depth)?);
                self.remember(anchor, &v);
                Ok(v)
            }
            other => Err(self.err(&mark, format!("unexpected {other:?}"))),
        }
    }

    /// go-yaml ends a block scalar that runs into the end of a file without
    /// a final line break without one; yaml-rust2 adds it. True when the
    /// scalar just read is such a one (the next event sits at the very end).
    fn block_at_eof(&mut self) -> bool {
        let Some(len) = self.unterminated_len else { return false };
        matches!(self.parser.peek(), Ok((_, m)) if m.index() >= len)
    }

    fn remember(&mut self, anchor: usize, v: &Value) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
    }

    fn mapping(&mut self, depth: usize) -> Result<Map<String, Value>> {
        let mut out = Map::new();
        // `<<` merges: explicit keys win over merged ones, whatever the order.
        let mut merged: Vec<Map<String, Value>> = Vec::new();
        loop {
            let (ev, kmark) = self.next()?;
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let is_merge = matches!(&ev, Event::Scalar(s, TScalarStyle::Plain, _, None) if s == "<<");
            let key = self.node(ev, kmark, depth + 1)?;
            let (vev, vmark) = self.next()?;
            let value = self.node(vev, vmark, depth + 1)?;
            if is_merge {
                match value {
                    Value::Object(m) => merged.push(m),
                    Value::Array(items) => {
                        for it in items {
                            match it {
                                Value::Object(m) => merged.push(m),
                                _ => return Err(self.err(&kmark, "map merge requires a map or a sequence of maps")),
                            }
                        }
                    }
                    _ => return Err(self.err(&kmark, "map merge requires a map or a sequence of maps")),
                }
                continue;
            }
            let key = match key {
                Value::String(s) => s,
                Value::Number(n) => crate::emit::format_number(&n),
                Value::Bool(b) => b.to_string(),
                Value::Null => "null".to_string(),
                _ => return Err(self.err(&kmark, "a mapping key must be a scalar")),
            };
            if out.contains_key(&key) && self.dialect == Dialect::Resource {
                return Err(self.err(&kmark, format!("mapping key {key:?} already defined")));
            }
            out.insert(key, value);
        }
        for m in merged {
            for (k, v) in m {
                out.entry(k).or_insert(v);
            }
        }
        Ok(out)
    }

    fn scalar(&self, s: &str, style: TScalarStyle, tag: Option<&Tag>, mark: &Marker) -> Result<Value> {
        let core =
            tag.and_then(|t| (t.handle == "tag:yaml.org,2002:" || t.handle == "!!").then_some(t.suffix.as_str()));
        if tag.is_some() && core.is_none() {
            // Unknown (application) tags: go-yaml keeps the text.
            return Ok(Value::String(s.to_string()));
        }
        let bad = |what: &str| self.err(mark, format!("cannot decode {s:?} as {what}"));
        match core {
            Some("str") => Ok(Value::String(s.to_string())),
            Some("null") => Ok(Value::Null),
            Some("bool") => resolve_bool(s, self.dialect).map(Value::Bool).ok_or_else(|| bad("a bool")),
            Some("int") => resolve_int(s).ok_or_else(|| bad("an int")),
            Some("float") => resolve_int(s).or_else(|| resolve_float(s)).ok_or_else(|| bad("a float")),
            Some("timestamp") => timestamp(s).map(Value::String).ok_or_else(|| bad("a timestamp")),
            Some("binary") => {
                let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD.decode(compact).map_err(|_| bad("base64"))?;
                Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
            }
            Some("map") | Some("seq") => Err(bad("a collection")),
            Some(_) => Ok(Value::String(s.to_string())),
            None if style != TScalarStyle::Plain => Ok(Value::String(s.to_string())),
            None => self.plain(s, mark),
        }
    }

    fn plain(&self, s: &str, mark: &Marker) -> Result<Value> {
        if matches!(s, "" | "~" | "null" | "Null" | "NULL") {
            return Ok(Value::Null);
        }
        if let Some(b) = resolve_bool(s, self.dialect) {
            return Ok(Value::Bool(b));
        }
        let first = s.as_bytes()[0];
        if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
            return Ok(Value::String(s.to_string()));
        }
        if let Some(ts) = timestamp(s) {
            return Ok(Value::String(ts));
        }
        if let Some(n) = resolve_int(s) {
            return Ok(n);
        }
        if let Some(f) = resolve_float(s) {
            if let Value::Number(_) = f {
                return Ok(f);
            }
            return Err(self.err(mark, format!("{s:?} is not representable in JSON")));
        }
        Ok(Value::String(s.to_string()))
    }
}

fn resolve_bool(s: &str, dialect: Dialect) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ if dialect == Dialect::Kustomization => match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `strconv.ParseInt(s, 0, 64)` (then `ParseUint`) after dropping `_`:
/// 0x/0o/0b prefixes and leading-zero octal.
fn resolve_int(s: &str) -> Option<Value> {
    let plain = s.replace('_', "");
    let (neg, body) = match plain.as_bytes().first() {
        Some(b'-') => (true, &plain[1..]),
        Some(b'+') => (false, &plain[1..]),
        _ => (false, plain.as_str()),
    };
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (r, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        let v = i128::try_from(mag).ok().map(|m| -m)?;
        i64::try_from(v).ok().map(|v| Value::Number(v.into()))
    } else if let Ok(v) = i64::try_from(mag) {
        Some(Value::Number(v.into()))
    } else {
        u64::try_from(mag).ok().map(|v| Value::Number(v.into()))
    }
}

/// go-yaml's float forms; `Value::String` for infinities and NaN, which
/// JSON cannot carry.
fn resolve_float(s: &str) -> Option<Value> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN"
        | ".NAN" => return Some(Value::String(s.to_string())),
        _ => {}
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").expect("valid"));
    let plain = s.replace('_', "");
    if !re.is_match(&plain) {
        return None;
    }
    let f: f64 = plain.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

/// go-yaml v3's timestamp forms, rendered as Go's JSON encoding of the
/// resulting time (RFC 3339, fraction trimmed, `Z` for UTC).
fn timestamp(s: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:([Tt])|( ))([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?)?$",
        )
        .expect("valid")
    });
    let c = re.captures(s)?;
    let num = |i: usize| c.get(i).map(|m| m.as_str().parse::<u32>().unwrap_or(99));
    let (y, mo, d) = (num(1)?, num(2)?, num(3)?);
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days {
        return None;
    }
    let Some(h) = num(6) else {
        return Some(format!("{y:04}-{mo:02}-{d:02}T00:00:00Z"));
    };
    let (mi, se) = (num(7)?, num(8)?);
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let zone = c.get(10).map(|m| m.as_str());
    // "T" forms need a zone; the space form takes none.
    match (c.get(4).is_some(), zone) {
        (true, None) | (false, Some(_)) => return None,
        _ => {}
    }
    let frac = c.get(9).map(|m| m.as_str().trim_end_matches('0')).filter(|f| !f.is_empty());
    let frac = frac.map(|f| format!(".{}", &f[..f.len().min(9)])).unwrap_or_default();
    let zone = match zone {
        None | Some("Z") | Some("+00:00") | Some("-00:00") => "Z".to_string(),
        Some(z) => z.to_string(),
    };
    Some(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}{frac}{zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Value {
        parse_one(s, Path::new("t.yaml")).unwrap()
    }

    #[test]
    fn plain_scalars_resolve_like_go_yaml_v3() {
        let v = one("a: 010\nb: 1_000\nc: 0o17\nd: yes\ne: 2024-01-01\nf: '2024-01-01'\ng: 1.0\nh: ~\ni: !!str 12\nj: 2001-12-14 21:59:43.10\n");
        assert_eq!(
            v,
            serde_json::json!({"a": 8, "b": 1000, "c": 15, "d": "yes", "e": "2024-01-01T00:00:00Z",
                "f": "2024-01-01", "g": 1.0, "h": null, "i": "12", "j": "2001-12-14T21:59:43.1Z"})
        );
    }

    #[test]
    fn duplicate_keys_and_deep_nesting_are_errors() {
        let e = parse_one("a: 1\na: 2\n", Path::new("t.yaml")).unwrap_err().to_string();
        assert!(e.contains("t.yaml: 2:1: mapping key \"a\" already defined"), "{e}");
        let deep = "[".repeat(220) + &"]".repeat(220);
        let e = parse_one(&deep, Path::new("t.yaml")).unwrap_err().to_string();
        assert!(e.contains("nested more than 200 levels deep"), "{e}");
        // Far deeper input stops in the parser itself, still as an error.
        let deeper = "[".repeat(5000) + &"]".repeat(5000);
        assert!(parse_one(&deeper, Path::new("t.yaml")).is_err());
    }

    #[test]
    fn merge_keys_and_aliases() {
        let v = one("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        assert_eq!(v["m"], serde_json::json!({"x": 1, "y": 3}));
    }
}
