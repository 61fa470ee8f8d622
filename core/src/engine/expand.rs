//! What a `count` or `for_each` value expands to. Pure functions of the value, so
//! every phase expands the same value to the same instances.

use super::values::Expansion;
use crate::diag::Diagnostic;
use crate::value::Value;

/// The most instances `count` may ask for.
const MAX_COUNT: f64 = 100_000.0;

pub(crate) fn count_expansion(v: &Value, validating: bool, what: &str) -> Result<Expansion, Diagnostic> {
    match v.unmarked() {
        Value::Unknown if validating => Ok(Expansion::Unknown),
        Value::Unknown => Err(Diagnostic::error(
            "Invalid count argument",
            format!("The \"count\" value of {what} depends on values that cannot be determined until apply. Use a value known at plan time, or apply the resources it depends on first with -target."),
        )),
        Value::Number(n) if n.to_usize().is_some_and(|c| c as f64 <= MAX_COUNT) => Ok(Expansion::Count(n.to_usize().unwrap_or(0))),
        // Terraform converts count to a number, so `count = "2"` is two instances.
        Value::String(s) => match s.parse::<crate::value::Number>() {
            Ok(n) => count_expansion(&Value::Number(n), validating, what),
            Err(_) => Err(Diagnostic::error(
                "Invalid count argument",
                format!("count must be a whole number from 0 to 100000, but this is {}.", crate::redact::shown(v)),
            )),
        },
        _ => Err(Diagnostic::error(
            "Invalid count argument",
            format!("count must be a whole number from 0 to 100000, but this is {}.", crate::redact::shown(v)),
        )),
    }
}

/// True for an expression that can only make a tuple: brackets, a `[for ...]`, or a call
/// of a function that returns a list. Gantry's values do not tell a set from a list, so
/// Terraform's rule that for_each takes no tuple is checked on the expression's shape.
pub(crate) fn makes_a_tuple(expr: &crate::syntax::Expr) -> bool {
    use crate::syntax::ExprKind;
    const LIST_FUNCTIONS: &[&str] = &[
        "tolist",
        "concat",
        "flatten",
        "distinct",
        "compact",
        "split",
        "keys",
        "values",
        "range",
        "sort",
        "reverse",
        "slice",
        "formatlist",
        "chunklist",
        "coalescelist",
        "regexall",
    ];
    match &expr.kind {
        ExprKind::List(_) => true,
        ExprKind::For(f) => f.key_expr.is_none(),
        ExprKind::Paren(inner) => makes_a_tuple(inner),
        ExprKind::Call { name, .. } => LIST_FUNCTIONS.contains(&name.as_str()),
        _ => false,
    }
}

pub(crate) fn for_each_expansion(v: &Value, validating: bool, what: &str) -> Result<Expansion, Diagnostic> {
    let invalid = |detail: String| Err(Diagnostic::error("Invalid for_each argument", detail));
    if v.contains_sensitive() {
        return invalid("Sensitive values cannot be used as for_each arguments: the keys would be shown in addresses. Use nonsensitive() on the keys if they are not secret.".into());
    }
    match v {
        v if v.contains_unknown() && validating => Ok(Expansion::Unknown),
        Value::Unknown => invalid(format!(
            "The for_each value of {what} depends on values that cannot be determined until apply. Its keys must be known at plan time."
        )),
        Value::Object(map) => Ok(Expansion::ForEach(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())),
        Value::List(items) => {
            let mut keys = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => keys.push(s.clone()),
                    Value::Unknown => {
                        return invalid("The for_each set includes values that cannot be determined until apply.".into())
                    }
                    other => {
                        return invalid(format!(
                            "for_each takes a map, or a set of strings; this list holds a {} value. Convert it with toset() of strings, or build a map with a for expression.",
                            other.type_name()
                        ))
                    }
                }
            }
            keys.sort();
            keys.dedup();
            Ok(Expansion::ForEach(keys.into_iter().map(|k| (k.clone(), Value::String(k))).collect()))
        }
        Value::Null => invalid("for_each cannot be null. Use an empty map {} for no instances.".into()),
        other => invalid(format!("for_each takes a map, or a set of strings, but this is a {}.", other.type_name())),
    }
}
