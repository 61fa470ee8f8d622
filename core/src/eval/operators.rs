//! Binary operators, and the operand coercions that they and the unary operators allow (the
//! string "3" is a number, "true" a bool), kept in one place so that every operator coerces alike.

use super::Evaluator;
use crate::diag::{Diagnostic, Span};
use crate::redact::shown_text;
use crate::syntax::{BinaryOp, Expr};
use crate::value::{quote, Number, Value};

impl Evaluator<'_> {
    pub(super) fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, span: Span) -> Result<Value, Diagnostic> {
        let l = self.eval(lhs)?;
        // Short-circuit like Terraform 1.x does not; evaluate both so errors are found.
        let r = self.eval(rhs)?;
        let sensitive = l.contains_sensitive() || r.contains_sensitive();
        let (lu, ru) = (l.unmarked(), r.unmarked());
        let result = match op {
            BinaryOp::Eq | BinaryOp::NotEq => {
                if l.contains_unknown() || r.contains_unknown() {
                    Value::Unknown
                } else {
                    let equal = values_equal(&l.clone().deep_unmarked(), &r.clone().deep_unmarked());
                    Value::Bool(if op == BinaryOp::Eq { equal } else { !equal })
                }
            }
            BinaryOp::And | BinaryOp::Or => {
                let lb = if *lu == Value::Unknown { None } else { Some(self.boolean(lu, lhs.span)?) };
                let rb = if *ru == Value::Unknown { None } else { Some(self.boolean(ru, rhs.span)?) };
                match (op, lb, rb) {
                    (BinaryOp::And, Some(false), _) | (BinaryOp::And, _, Some(false)) => Value::Bool(false),
                    (BinaryOp::Or, Some(true), _) | (BinaryOp::Or, _, Some(true)) => Value::Bool(true),
                    (_, Some(a), Some(b)) => Value::Bool(if op == BinaryOp::And { a && b } else { a || b }),
                    _ => Value::Unknown,
                }
            }
            _ => {
                if *lu == Value::Unknown || *ru == Value::Unknown {
                    Value::Unknown
                } else {
                    let a = self.number(&l, lhs.span)?;
                    let b = self.number(&r, rhs.span)?;
                    // As in Terraform, x/0 is an infinity and x%0 is x; only the operations
                    // without a value (such as ∞-∞) fail.
                    let computed = match op {
                        BinaryOp::Plus => a.add(&b),
                        BinaryOp::Minus => a.sub(&b),
                        BinaryOp::Mul => a.mul(&b),
                        BinaryOp::Div => a.div(&b),
                        BinaryOp::Mod => a.rem(&b),
                        BinaryOp::Less => return Ok(compared(a.cmp_value(&b).is_lt(), sensitive)),
                        BinaryOp::LessEq => return Ok(compared(a.cmp_value(&b).is_le(), sensitive)),
                        BinaryOp::Greater => return Ok(compared(a.cmp_value(&b).is_gt(), sensitive)),
                        _ => return Ok(compared(a.cmp_value(&b).is_ge(), sensitive)),
                    };
                    computed.map(Value::Number).map_err(|e| {
                        Diagnostic::error("Operation failed", format!("Error during operation: {e}.")).at(span)
                    })?
                }
            }
        };
        Ok(if sensitive { result.mark_sensitive() } else { result })
    }

    /// The operand as a number; `v` still carries its marks, so that the error can hide it.
    pub(super) fn number(&self, v: &Value, span: Span) -> Result<Number, Diagnostic> {
        match v.unmarked() {
            Value::Number(n) => Ok(n.clone()),
            Value::String(s) => s.parse().map_err(|_| {
                Diagnostic::error(
                    "Invalid operand",
                    format!(
                        "A number is required, but the string {} is not a number.",
                        shown_text(quote(s), v.contains_sensitive())
                    ),
                )
                .at(span)
            }),
            other => Err(Diagnostic::error(
                "Invalid operand",
                format!("A number is required, but this is {}.", other.type_name()),
            )
            .at(span)),
        }
    }

    pub(super) fn boolean(&self, v: &Value, span: Span) -> Result<bool, Diagnostic> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(Diagnostic::error(
                "Invalid operand",
                format!("A bool is required, but this is {}.", other.type_name()),
            )
            .at(span)),
        }
    }
}

fn compared(b: bool, sensitive: bool) -> Value {
    if sensitive {
        Value::Bool(b).mark_sensitive()
    } else {
        Value::Bool(b)
    }
}

/// Deep equality where numbers compare by value.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    a == b
}
