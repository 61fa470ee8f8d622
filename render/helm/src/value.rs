//! The template engine's data model: Go's `interface{}` over YAML/JSON data.
//!
//! Maps are shared and mutable (`Rc<RefCell<..>>`) because Go maps are references:
//! charts rely on Sprig's `set` mutating a dict that other expressions still see.
//! Keys are kept sorted because Go's templates, `fmt` and `encoding/json` all
//! visit map keys in sorted order.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

pub type Map = BTreeMap<String, Value>;
pub type MapRef = Rc<RefCell<Map>>;

/// A host object with fields and methods (Helm's `.Files`, `.Capabilities.APIVersions`...).
pub trait Object: fmt::Debug {
    /// Go type name, for `typeOf` and error messages.
    fn type_name(&self) -> &str;
    /// A field or a method called with `args`; `None` when there is no such member.
    fn member(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>>;
    /// What `{{ . }}` prints (Go's `String()` method, when it has one).
    fn display(&self) -> String;
    /// The object as plain data, for `toYaml`/`toJson`.
    fn to_data(&self) -> Value;
}

#[derive(Clone, Debug)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Bytes(Rc<Vec<u8>>),
    List(Rc<Vec<Value>>),
    Map(MapRef),
    Object(Rc<dyn Object>),
}

impl Value {
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::Str(s.into())
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }
    pub fn map(m: Map) -> Value {
        Value::Map(Rc::new(RefCell::new(m)))
    }
    pub fn empty_map() -> Value {
        Value::map(Map::new())
    }
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Go's type name as `printf "%T"` (and Sprig's `typeOf`) shows it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int64".into(),
            Value::Float(_) => "float64".into(),
            Value::Str(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name().into(),
        }
    }

    /// Go's reflect kind, for Sprig's `kindOf`/`kindIs`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(_) => "ptr",
        }
    }

    /// Go's template truth: zero values and empty collections are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Object(_) => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Deep copy: maps are references, so a copy must not share them.
    pub fn deep_copy(&self) -> Value {
        self.deep_copy_depth(0)
    }

    fn deep_copy_depth(&self, depth: usize) -> Value {
        if depth > MAX_DATA_DEPTH {
            return Value::Nil;
        }
        match self {
            Value::List(l) => Value::list(l.iter().map(|v| v.deep_copy_depth(depth + 1)).collect()),
            Value::Map(m) => {
                Value::map(m.borrow().iter().map(|(k, v)| (k.clone(), v.deep_copy_depth(depth + 1))).collect())
            }
            other => other.clone(),
        }
    }

    /// Plain data for serialisation (objects become their data form).
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_depth(0)
    }

    fn to_json_depth(&self, depth: usize) -> serde_json::Value {
        use serde_json::Value as J;
        // A map that contains itself (via `set`) would recurse forever.
        if depth > MAX_DATA_DEPTH {
            return J::Null;
        }
        match self {
            Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::Bytes(b) => {
                use base64::Engine;
                J::String(base64::engine::general_purpose::STANDARD.encode(b.as_slice()))
            }
            Value::List(l) => J::Array(l.iter().map(|v| v.to_json_depth(depth + 1)).collect()),
            Value::Map(m) => {
                J::Object(m.borrow().iter().map(|(k, v)| (k.clone(), v.to_json_depth(depth + 1))).collect())
            }
            Value::Object(o) => o.to_data().to_json_depth(depth + 1),
        }
    }

    /// Helm reads values through JSON, so every YAML number becomes a float64.
    pub fn from_json_helm(j: &serde_json::Value) -> Value {
        Self::from_json_with(j, true)
    }

    /// JSON as Go's `encoding/json` into `interface{}` would decode it, except that
    /// integers stay integers when `floats` is false (as `--set` values do).
    pub fn from_json_with(j: &serde_json::Value, floats: bool) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => {
                if !floats {
                    if let Some(i) = n.as_i64() {
                        return Value::Int(i);
                    }
                }
                Value::Float(n.as_f64().unwrap_or(0.0))
            }
            J::String(s) => Value::str(s.as_str()),
            J::Array(a) => Value::list(a.iter().map(|v| Self::from_json_with(v, floats)).collect()),
            J::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), Self::from_json_with(v, floats))).collect()),
        }
    }
}

/// How deep data may nest before serialisation gives up (guards self-containing maps).
pub const MAX_DATA_DEPTH: usize = 512;

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

/// Go's `reflect.DeepEqual` over our data model.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q)),
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}
