//! Conditional expressions, whose two results Terraform brings to one type: `true ? 1 : "a"`
//! is `"1"`, `true ? [1] : "a"` an error. The type of the result not taken comes from
//! evaluating it too, as HCL does; its errors are not reported, since it is not taken.

use super::Evaluator;
use crate::diag::{Diagnostic, Span};
use crate::syntax::Expr;
use crate::value::Value;

impl Evaluator<'_> {
    pub(super) fn conditional(
        &mut self,
        cond: &Expr,
        then: &Expr,
        otherwise: &Expr,
        span: Span,
    ) -> Result<Value, Diagnostic> {
        let c = self.eval(cond)?;
        let take_then = match c.unmarked() {
            Value::Unknown => {
                // Still evaluate both sides so that errors in them are reported.
                self.eval(then)?;
                self.eval(otherwise)?;
                return Ok(Value::Unknown);
            }
            Value::Bool(b) => *b,
            Value::String(s) if s == "true" => true,
            Value::String(s) if s == "false" => false,
            other => {
                return Err(Diagnostic::error(
                    "Incorrect condition type",
                    format!("The condition must be a bool, but this is {}.", other.type_name()),
                )
                .at(cond.span))
            }
        };
        let (taken, other) = if take_then { (then, otherwise) } else { (otherwise, then) };
        let value = self.eval(taken)?;
        // The other side is evaluated only for its type, and only one level deep: conditionals
        // inside it take their chosen side alone, so nested conditionals cost no more than twice.
        if self.for_type_only {
            return Ok(value);
        }
        self.for_type_only = true;
        let other_value = self.eval(other);
        self.for_type_only = false;
        let Ok(other_value) = other_value else { return Ok(value) };
        conform(value, &other_value).map_err(|(mine, theirs)| {
            let (t, f) = if take_then { (mine, theirs) } else { (theirs, mine) };
            Diagnostic::error(
                "Inconsistent conditional result types",
                format!(
                    "The true and false result expressions must have consistent types. The 'true' value is {t}, but the 'false' value is {f}."
                ),
            )
            .at(span)
        })
    }
}

/// The name a conditional's type error gives a value's type.
fn kind(v: &Value) -> &'static str {
    match v.unmarked() {
        Value::List(_) => "tuple",
        other => other.type_name(),
    }
}

/// `value` converted to the type it shares with `other`; on a mismatch, the two type names.
pub(crate) fn conform(value: Value, other: &Value) -> Result<Value, (&'static str, &'static str)> {
    if let Value::Sensitive(inner) = value {
        return conform(*inner, other).map(Value::mark_sensitive);
    }
    let mismatch = (kind(&value), kind(other));
    match (value, other.unmarked()) {
        (v, Value::Null | Value::Unknown) => Ok(v),
        (v @ (Value::Null | Value::Unknown), _) => Ok(v),
        (v @ Value::String(_), Value::String(_) | Value::Number(_) | Value::Bool(_)) => Ok(v),
        (v @ Value::Number(_), Value::Number(_)) | (v @ Value::Bool(_), Value::Bool(_)) => Ok(v),
        (v @ (Value::Number(_) | Value::Bool(_)), Value::String(_)) => {
            Ok(crate::funcs::to_str(&v).map(Value::String).unwrap_or(v))
        }
        (Value::List(mine), Value::List(theirs)) if mine.len() == theirs.len() => {
            let items = mine.into_iter().zip(theirs).map(|(a, b)| conform(a, b)).collect::<Result<_, _>>();
            items.map(Value::List).map_err(|_| mismatch)
        }
        (Value::List(mine), Value::List(theirs)) => {
            // Tuples of different lengths meet as lists: every element of both takes one type.
            let n = mine.len();
            let all = mine.into_iter().chain(theirs.iter().map(|v| v.clone().deep_unmarked())).collect();
            let mut unified = crate::funcs::unify(all).map_err(|_| mismatch)?;
            unified.truncate(n);
            Ok(Value::List(unified))
        }
        (Value::Object(mine), Value::Object(theirs)) if mine.keys().eq(theirs.keys()) => {
            let mut out = crate::value::Map::new();
            for (k, v) in mine {
                let conformed = conform(v, &theirs[&k]).map_err(|_| mismatch)?;
                out.insert(k, conformed);
            }
            Ok(Value::Object(out))
        }
        (Value::Object(mine), Value::Object(theirs)) => {
            // Objects with different attributes meet as maps: every value of both takes one type.
            let keys: Vec<String> = mine.keys().cloned().collect();
            let all = mine.into_values().chain(theirs.values().map(|v| v.clone().deep_unmarked())).collect();
            let unified = crate::funcs::unify(all).map_err(|_| mismatch)?;
            Ok(Value::Object(keys.into_iter().zip(unified).collect()))
        }
        _ => Err(mismatch),
    }
}
