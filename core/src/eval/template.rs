//! String templates, with their `%{if}` and `%{for}` directives, and the string form that
//! interpolation gives a primitive.

use super::Evaluator;
use crate::diag::{Diagnostic, Span};
use crate::syntax::TemplatePart;
use crate::value::{format_number, Value};

impl Evaluator<'_> {
    pub(super) fn template(&mut self, parts: &[TemplatePart], span: Span) -> Result<Value, Diagnostic> {
        // A template that is one interpolation yields the value itself, not its string form.
        if let [TemplatePart::Interpolation(e)] = parts {
            return self.eval(e);
        }
        let mut out = String::new();
        let mut unknown = false;
        let mut sensitive = false;
        self.template_into(parts, span, &mut out, &mut unknown, &mut sensitive)?;
        if unknown {
            return Ok(Value::Unknown);
        }
        let v = Value::String(out);
        Ok(if sensitive { v.mark_sensitive() } else { v })
    }

    fn template_into(
        &mut self,
        parts: &[TemplatePart],
        span: Span,
        out: &mut String,
        unknown: &mut bool,
        sensitive: &mut bool,
    ) -> Result<(), Diagnostic> {
        for part in parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interpolation(e) => {
                    let v = self.eval(e)?;
                    *sensitive |= v.contains_sensitive();
                    match v.unmarked() {
                        Value::Unknown => *unknown = true,
                        other => match to_string_value(other) {
                            Some(s) => out.push_str(&s),
                            None => {
                                return Err(Diagnostic::error(
                                    "Invalid template interpolation value",
                                    format!(
                                        "Cannot include a {} value in a string template. Use jsonencode() or join() to turn it into a string.",
                                        other.type_name()
                                    ),
                                )
                                .at(e.span))
                            }
                        },
                    }
                }
                TemplatePart::If { cond, then, otherwise } => {
                    let c = self.eval(cond)?;
                    match c.unmarked() {
                        Value::Unknown => *unknown = true,
                        v => {
                            if self.boolean(v, cond.span)? {
                                self.template_into(then, span, out, unknown, sensitive)?;
                            } else {
                                self.template_into(otherwise, span, out, unknown, sensitive)?;
                            }
                        }
                    }
                }
                TemplatePart::For { key_var, value_var, collection, body } => {
                    let coll = self.eval(collection)?;
                    let Some(pairs) = self.iterate(&coll, collection.span)? else {
                        *unknown = true;
                        continue;
                    };
                    for (k, v) in pairs {
                        let before = self.bound.len();
                        if let Some(kv) = key_var {
                            self.bound.push((kv.clone(), k));
                        }
                        self.bound.push((value_var.clone(), v));
                        let r = self.template_into(body, span, out, unknown, sensitive);
                        self.bound.truncate(before);
                        r?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The string form of a primitive, as interpolation and object keys use it.
pub fn to_string_value(v: &Value) -> Option<String> {
    match v.unmarked() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
