//! Type conversion functions (tobool, tolist, tomap, tonumber, toset, tostring),
//! `type`, and the sensitivity markers `sensitive` and `nonsensitive`.

use super::{echo, make_set, parse_number, spec, unify, FResult, FuncContext, FuncError, Spec};
use crate::value::{format_number, quote, quote_key, Value};

pub(super) const FUNCS: &[Spec] = &[
    spec("tobool", 1, Some(1), tobool),
    spec("tolist", 1, Some(1), tolist),
    spec("tomap", 1, Some(1), tomap),
    spec("tonumber", 1, Some(1), tonumber),
    spec("toset", 1, Some(1), toset),
    spec("tostring", 1, Some(1), tostring),
    spec("type", 1, Some(1), type_of),
    spec("sensitive", 1, Some(1), sensitive),
    spec("nonsensitive", 1, Some(1), nonsensitive),
    spec("issensitive", 1, Some(1), issensitive),
    spec("ephemeralasnull", 1, Some(1), ephemeralasnull),
];

fn issensitive(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Bool(first(args).is_sensitive()))
}

/// Gantry has no ephemeral values yet, so every value passes through unchanged, as a
/// non-ephemeral one does in Terraform.
fn ephemeralasnull(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(first(args).clone())
}

fn first(args: &[Value]) -> &Value {
    args.first().unwrap_or(&Value::Null)
}

/// The name Terraform's conversion errors use for a value's type.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "tuple",
        other => other.type_name(),
    }
}

fn cannot(v: &Value, to: &str) -> FuncError {
    FuncError::at(0, format!("cannot convert {} to {to}", kind(v)))
}

fn tobool(args: &[Value], _: &FuncContext) -> FResult<Value> {
    match first(args) {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(s) => Err(FuncError::at(
            0,
            format!("cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed", echo(quote(s))),
        )),
        other => Err(cannot(other, "bool")),
    }
}

fn tonumber(args: &[Value], _: &FuncContext) -> FResult<Value> {
    match first(args) {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(n.clone())),
        Value::String(s) => parse_number(s).map(Value::Number).ok_or_else(|| {
            FuncError::at(
                0,
                format!(
                    "cannot convert {} to number; given string must be a decimal representation of a number",
                    echo(quote(s))
                ),
            )
        }),
        other => Err(cannot(other, "number")),
    }
}

fn tostring(args: &[Value], _: &FuncContext) -> FResult<Value> {
    match first(args) {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(s.clone())),
        Value::Number(n) => Ok(Value::String(format_number(n))),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        other => Err(cannot(other, "string")),
    }
}

fn tolist(args: &[Value], _: &FuncContext) -> FResult<Value> {
    match first(args) {
        Value::Null => Ok(Value::Null),
        Value::List(items) => {
            unify(items.clone()).map(Value::List).map_err(|e| FuncError::at(0, format!("cannot convert to list: {e}")))
        }
        other => Err(cannot(other, "list")),
    }
}

fn toset(args: &[Value], _: &FuncContext) -> FResult<Value> {
    match first(args) {
        Value::Null => Ok(Value::Null),
        Value::List(items) => unify(items.clone())
            .map(|items| Value::List(make_set(items)))
            .map_err(|e| FuncError::at(0, format!("cannot convert to set: {e}"))),
        other => Err(cannot(other, "set")),
    }
}

fn tomap(args: &[Value], _: &FuncContext) -> FResult<Value> {
    match first(args) {
        Value::Null => Ok(Value::Null),
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let values = unify(map.values().cloned().collect())
                .map_err(|e| FuncError::at(0, format!("cannot convert to map: {e}")))?;
            Ok(Value::Object(keys.into_iter().zip(values).collect()))
        }
        other => Err(cannot(other, "map")),
    }
}

/// Renders a value's type in Terraform's type-constraint syntax.
fn type_string(v: &Value) -> String {
    match v {
        Value::Null => "dynamic".to_string(),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => v.type_name().to_string(),
        Value::List(items) => format!("tuple([{}])", items.iter().map(type_string).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "object({{{}}})",
            map.iter().map(|(k, v)| format!("{}={}", quote_key(k), type_string(v))).collect::<Vec<_>>().join(", ")
        ),
        Value::Unknown => "dynamic".to_string(),
        Value::Sensitive(inner) => type_string(inner),
    }
}

fn type_of(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let v = first(args);
    // The type of a value that contains unknowns is itself not yet known.
    if v.contains_unknown() {
        return Ok(Value::Unknown);
    }
    Ok(Value::String(type_string(v)))
}

fn sensitive(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(first(args).clone().mark_sensitive())
}

