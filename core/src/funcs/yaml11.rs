//! `yamldecode` as Terraform reads YAML: one document, with plain scalars resolved by
//! YAML 1.1's rules as go-yaml resolves them (`yes`, `on` and `y` are true; `0x1f` and
//! `0o17` are integers; a date becomes an RFC 3339 timestamp string), anchors and aliases,
//! and `<<` merge keys. Quoted scalars are always strings.

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::value::{format_number, Map, Number, Value};

/// Nesting deeper than this is refused rather than recursed into.
const MAX_DEPTH: usize = 500;

pub(super) fn decode(text: &str) -> Result<Value, String> {
    let mut reader = Reader { parser: Parser::new_from_str(text), anchors: Vec::new(), nodes: 0 };
    match reader.next()?.0 {
        Event::StreamStart => {}
        other => return Err(format!("unexpected {other:?} at the start of the stream")),
    }
    let (event, at) = reader.next()?;
    if !matches!(event, Event::DocumentStart) {
        return Err(located(at, "missing start of document"));
    }
    let (event, at) = reader.next()?;
    let value = reader.node(event, at, 0)?;
    let (event, _) = reader.next()?;
    if !matches!(event, Event::DocumentEnd) {
        return Err(located(at, "unexpected extra content after value"));
    }
    match reader.next()? {
        (Event::StreamEnd, _) => Ok(value),
        (_, _) => Err(located(at, "unexpected extra content after value")),
    }
}

fn located(at: Marker, message: &str) -> String {
    format!("on line {}, column {}: {message}", at.line(), at.col() + 1)
}

struct Reader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    /// Values by anchor id, for aliases.
    anchors: Vec<(usize, Value)>,
    /// Nodes made so far, aliases included, so that an alias bomb stops early.
    nodes: usize,
}

impl Reader<'_> {
    fn next(&mut self) -> Result<(Event, Marker), String> {
        self.parser.next_token().map_err(|e| {
            let at = e.marker();
            format!("on line {}, column {}: {}", at.line(), at.col() + 1, e.info())
        })
    }

    fn count(&mut self, n: usize, at: Marker) -> Result<(), String> {
        self.nodes += n;
        if self.nodes > super::MAX_ELEMENTS {
            return Err(located(at, "the document expands to too many values"));
        }
        Ok(())
    }

    fn node(&mut self, event: Event, at: Marker, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(located(at, "the document nests too deeply"));
        }
        self.count(1, at)?;
        let (value, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                (resolve(&text, style, tag.as_ref()).map_err(|e| located(at, &e))?, anchor)
            }
            Event::Alias(id) => {
                let value = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| located(at, "unknown anchor"))?;
                self.count(size(&value), at)?;
                return Ok(value);
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (event, at) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, at, depth + 1)?);
                }
                (Value::List(items), anchor)
            }
            Event::MappingStart(anchor, _) => (self.mapping(depth)?, anchor),
            other => return Err(located(at, &format!("did not find expected node content ({other:?})"))),
        };
        if anchor > 0 {
            self.anchors.push((anchor, value.clone()));
        }
        Ok(value)
    }

    fn mapping(&mut self, depth: usize) -> Result<Value, String> {
        let mut own = Map::new();
        let mut merged = Map::new();
        loop {
            let (event, at) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let is_merge = matches!(&event, Event::Scalar(k, TScalarStyle::Plain, _, None) if k == "<<")
                || matches!(&event, Event::Scalar(_, _, _, Some(t)) if core_tag(t) == Some("merge"));
            let key = self.node(event, at, depth + 1)?;
            let (event, vat) = self.next()?;
            let value = self.node(event, vat, depth + 1)?;
            if is_merge {
                // Earlier mappings of a merged list win over later ones; the mapping's own keys win over all.
                let sources = match value {
                    Value::List(items) => items,
                    single => vec![single],
                };
                for source in sources {
                    let Value::Object(map) = source else {
                        return Err(located(vat, "map merge requires map or sequence of maps as the value"));
                    };
                    for (k, v) in map {
                        merged.entry(k).or_insert(v);
                    }
                }
                continue;
            }
            let key = match key {
                Value::String(s) => s,
                Value::Number(n) => format_number(&n),
                Value::Bool(b) => b.to_string(),
                Value::Null => "null".to_string(),
                _ => return Err(located(at, "only strings, numbers and bools can be keys")),
            };
            own.insert(key, value);
        }
        for (k, v) in merged {
            own.entry(k).or_insert(v);
        }
        Ok(Value::Object(own))
    }
}

