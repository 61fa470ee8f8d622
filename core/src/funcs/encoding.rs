//! Encoding functions: base64, JSON, YAML, CSV and URL query escaping.

use base64::Engine;
use serde::Deserialize;

use super::{arg_str, echo, spec, FResult, FuncContext, FuncError, Spec};
use crate::value::{format_number, Map, Number, Value};

pub(super) const FUNCS: &[Spec] = &[
    spec("base64encode", 1, Some(1), base64encode),
    spec("base64decode", 1, Some(1), base64decode),
    spec("jsonencode", 1, Some(1), jsonencode),
    spec("jsondecode", 1, Some(1), jsondecode),
    spec("yamlencode", 1, Some(1), yamlencode),
    spec("yamldecode", 1, Some(1), yamldecode),
    spec("csvdecode", 1, Some(1), csvdecode),
    spec("urlencode", 1, Some(1), urlencode),
];

fn base64encode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "str")?;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(s.as_bytes())))
}

fn base64decode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "str")?;
    // Go's decoder, which Terraform uses, skips line breaks inside the data.
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| FuncError::at(0, format!("failed to decode base64 data: {}", echo(e))))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| FuncError::at(0, "the result of decoding the provided string is not valid UTF-8"))
}

/// Quotes a string as JSON the way Go's encoder does, which also escapes the
/// HTML-significant characters `<`, `>` and `&`; Terraform output matches it.
pub(crate) fn json_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number as JSON writes it: every digit Terraform prints; JSON has no infinities.
fn number_text(n: &Number) -> Result<String, String> {
    if n.is_infinite() {
        Err("cannot serialize infinity as JSON".to_string())
    } else {
        Ok(format_number(n))
    }
}

/// Compact JSON with object keys in sorted order, as Terraform's jsonencode writes it.
pub(crate) fn json_encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    write_json(v, &mut out)?;
    Ok(out)
}

fn write_json(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)?),
        Value::String(s) => out.push_str(&json_quote(s)),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_quote(k));
                out.push(':');
                write_json(item, out)?;
            }
            out.push('}');
        }
        Value::Unknown => return Err("value is not yet known".to_string()),
        Value::Sensitive(inner) => write_json(inner, out)?,
    }
    Ok(())
}

fn jsonencode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let v = args.first().unwrap_or(&Value::Null);
    json_encode(v).map(Value::String).map_err(|e| FuncError::at(0, e))
}

fn jsondecode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "str")?;
    let json: serde_json::Value =
        serde_json::from_str(&s).map_err(|e| FuncError::at(0, format!("invalid JSON: {}", echo(e))))?;
    Ok(Value::from_json(&json))
}

// ---- YAML ----

/// A YAML double-quoted scalar; Terraform quotes every string (and key) this way.
fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}' => out.push_str("\\0"),
            '\u{feff}' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn yaml_scalar(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(n),
        Value::String(s) => yaml_quote(s),
        Value::List(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
        Value::Unknown => return Err("value is not yet known".to_string()),
        Value::Sensitive(inner) => yaml_scalar(inner)?,
    })
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::List(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Sensitive(inner) => is_block(inner),
        _ => false,
    }
}

