//! A value as Terraform's JSON output carries it: the known part, and beside it
//! the same shape with `true` where a value is unknown (`after_unknown`) or
//! sensitive (`sensitive_values`, `*_sensitive`). These follow Terraform's
//! `omitUnknowns`, `unknownAsBool` and `SensitiveAsBool`, so a tool that walks
//! the three together finds them aligned.
//!
//! One difference is deliberate: Terraform writes sensitive values in the
//! clear; here each is `null`, at the position it holds, so no secret leaves
//! the state file while the shape (the keys a policy looks up) stays the same.

use crate::value::Value;
use serde_json::{Map, Value as Json};

/// The known part of a value: unknown object attributes are left out, unknown list
/// elements are `null` (positions correlate with `after_unknown`), and a sensitive
/// value is `null`. `None` when the whole value is unknown.
pub fn known(v: &Value) -> Option<Json> {
    match v {
        Value::Unknown => None,
        Value::Sensitive(inner) if matches!(inner.unmarked(), Value::Unknown) => None,
        Value::Sensitive(_) => Some(Json::Null),
        Value::List(items) => Some(Json::Array(items.iter().map(|i| known(i).unwrap_or(Json::Null)).collect())),
        Value::Object(map) => {
            Some(Json::Object(map.iter().filter_map(|(k, v)| known(v).map(|j| (k.clone(), j))).collect()))
        }
        other => Some(other.to_json()),
    }
}

/// `true` where the value is unknown; objects keep only the attributes that are not
/// `false`, lists keep every position.
pub fn unknown_as_bool(v: &Value) -> Json {
    match v {
        Value::Unknown => Json::Bool(true),
        Value::Sensitive(inner) => unknown_as_bool(inner),
        Value::List(items) => Json::Array(items.iter().map(unknown_as_bool).collect()),
        Value::Object(map) => collapse(map.iter().map(|(k, v)| (k, unknown_as_bool(v)))),
        _ => Json::Bool(false),
    }
}

/// `true` where the value is sensitive, in the same shape as [`unknown_as_bool`].
pub fn sensitive_as_bool(v: &Value) -> Json {
    match v {
        Value::Sensitive(_) => Json::Bool(true),
        Value::List(items) => Json::Array(items.iter().map(sensitive_as_bool).collect()),
        Value::Object(map) => collapse(map.iter().map(|(k, v)| (k, sensitive_as_bool(v)))),
        _ => Json::Bool(false),
    }
}

fn collapse<'a>(entries: impl Iterator<Item = (&'a String, Json)>) -> Json {
    let kept: Map<String, Json> =
        entries.filter(|(_, j)| *j != Json::Bool(false)).map(|(k, j)| (k.clone(), j)).collect();
    Json::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        Value::object([
            ("name", Value::string("a")),
            ("id", Value::Unknown),
            ("pw", Value::string("hunter2").mark_sensitive()),
            ("tags", Value::List(vec![Value::string("x"), Value::Unknown])),
            ("nothing", Value::Null),
            ("labels", Value::object([("team", Value::string("ml"))])),
        ])
    }

    #[test]
    fn unknowns_are_left_out_of_objects_and_null_in_lists() {
        let known = known(&sample()).unwrap();
        assert_eq!(
            known,
            json!({"name": "a", "pw": null, "tags": ["x", null], "nothing": null, "labels": {"team": "ml"}})
        );
        assert!(!known.to_string().contains("hunter2"));
        assert_eq!(super::known(&Value::Unknown), None);
    }

    #[test]
    fn marks_follow_terraform_shapes() {
        assert_eq!(unknown_as_bool(&sample()), json!({"id": true, "tags": [false, true], "labels": {}}));
        assert_eq!(sensitive_as_bool(&sample()), json!({"pw": true, "tags": [false, false], "labels": {}}));
        assert_eq!(sensitive_as_bool(&Value::Null), json!(false));
        assert_eq!(unknown_as_bool(&Value::Unknown.mark_sensitive()), json!(true));
    }
}
