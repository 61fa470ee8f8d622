//! The dynamic value that every expression evaluates to.
//!
//! Gantry follows Terraform's value model in a reduced form: lists, tuples and
//! sets are all `List` (sets are kept sorted and deduplicated by the functions
//! that make them), maps and objects are both `Object` with keys in
//! lexicographic order, so iteration order matches Terraform's. Two extra
//! variants carry meaning that must survive evaluation: `Unknown` for values
//! only known after apply, and `Sensitive` for values that must never be shown.

mod number;

pub use number::{Number, NumberError, F64_PRECISION, INT_PRECISION, LITERAL_PRECISION};

use std::collections::BTreeMap;
use std::fmt;

/// Keyed collection used for maps and objects; ordered so that output is deterministic.
pub type Map = BTreeMap<String, Value>;

/// A value produced by evaluating an expression or stored in state.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Object(Map),
    /// Not known until apply. Never stored in state.
    Unknown,
    /// A value marked sensitive: rendered as `(sensitive)` everywhere it is shown.
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A number value from any integer (at 64 bits, like cty's `NumberIntVal`).
    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// A number value from a float (at 53 bits); NaN, which no number can hold, is null.
    pub fn from_f64(f: f64) -> Value {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }

    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The name of the value's type, as Terraform's `type()` and error messages say it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(inner) => inner.type_name(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unmarked(), Value::Null)
    }

    /// True when this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::List(items) => items.iter().any(Value::contains_unknown),
            Value::Object(map) => map.values().any(Value::contains_unknown),
            Value::Sensitive(inner) => inner.contains_unknown(),
            _ => false,
        }
    }

    /// True when this value or anything inside it is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::contains_sensitive),
            Value::Object(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// True when collections (and sensitive marks, which a saved plan writes as one more
    /// level) nest more than `max` levels deep. Looks no deeper than `max`, so that a value
    /// too deep for the stack is found without overflowing it.
    pub fn nests_deeper_than(&self, max: usize) -> bool {
        let mut children: Box<dyn Iterator<Item = &Value>> = match self {
            Value::List(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            Value::Sensitive(inner) => Box::new(std::iter::once(inner.as_ref())),
            _ => return false,
        };
        match max.checked_sub(1) {
            None => true,
            Some(rest) => children.any(|c| c.nests_deeper_than(rest)),
        }
    }

    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// The value without a top-level sensitive mark.
    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner.unmarked(),
            other => other,
        }
    }

    /// The value with every sensitive mark removed, at any depth.
    pub fn deep_unmarked(self) -> Value {
        match self {
            Value::Sensitive(inner) => inner.deep_unmarked(),
            Value::List(items) => Value::List(items.into_iter().map(Value::deep_unmarked).collect()),
            Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, v.deep_unmarked())).collect()),
            other => other,
        }
    }

    /// Marks the value sensitive (idempotent).
    pub fn mark_sensitive(self) -> Value {
        match self {
            v @ Value::Sensitive(_) => v,
            v => Value::Sensitive(Box::new(v)),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as the nearest float, for code that works in `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::to_f64)
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unmarked() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number when it is a whole number that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::to_i64)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&Vec<Value>> {
        match self.unmarked() {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self.unmarked() {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Looks up an attribute of an object; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// Follows a path of object keys and list indexes.
    pub fn get_path(&self, path: &[PathStep]) -> Option<&Value> {
        let mut current = self;
        for step in path {
            current = match (step, current.unmarked()) {
                (PathStep::Key(k), Value::Object(m)) => m.get(k)?,
                (PathStep::Index(i), Value::List(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// Converts to JSON, keeping markers for unknown and sensitive values so
    /// that a saved plan can carry them. See [`Value::from_marked_json`].
    pub fn to_marked_json(&self) -> serde_json::Value {
        match self {
            Value::Unknown => serde_json::json!({ UNKNOWN_MARKER: true }),
            Value::Sensitive(inner) => {
                serde_json::json!({ SENSITIVE_MARKER: inner.to_marked_json() })
            }
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::to_marked_json).collect()),
            Value::Object(map) => {
                serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_marked_json())).collect())
            }
            other => other.to_json(),
        }
    }

    pub fn from_marked_json(json: &serde_json::Value) -> Value {
        if let serde_json::Value::Object(obj) = json {
            if obj.len() == 1 {
                if obj.get(UNKNOWN_MARKER) == Some(&serde_json::Value::Bool(true)) {
                    return Value::Unknown;
                }
                if let Some(inner) = obj.get(SENSITIVE_MARKER) {
                    return Value::from_marked_json(inner).mark_sensitive();
                }
            }
            return Value::Object(obj.iter().map(|(k, v)| (k.clone(), Value::from_marked_json(v))).collect());
        }
        if let serde_json::Value::Array(items) = json {
            return Value::List(items.iter().map(Value::from_marked_json).collect());
        }
        Value::from_json(json)
    }

    /// Converts to plain JSON: sensitive marks are dropped and unknown becomes null.
    /// Callers that must never write an unknown check `contains_unknown` first.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Object(map) => {
                serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Sensitive(inner) => inner.to_json(),
        }
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => number_from_json(n),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(obj) => {
                Value::Object(obj.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }

    /// Every path (from this value) at which a sensitive mark sits.
    pub fn sensitive_paths(&self) -> Vec<Vec<PathStep>> {
        let mut out = Vec::new();
        collect_sensitive(self, &mut Vec::new(), &mut out);
        out
    }

    /// Marks the values at the given paths sensitive.
    pub fn mark_paths(mut self, paths: &[Vec<PathStep>]) -> Value {
        for path in paths {
            if path.is_empty() {
                self = self.mark_sensitive();
                continue;
            }
            if let Some(slot) = get_path_mut(&mut self, path) {
                let taken = std::mem::take(slot);
                *slot = taken.mark_sensitive();
            }
        }
        self
    }
}

const UNKNOWN_MARKER: &str = "__gantry_unknown__";
const SENSITIVE_MARKER: &str = "__gantry_sensitive__";

/// A number as JSON with every digit (serde_json keeps the text of its numbers);
/// infinities, which JSON cannot write, become null.
fn number_to_json(n: &Number) -> serde_json::Value {
    if n.is_infinite() {
        return serde_json::Value::Null;
    }
    match n.to_string().parse::<serde_json::Number>() {
        Ok(j) => serde_json::Value::Number(j),
        Err(_) => serde_json::Value::Null,
    }
}

/// A JSON number read at 512 bits, as cty's JSON decoder reads them.
fn number_from_json(n: &serde_json::Number) -> Value {
    n.to_string().parse::<Number>().map_or(Value::Null, Value::Number)
}

fn collect_sensitive(value: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Sensitive(_) => out.push(path.clone()),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                collect_sensitive(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                path.push(PathStep::Key(k.clone()));
                collect_sensitive(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn get_path_mut<'a>(value: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut current = value;
    for step in path {
        current = match (step, current) {
            (PathStep::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (PathStep::Index(i), Value::List(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// One step into a value: an object attribute or a list element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(untagged)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

impl<'de> serde::Deserialize<'de> for PathStep {
    /// Read through a JSON value: serde's untagged enums cannot read serde_json's
    /// text-keeping numbers.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PathStep, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(PathStep::Key(s)),
            serde_json::Value::Number(n) => n
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .map(PathStep::Index)
                .ok_or_else(|| D::Error::custom(format!("path index {n} is not a whole number"))),
            other => Err(D::Error::custom(format!("path step must be a string or an index, not {other}"))),
        }
    }
}

/// Renders an attribute path the way HCL would write it: `scaling_config.max_size`, `taint[0].key`.
pub fn format_path(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Formats a number the way Terraform prints it: the shortest decimal that reads back
/// as the same value, without an exponent.
pub fn format_number(n: &Number) -> String {
    n.to_string()
}

impl fmt::Display for Value {
    /// HCL-like rendering, used in diagnostics and `output`. Sensitive values are hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{}", quote(s)),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Object(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = {v}", quote_key(k))?;
                }
                f.write_str("}")
            }
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

/// Quotes a string as an HCL string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object key as HCL writes it: bare when it is an identifier, quoted otherwise.
pub fn quote_key(k: &str) -> String {
    if is_identifier(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Sorts and deduplicates elements, which is how Gantry represents a set.
/// Strings sort lexicographically and numbers numerically, as Terraform's sets do.
pub fn normalize_set(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(compare_values);
    items.dedup();
    items
}

/// A total order over values, for sorting sets deterministically.
pub fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.unmarked(), b.unmarked()) {
        (Value::Number(x), Value::Number(y)) => x.cmp_value(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => x.to_json().to_string().cmp(&y.to_json().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_json_round_trips_unknown_and_sensitive() {
        let v = Value::object([
            ("a", Value::Unknown),
            ("b", Value::string("x").mark_sensitive()),
            ("c", Value::List(vec![Value::number(1), Value::Null])),
        ]);
        assert_eq!(Value::from_marked_json(&v.to_marked_json()), v);
    }

    #[test]
    fn sensitive_paths_are_found_and_reapplied() {
        let v = Value::object([("db", Value::object([("password", Value::string("p").mark_sensitive())]))]);
        let paths = v.sensitive_paths();
        assert_eq!(paths, vec![vec![PathStep::Key("db".into()), PathStep::Key("password".into())]]);
        assert_eq!(v.clone().deep_unmarked().mark_paths(&paths), v);
    }

    #[test]
    fn nesting_is_measured_up_to_the_limit() {
        let mut v = Value::number(1);
        assert!(!v.nests_deeper_than(0));
        for _ in 0..3 {
            v = Value::List(vec![v]);
        }
        assert!(!v.nests_deeper_than(3));
        assert!(v.nests_deeper_than(2));
        assert!(Value::object([("a", v.clone().mark_sensitive())]).nests_deeper_than(4));
        assert!(!Value::List(vec![]).nests_deeper_than(1));
    }

    #[test]
    fn json_keeps_every_digit_both_ways() {
        let text = r#"{"big":12345678901234567890,"third":0.333333333333333333333333333333333333333333333333,"huge":1e400,"neg":-0}"#;
        let v = Value::from_json(&serde_json::from_str(text).unwrap());
        assert_eq!(v.get("big").unwrap().to_string(), "12345678901234567890");
        assert_eq!(v.get("huge").unwrap().to_string(), format!("1{}", "0".repeat(400)));
        assert_eq!(v.get("neg").unwrap().to_string(), "-0");
        let written = serde_json::to_string(&v.to_json()).unwrap();
        assert!(written.contains(r#""big":12345678901234567890"#), "{written}");
        assert!(written.contains(r#""third":0.333333333333333333333333333333333333333333333333}"#), "{written}");
        assert!(written.contains(r#""neg":-0"#), "{written}");
        assert_eq!(Value::from_json(&serde_json::from_str(&written).unwrap()), v);
        // JSON has no infinity.
        assert_eq!(Value::Number(Number::infinity(false)).to_json(), serde_json::Value::Null);
    }

    #[test]
    fn path_steps_read_back_from_json() {
        let steps: Vec<PathStep> = serde_json::from_str(r#"["a", 3]"#).unwrap();
        assert_eq!(steps, vec![PathStep::Key("a".into()), PathStep::Index(3)]);
        let err = serde_json::from_str::<Vec<PathStep>>("[1.5]").unwrap_err().to_string();
        assert!(err.contains("path index 1.5 is not a whole number"), "{err}");
    }

    #[test]
    fn numbers_render_like_terraform() {
        assert_eq!(Value::number(3).to_string(), "3");
        assert_eq!(Value::from_f64(2.5).to_string(), "2.5");
        assert_eq!(Value::number(3).to_json(), serde_json::json!(3));
    }
}