/// Writes `v` in block style at `indent`. With `inline_first` the first line
/// continues the current one (after a `- `), as go-yaml lays out nested items.
fn yaml_block(v: &Value, indent: usize, inline_first: bool, out: &mut String) -> Result<(), String> {
    let pad = |out: &mut String, first: bool| {
        if !(first && inline_first) {
            out.push_str(&" ".repeat(indent));
        }
    };
    match v.unmarked() {
        Value::List(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                pad(out, i == 0);
                out.push_str("- ");
                if is_block(item) {
                    yaml_block(item, indent + 2, true, out)?;
                } else {
                    out.push_str(&yaml_value_scalar(item, indent + 2)?);
                    out.push('\n');
                }
            }
        }
        Value::Object(map) if !map.is_empty() => {
            for (i, (k, item)) in map.iter().enumerate() {
                pad(out, i == 0);
                out.push_str(&yaml_quote(k));
                out.push(':');
                match item.unmarked() {
                    // go-yaml does not indent a sequence under its key.
                    Value::List(l) if !l.is_empty() => {
                        out.push('\n');
                        yaml_block(item, indent, false, out)?;
                    }
                    Value::Object(m) if !m.is_empty() => {
                        out.push('\n');
                        yaml_block(item, indent + 2, false, out)?;
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&yaml_value_scalar(item, indent + 2)?);
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            pad(out, true);
            out.push_str(&yaml_value_scalar(other, indent + 2)?);
            out.push('\n');
            // libyaml ends a document whose root is a plain scalar with an explicit `...`.
            if indent == 0 && !inline_first && matches!(other, Value::Null | Value::Bool(_) | Value::Number(_)) {
                out.push_str("...\n");
            }
        }
    }
    Ok(())
}

/// A scalar in value position: multi-line strings as literal blocks (`|-`, `|`, `|+` by
/// their trailing newlines) when libyaml's emitter would allow one, else as `yaml_scalar`.
fn yaml_value_scalar(v: &Value, indent: usize) -> Result<String, String> {
    match v.unmarked() {
        Value::String(s) if literal_block_allowed(s) => Ok(literal_block(s, indent)),
        other => yaml_scalar(other),
    }
}

/// libyaml's emitter refuses a literal block for text with a space before a line break,
/// trailing spaces, or characters it does not print as they are (tabs, carriage returns).
fn literal_block_allowed(s: &str) -> bool {
    let printable = |c: char| {
        matches!(c, '\n' | ' '..='~' | '\u{85}')
            || (c >= '\u{A0}' && c != '\u{FEFF}' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    s.contains('\n') && !s.contains(" \n") && !s.ends_with(' ') && s.chars().all(printable)
}

fn literal_block(s: &str, indent: usize) -> String {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 if !body.is_empty() => "",
        _ => "+",
    };
    // Text that starts with a space or a line break needs its indentation stated.
    let hint = if s.starts_with(' ') || s.starts_with('\n') { "2" } else { "" };
    let mut out = format!("|{hint}{chomp}");
    let pad = " ".repeat(indent);
    for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

fn yamlencode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let mut out = String::new();
    let value = args.first().unwrap_or(&Value::Null);
    yaml_block(value, 0, false, &mut out).map_err(|e| FuncError::at(0, e))?;
    Ok(Value::String(out))
}

fn yaml_key(k: serde_yaml_ng::Value) -> Result<String, String> {
    match yaml_to_value(k)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(format_number(&n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok("null".to_string()),
        _ => Err("mapping keys must be strings, numbers or bools".to_string()),
    }
}

/// A YAML number at 512 bits, read from its text as Terraform reads it. The YAML parser
/// has already made a float of a fraction; its shortest text is the text that was written
/// for all but numbers with more than 17 significant digits or beyond a float's range.
fn yaml_number(n: &serde_yaml_ng::Number) -> Result<Number, String> {
    if n.is_nan() {
        return Err("floating point NaN is not supported".to_string());
    }
    if n.is_infinite() {
        return Ok(Number::infinity(n.as_f64().is_some_and(|f| f < 0.0)));
    }
    let text = match n.as_f64() {
        Some(f) if n.is_f64() => format!("{f:e}"),
        _ => n.to_string(),
    };
    text.parse().map_err(|e| format!("cannot represent the number {}: {e}", echo(n)))
}

fn yaml_to_value(v: serde_yaml_ng::Value) -> Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => Value::Number(yaml_number(&n)?),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::List(items.into_iter().map(yaml_to_value).collect::<Result<_, _>>()?),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(yaml_key(k)?, yaml_to_value(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let core = tag.trim_start_matches('!').trim_start_matches("tag:yaml.org,2002:");
            let inner = yaml_to_value(tagged.value)?;
            match core {
                "str" => super::to_str(&inner).map(Value::String).ok_or("!!str requires a scalar")?,
                "int" | "float" | "bool" | "null" | "seq" | "map" => inner,
                _ => return Err(format!("unsupported tag {}", echo(tag))),
            }
        }
    })
}

fn yaml_error(e: impl std::fmt::Display) -> String {
    format!("invalid YAML: {e}")
}

fn yamldecode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "src")?;
    super::yaml11::decode(&s).map_err(|e| FuncError::at(0, yaml_error(echo(e))))
}