fn size(v: &Value) -> usize {
    match v {
        Value::List(items) => 1 + items.iter().map(size).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(size).sum::<usize>(),
        _ => 1,
    }
}

/// The suffix of a tag in YAML's own namespace (`!!int` → `int`); `None` for any other.
fn core_tag(tag: &Tag) -> Option<&str> {
    match tag.handle.as_str() {
        "!!" | "tag:yaml.org,2002:" => Some(tag.suffix.as_str()),
        "" if tag.suffix.starts_with("tag:yaml.org,2002:") => Some(&tag.suffix["tag:yaml.org,2002:".len()..]),
        _ => None,
    }
}

fn number(text: &str) -> Option<Value> {
    super::parse_number(text).map(Value::Number)
}

fn resolve(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag = match tag {
        None => "",
        Some(t) => match core_tag(t) {
            Some(core @ ("str" | "binary" | "bool" | "int" | "float" | "null" | "timestamp")) => core,
            _ => return Err(format!("unsupported tag \"{}{}\"", t.handle, t.suffix)),
        },
    };
    let quoted = matches!(style, TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted);
    let mut tag = tag;
    let hint = text.bytes().next().map_or(b'N', |c| match c {
        b'+' | b'-' => b'S',
        b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => 0,
    });
    if hint != 0 && tag != "str" && tag != "binary" {
        if quoted {
            return Ok(Value::String(text.to_string()));
        }
        if let Some(v) = special(text) {
            return v;
        }
        match hint {
            b'.' => {
                if let Some(n) = number(text) {
                    return Ok(n);
                }
            }
            b'D' | b'S' => {
                if tag.is_empty() || tag == "timestamp" {
                    if let Some(ts) = timestamp(text) {
                        return Ok(Value::String(ts));
                    }
                }
                if is_integer_literal(text) {
                    tag = "int";
                } else if is_float_literal(text) {
                    tag = "float";
                }
            }
            _ => {}
        }
    }
    match tag {
        "str" => Ok(Value::String(text.to_string())),
        "binary" => {
            use base64::Engine;
            let compact: String = text.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map(|_| Value::String(text.to_string()))
                .map_err(|_| format!("cannot parse {text:?} as !!binary: not valid base64"))
        }
        "bool" => match special(text) {
            Some(Ok(v @ Value::Bool(_))) => Ok(v),
            _ => Err(format!("cannot parse {text:?} as !!bool")),
        },
        "int" | "float" => {
            let plain = text.replace('_', "");
            number(&plain).or_else(|| go_int(&plain)).ok_or_else(|| format!("cannot parse {text:?} as !!{tag}"))
        }
        "timestamp" => {
            timestamp(text).map(Value::String).ok_or_else(|| format!("cannot parse {text:?} as !!timestamp"))
        }
        "null" => Ok(Value::Null),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// The words YAML 1.1 gives a meaning: booleans, nulls and infinities.
fn special(text: &str) -> Option<Result<Value, String>> {
    Some(Ok(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Value::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Value::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(Number::infinity(false)),
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(Number::infinity(true)),
        ".nan" | ".NaN" | ".NAN" => return Some(Err("floating point NaN is not supported".to_string())),
        _ => return None,
    }))
}

fn is_integer_literal(t: &str) -> bool {
    let digits = |s: &str, ok: fn(u8) -> bool| !s.is_empty() && s.bytes().all(ok);
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    digits(unsigned, |b| b.is_ascii_digit())
        || t.strip_prefix("0o").is_some_and(|r| digits(r, |b| (b'0'..=b'7').contains(&b)))
        || t.strip_prefix("0x").is_some_and(|r| digits(r, |b| b.is_ascii_hexdigit()))
}

fn is_float_literal(t: &str) -> bool {
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && all_digits(frac),
        Some((int, frac)) => !int.is_empty() && all_digits(int) && all_digits(frac),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseInt(s, 0, 64)`, which go-yaml falls back to for `0x`, `0o`, `0b` and `0`-prefixed octal.
fn go_int(plain: &str) -> Option<Value> {
    let (negative, body) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.strip_prefix('+').unwrap_or(plain)),
    };
    let (radix, digits) = if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, r)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    let magnitude = Number::from(u64::from_str_radix(digits, radix).ok()?);
    Some(Value::Number(if negative { magnitude.neg() } else { magnitude }))
}

/// A YAML timestamp (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`, `2001-12-14 21:59:43.10`)
/// as Go's RFC 3339 layout writes it, which drops fractions of a second.
fn timestamp(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut fields = Fields { s: text, at: 5 };
    let year: i64 = text[..4].parse().ok()?;
    let month = fields.number(1, 2)?;
    fields.expect(b'-')?;
    let day = fields.number(1, 2)?;
    let date_ok = (1..=12).contains(&month) && day >= 1 && day <= super::time::days_in_month(year, month);
    if fields.done() {
        return date_ok.then(|| format!("{year:04}-{month:02}-{day:02}T00:00:00Z"));
    }
    let separator = fields.take()?;
    let hour = fields.number(1, 2)?;
    fields.expect(b':')?;
    let minute = fields.number(1, 2)?;
    fields.expect(b':')?;
    let second = fields.number(1, 2)?;
    if fields.peek() == Some(b'.') {
        fields.take();
        fields.number(1, 9)?;
    }
    let zone = match separator {
        b' ' if fields.done() => "Z".to_string(),
        b'T' | b't' => match fields.rest() {
            "Z" => "Z".to_string(),
            z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && z.as_bytes()[3] == b':' => {
                let ok = z[1..3].bytes().chain(z[4..].bytes()).all(|b| b.is_ascii_digit());
                ok.then(|| z.to_string())?
            }
            _ => return None,
        },
        _ => return None,
    };
    let time_ok = hour < 24 && minute < 60 && second < 60;
    (date_ok && time_ok).then(|| format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}"))
}

struct Fields<'a> {
    s: &'a str,
    at: usize,
}

