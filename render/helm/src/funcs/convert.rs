//! Conversions as Sprig performs them (spf13/cast and Sprig's `strval`).

use crate::template::format::fmt_v;
use crate::value::Value;

/// Sprig's `strval`/`toString`: strings as-is, bytes as text, anything else `%v`.
pub fn to_string(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => fmt_v(other),
    }
}

/// `cast.ToInt64`: numbers truncate, strings parse with Go's base prefixes, bools
/// are 0/1, anything unconvertible is 0.
pub fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_go_int(s.trim()).unwrap_or(0),
        _ => 0,
    }
}

/// `strconv.ParseInt(s, 0, 64)`.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let s: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let lower = body.to_ascii_lowercase();
    let v = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        lower.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// `cast.ToFloat64`.
pub fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => s.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Sprig's `empty`: Go's zero value test.
pub fn is_empty(v: &Value) -> bool {
    !v.truthy()
}

/// A list argument for Sprig's list functions (`[]interface{}` or any slice).
pub fn as_list(v: &Value, fname: &str) -> Result<Vec<Value>, String> {
    match v {
        Value::List(l) => Ok(l.as_ref().clone()),
        Value::Bytes(b) => Ok(b.iter().map(|x| Value::Int(*x as i64)).collect()),
        Value::Nil => Ok(Vec::new()),
        other => Err(format!("Cannot {fname} on type {}", other.type_name())),
    }
}

/// Sprig's `strslice`: a list of strings from a slice, skipping nils.
pub fn str_slice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(to_string).collect(),
        Value::Nil => Vec::new(),
        other => vec![to_string(other)],
    }
}