/// Decodes every document of a multi-document YAML stream (as used for
/// Kubernetes manifests). Empty documents, such as the one before a leading
/// `---`, are skipped.
pub fn yaml_decode_all(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let y = serde_yaml_ng::Value::deserialize(doc).map_err(yaml_error)?;
        // No marks reach this caller's messages through `call`, so echoed text is shown as it is.
        let v = yaml_to_value(y).map_err(|e| super::resolve_echoes(&yaml_error(e), &[]))?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

// ---- CSV and URLs ----

fn csvdecode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "str")?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(s.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FuncError::at(0, format!("invalid CSV: {}", echo(e))))?
        .iter()
        .map(str::to_string)
        .collect();
    if headers.is_empty() {
        return Err(FuncError::at(0, "missing header line"));
    }
    if let Some(dup) = headers.iter().enumerate().find_map(|(i, h)| headers[..i].contains(h).then_some(h)) {
        return Err(FuncError::at(0, format!("duplicate column name {}", echo(format!("{dup:?}")))));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| FuncError::at(0, format!("invalid CSV: {}", echo(e))))?;
        let row: Map = headers.iter().cloned().zip(record.iter().map(Value::string)).collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::List(rows))
}

/// Go's url.QueryEscape: unreserved characters stay, spaces become `+`.
fn urlencode(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "str")?;
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::yaml_decode_all;
    use crate::value::Value;

    #[test]
    fn base64_examples() {
        assert_eq!(call_ok("base64encode", vec![s("Hello World")]), s("SGVsbG8gV29ybGQ="));
        assert_eq!(call_ok("base64decode", vec![s("SGVsbG8gV29ybGQ=")]), s("Hello World"));
        assert_eq!(call_ok("base64decode", vec![s("SGVsbG8g\nV29ybGQ=")]), s("Hello World"));
        assert!(call_err("base64decode", vec![s("not base64!")]).message.starts_with("failed to decode"));
        assert!(call_err("base64decode", vec![s("/w==")]).message.contains("UTF-8"));
    }

    #[test]
    fn jsonencode_examples() {
        assert_eq!(call_ok("jsonencode", vec![o(&[("hello", s("world"))])]), s("{\"hello\":\"world\"}"));
        assert_eq!(
            call_ok("jsonencode", vec![o(&[("b", nl(&[1.0, 2.5])), ("a", Value::Null), ("c", b(true))])]),
            s("{\"a\":null,\"b\":[1,2.5],\"c\":true}")
        );
        assert_eq!(call_ok("jsonencode", vec![s("<a&b>\n")]), s("\"\\u003ca\\u0026b\\u003e\\n\""));
        assert_eq!(call_ok("jsonencode", vec![n(3.0)]), s("3"));
        assert_eq!(call_ok("jsonencode", vec![Value::Null]), s("null"));
        assert_eq!(call_err("jsonencode", vec![n(f64::INFINITY)]).message, "cannot serialize infinity as JSON");
    }

    #[test]
    fn jsondecode_examples() {
        assert_eq!(call_ok("jsondecode", vec![s("{\"hello\": \"world\"}")]), o(&[("hello", s("world"))]));
        assert_eq!(call_ok("jsondecode", vec![s("true")]), b(true));
        assert_eq!(call_ok("jsondecode", vec![s("[1, 2.5, null]")]), l(vec![n(1.0), n(2.5), Value::Null]));
        assert!(call_err("jsondecode", vec![s("{")]).message.starts_with("invalid JSON"));
        // Every digit survives, both ways (Terraform's outputs).
        let decoded = call_ok("jsondecode", vec![s("[12345678901234567890, 1e400, -0, 0.1]")]);
        assert_eq!(decoded.to_string(), format!("[12345678901234567890, 1{}, -0, 0.1]", "0".repeat(400)));
        assert_eq!(
            call_ok("jsonencode", vec![decoded]),
            s(&format!("[12345678901234567890,1{},-0,0.1]", "0".repeat(400)))
        );
    }

    #[test]
    fn yamlencode_examples() {
        assert_eq!(call_ok("yamlencode", vec![o(&[("a", s("b")), ("c", s("d"))])]), s("\"a\": \"b\"\n\"c\": \"d\"\n"));
        assert_eq!(
            call_ok("yamlencode", vec![o(&[("foo", nl(&[1.0, 2.0, 3.0])), ("bar", s("baz"))])]),
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n")
        );
        assert_eq!(
            call_ok(
                "yamlencode",
                vec![o(&[("foo", l(vec![n(1.0), o(&[("a", s("b")), ("c", s("d"))]), n(3.0)])), ("bar", s("baz"))])]
            ),
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n")
        );
        assert_eq!(
            call_ok("yamlencode", vec![o(&[("m", o(&[("x", l(vec![nl(&[1.0, 2.0])]))])), ("e", l(vec![]))])]),
            s("\"e\": []\n\"m\":\n  \"x\":\n  - - 1\n    - 2\n")
        );
        // Terraform's answers: multi-line text as a literal block, a root scalar ended with `...`.
        assert_eq!(call_ok("yamlencode", vec![s("a\"b\n")]), s("|\n  a\"b\n"));
        assert_eq!(call_ok("yamlencode", vec![Value::Null]), s("null\n...\n"));
        assert_eq!(
            call_ok(
                "yamlencode",
                vec![o(&[("a", s("x\ny")), ("b", sl(&[" lead\nz", "t \nq", "tab\tx\ny", "two\n\n"]))])]
            ),
            s("\"a\": |-\n  x\n  y\n\"b\":\n- |2-\n   lead\n  z\n- \"t \\nq\"\n- \"tab\\tx\\ny\"\n- |+\n  two\n\n")
        );
        assert_eq!(call_ok("yamlencode", vec![b(true)]), s("true\n...\n"));
        let big = Value::Number("12345678901234567890".parse().unwrap());
        assert_eq!(call_ok("yamlencode", vec![big]), s("12345678901234567890\n...\n"));
        let third = Value::Number(crate::value::Number::from(1).div(&"3".parse().unwrap()).unwrap());
        assert_eq!(call_ok("yamlencode", vec![third]), s(&format!("0.{}5\n...\n", "3".repeat(154))));
        assert_eq!(call_ok("yamlencode", vec![l(vec![n(-0.0)])]), s("- -0\n"));
    }

    #[test]
    fn yamldecode_examples() {
        assert_eq!(call_ok("yamldecode", vec![s("hello: world")]), o(&[("hello", s("world"))]));
        assert_eq!(call_ok("yamldecode", vec![s("true")]), b(true));
        assert_eq!(
            call_ok("yamldecode", vec![s("{a: &foo [1, 2, 3], b: *foo}")]),
            o(&[("a", nl(&[1.0, 2.0, 3.0])), ("b", nl(&[1.0, 2.0, 3.0]))])
        );
        // YAML 1.1, as Terraform reads it: `yes` is true.
        assert_eq!(call_ok("yamldecode", vec![s("1: one\ntrue: yes")]), o(&[("1", s("one")), ("true", b(true))]));
        assert!(call_err("yamldecode", vec![s("")]).message.contains("missing start of document"));
        assert!(call_err("yamldecode", vec![s("{a: &foo [1, *foo, 3]}")]).message.contains("unknown anchor"));
        assert!(call_err("yamldecode", vec![s("{a: !not-supported foo}")]).message.contains("unsupported tag"));
        assert!(call_err("yamldecode", vec![s("a: 1\n---\nb: 2\n")]).message.contains("unexpected extra content"));
        // Numbers are read at 512 bits from their text, as Terraform reads them.
        assert_eq!(call_ok("yamldecode", vec![s("12345678901234567890")]).to_string(), "12345678901234567890");
        assert_eq!(call_ok("yamldecode", vec![s("0.1")]).to_string(), "0.1");
    }

    #[test]
    fn yaml_decode_all_reads_every_document() {
        let docs = yaml_decode_all("---\nkind: A\n---\nkind: B\n---\n").unwrap_or_default();
        assert_eq!(docs, vec![o(&[("kind", s("A"))]), o(&[("kind", s("B"))])]);
        assert!(yaml_decode_all("a: [").is_err());
    }

    #[test]
    fn csvdecode_examples() {
        assert_eq!(
            call_ok("csvdecode", vec![s("a,b,c\n1,2,3\n4,5,6")]),
            l(vec![
                o(&[("a", s("1")), ("b", s("2")), ("c", s("3"))]),
                o(&[("a", s("4")), ("b", s("5")), ("c", s("6"))]),
            ])
        );
        assert_eq!(call_ok("csvdecode", vec![s("a,b\n")]), l(vec![]));
        assert!(call_err("csvdecode", vec![s("a,b\n1,2,3\n")]).message.starts_with("invalid CSV"));
        assert_eq!(call_err("csvdecode", vec![s("")]).message, "missing header line");
    }

    #[test]
    fn urlencode_examples() {
        assert_eq!(call_ok("urlencode", vec![s("Hello World!")]), s("Hello+World%21"));
        assert_eq!(call_ok("urlencode", vec![s("☃")]), s("%E2%98%83"));
        assert_eq!(
            call_ok("urlencode", vec![s("foo:bar@localhost?foo=bar&bar=baz")]),
            s("foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz")
        );
    }
}