impl Fields<'_> {
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let len = self.s[self.at..].bytes().take(max).take_while(u8::is_ascii_digit).count();
        if len < min {
            return None;
        }
        let n = self.s[self.at..self.at + len].parse().ok();
        self.at += len;
        n
    }
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.take()? == b).then_some(())
    }
    fn take(&mut self) -> Option<u8> {
        let b = *self.s.as_bytes().get(self.at)?;
        self.at += 1;
        Some(b)
    }
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.at).copied()
    }
    fn done(&self) -> bool {
        self.at == self.s.len()
    }
    fn rest(&self) -> &str {
        &self.s[self.at..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Value {
        decode(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn plain_scalars_resolve_by_yaml_1_1() {
        assert_eq!(d("yes"), Value::Bool(true));
        assert_eq!(d("Off"), Value::Bool(false));
        assert_eq!(d("'yes'"), Value::string("yes"));
        assert_eq!(d("017"), Value::number(17));
        assert_eq!(d("0x1f"), Value::number(31));
        assert_eq!(d("0o17"), Value::number(15));
        assert_eq!(d("1_000"), Value::string("1_000"));
        assert_eq!(d("!!int 1_000"), Value::number(1000));
        assert_eq!(d("!!str 1"), Value::string("1"));
        assert_eq!(d("~"), Value::Null);
        assert_eq!(d(".5"), Value::Number("0.5".parse().unwrap()));
    }

    #[test]
    fn timestamps_become_rfc3339_strings() {
        assert_eq!(d("2001-12-14"), Value::string("2001-12-14T00:00:00Z"));
        assert_eq!(d("2001-12-14t21:59:43.10-05:00"), Value::string("2001-12-14T21:59:43-05:00"));
        assert_eq!(d("2001-12-14 21:59:43.10"), Value::string("2001-12-14T21:59:43Z"));
        assert_eq!(d("2001-13-14"), Value::string("2001-13-14"));
    }

    #[test]
    fn merge_keys_give_way_to_the_mappings_own_keys() {
        let v = d("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n");
        assert_eq!(v.as_object().unwrap()["x"], Value::object([("a", Value::number(1)), ("b", Value::number(3))]));
    }

    #[test]
    fn documents_must_be_exactly_one() {
        assert!(decode("").unwrap_err().contains("missing start of document"));
        assert!(decode("a: 1\n---\nb: 2").unwrap_err().contains("unexpected extra content"));
        assert!(decode("[").is_err());
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_errors() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(decode(&bomb).unwrap_err().contains("too many values"));
        let deep = "[".repeat(2000) + &"]".repeat(2000);
        assert!(decode(&deep).is_err());
    }
}
