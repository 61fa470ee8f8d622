//! Values on one line or laid out over several, as `show` and `output` print them.

use gantry_core::value::{format_number, quote, quote_key, Value};
use std::fmt::Write as _;

/// The pretty-printed form of a string that holds a JSON object or array.
pub fn json_text(s: &str) -> Option<String> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    let mut text = serde_json::to_string_pretty(&v).ok()?;
    text.push('\n');
    Some(text)
}

/// A value on one line: `"a"`, `3`, `["x", "y"]`, `{ a = 1 }`.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Unknown => "(known after apply)".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(n),
        Value::String(s) => quote(s),
        Value::List(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            if map.is_empty() {
                return "{}".into();
            }
            format!(
                "{{ {} }}",
                map.iter().map(|(k, v)| format!("{} = {}", quote_key(k), inline(v))).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// A value laid out over several lines when it is a collection.
pub fn block(v: &Value, indent: usize) -> String {
    match v {
        Value::List(items) if items.iter().any(|i| matches!(i, Value::Object(_) | Value::List(_))) => {
            let mut s = String::from("[\n");
            for item in items {
                let _ = writeln!(s, "{:w$}{},", "", block(item, indent + 4), w = indent + 4);
            }
            let _ = write!(s, "{:indent$}]", "");
            s
        }
        Value::Object(map) if !map.is_empty() => {
            let mut s = String::from("{\n");
            let width = map.keys().map(|k| quote_key(k).len()).max().unwrap_or(0);
            for (k, v) in map {
                let _ = writeln!(s, "{:w$}{:width$} = {}", "", quote_key(k), block(v, indent + 4), w = indent + 4);
            }
            let _ = write!(s, "{:indent$}}}", "");
            s
        }
        Value::String(text) if text.contains('\n') => {
            let mut s = String::from("<<-EOT\n");
            for line in text.lines() {
                let _ = writeln!(s, "{:w$}{line}", "", w = indent + 4);
            }
            let _ = write!(s, "{:indent$}EOT", "");
            s
        }
        other => inline(other),
    }
}