fn nonsensitive(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let v = first(args);
    // Unknown values carry no marks in Gantry, so they cannot be checked yet.
    if matches!(v, Value::Unknown) {
        return Ok(Value::Unknown);
    }
    // Terraform 1.11 passes a value that is not sensitive through unchanged.
    Ok(v.clone().deep_unmarked())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::value::Value;

    #[test]
    fn tobool_examples() {
        assert_eq!(call_ok("tobool", vec![b(true)]), b(true));
        assert_eq!(call_ok("tobool", vec![s("true")]), b(true));
        assert_eq!(call_ok("tobool", vec![Value::Null]), Value::Null);
        assert!(call_err("tobool", vec![s("no")]).message.contains("only the strings"));
        assert_eq!(call_err("tobool", vec![n(1.0)]).message, "cannot convert number to bool");
    }

    #[test]
    fn tolist_examples() {
        assert_eq!(call_ok("tolist", vec![sl(&["a", "b", "c"])]), sl(&["a", "b", "c"]));
        assert_eq!(call_ok("tolist", vec![l(vec![s("a"), s("b"), n(3.0)])]), sl(&["a", "b", "3"]));
        assert_eq!(call_err("tolist", vec![o(&[])]).message, "cannot convert object to list");
        assert!(call_err("tolist", vec![l(vec![n(1.0), b(true)])]).message.contains("same type"));
    }

    #[test]
    fn tomap_examples() {
        assert_eq!(
            call_ok("tomap", vec![o(&[("a", s("foo")), ("b", b(true))])]),
            o(&[("a", s("foo")), ("b", s("true"))])
        );
        assert_eq!(call_err("tomap", vec![sl(&[])]).message, "cannot convert tuple to map");
    }

    #[test]
    fn tonumber_examples() {
        assert_eq!(call_ok("tonumber", vec![n(1.0)]), n(1.0));
        assert_eq!(call_ok("tonumber", vec![s("1")]), n(1.0));
        assert_eq!(call_ok("tonumber", vec![s("-2.5e2")]), n(-250.0));
        assert_eq!(call_ok("tonumber", vec![Value::Null]), Value::Null);
        assert!(call_err("tonumber", vec![s("no")]).message.starts_with("cannot convert \"no\" to number"));
        assert_eq!(call_ok("tonumber", vec![s("inf")]).to_string(), "+Inf");
        assert!(call_err("tonumber", vec![s(" 1")]).message.starts_with("cannot convert"));
    }

    #[test]
    fn toset_examples() {
        assert_eq!(call_ok("toset", vec![sl(&["a", "b", "c"])]), sl(&["a", "b", "c"]));
        assert_eq!(call_ok("toset", vec![l(vec![s("a"), s("b"), n(3.0)])]), sl(&["3", "a", "b"]));
        assert_eq!(call_ok("toset", vec![sl(&["c", "b", "b"])]), sl(&["b", "c"]));
        assert_eq!(call_err("toset", vec![s("a")]).message, "cannot convert string to set");
    }

    #[test]
    fn tostring_examples() {
        assert_eq!(call_ok("tostring", vec![s("hello")]), s("hello"));
        assert_eq!(call_ok("tostring", vec![n(1.0)]), s("1"));
        assert_eq!(call_ok("tostring", vec![b(true)]), s("true"));
        assert_eq!(call_ok("tostring", vec![Value::Null]), Value::Null);
        assert_eq!(call_err("tostring", vec![l(vec![])]).message, "cannot convert tuple to string");
    }

    #[test]
    fn type_names() {
        assert_eq!(call_ok("type", vec![s("x")]), s("string"));
        assert_eq!(call_ok("type", vec![l(vec![s("a"), n(1.0)])]), s("tuple([string, number])"));
        assert_eq!(call_ok("type", vec![o(&[("a", b(true))])]), s("object({a=bool})"));
        assert_eq!(call_ok("type", vec![s("x").mark_sensitive()]), s("string"));
        assert_eq!(call_ok("type", vec![l(vec![Value::Unknown])]), Value::Unknown);
    }

    #[test]
    fn sensitive_and_nonsensitive() {
        assert_eq!(call_ok("sensitive", vec![s("pw")]), s("pw").mark_sensitive());
        assert_eq!(call_ok("sensitive", vec![Value::Unknown]), Value::Unknown.mark_sensitive());
        assert_eq!(call_ok("nonsensitive", vec![s("pw").mark_sensitive()]), s("pw"));
        assert_eq!(call_ok("nonsensitive", vec![l(vec![s("a").mark_sensitive()])]), sl(&["a"]));
        assert_eq!(call_ok("nonsensitive", vec![Value::Unknown]), Value::Unknown);
        // Terraform 1.11 lets a value that is not sensitive through.
        assert_eq!(call_ok("nonsensitive", vec![s("pw")]), s("pw"));
        assert_eq!(call_ok("issensitive", vec![s("pw").mark_sensitive()]), b(true));
        assert_eq!(call_ok("issensitive", vec![s("pw")]), b(false));
    }
}
