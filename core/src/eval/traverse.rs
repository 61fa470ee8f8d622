//! Following references and indexes (`a.b[0].c`) into a value, with the errors that say which
//! step of the chain did not fit.

use super::template::to_string_value;
use super::Evaluator;
use crate::diag::{Diagnostic, Span};
use crate::redact::{shown, shown_text};
use crate::syntax::{Expr, ExprKind};
use crate::value::{format_number, quote, Number, Value};

impl Evaluator<'_> {
    pub(super) fn traversal(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
        // Flatten the chain so the scope can consume the leading static names.
        let mut chain = Vec::new();
        let mut current = expr;
        let root = loop {
            match &current.kind {
                ExprKind::Variable(name) => break name.clone(),
                ExprKind::GetAttr(inner, _) | ExprKind::Index(inner, _) => {
                    chain.push(current);
                    current = inner;
                }
                _ => {
                    let base = self.eval(current)?;
                    chain.reverse();
                    return self.apply_steps(base, &chain);
                }
            }
        };
        chain.reverse();
        let root_span = current.span;
        if let Some((_, v)) = self.bound.iter().rev().find(|(n, _)| *n == root) {
            let v = v.clone();
            return self.apply_steps(v, &chain);
        }
        let attrs: Vec<(&str, Span)> = chain
            .iter()
            .take(2)
            .map_while(|e| match &e.kind {
                ExprKind::GetAttr(_, name) => Some((name.as_str(), e.span)),
                _ => None,
            })
            .collect();
        // `module.pools[each.key]` in every instance of a for_each would otherwise build the
        // whole `module.pools` object once per instance: quadratic in the number of instances.
        if let Some(ExprKind::Index(_, key_expr)) = chain.get(attrs.len()).map(|e| &e.kind) {
            if !attrs.is_empty() && self.scope.finds_elements(&root, &attrs) {
                let key = self.eval(key_expr)?;
                let value = match self.scope.resolve_element(&root, &attrs, &key) {
                    Some(v) => v,
                    None => {
                        let (whole, _) = self.scope.resolve(&root, &attrs, root_span)?;
                        index_step(&whole, &key, key_expr.span)?
                    }
                };
                return self.apply_steps(value, &chain[attrs.len() + 1..]);
            }
        }
        let (value, consumed) = self.scope.resolve(&root, &attrs, root_span)?;
        self.apply_steps(value, &chain[consumed.min(chain.len())..])
    }

    fn apply_steps(&mut self, mut value: Value, steps: &[&Expr]) -> Result<Value, Diagnostic> {
        for step in steps {
            let sensitive = value.is_sensitive();
            value = match &step.kind {
                ExprKind::GetAttr(_, name) => match value.unmarked() {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Object(map) => match map.get(name) {
                        Some(v) => v.clone(),
                        None => {
                            // The keys of a sensitive object are part of its value.
                            let hint = if sensitive {
                                String::new()
                            } else {
                                crate::diag::did_you_mean(name, map.keys().map(String::as_str))
                            };
                            return Err(Diagnostic::error(
                                "Unsupported attribute",
                                format!("This object does not have an attribute named \"{name}\".{hint}"),
                            )
                            .at(step.span));
                        }
                    },
                    Value::List(_) => {
                        return Err(Diagnostic::error(
                            "Unsupported attribute",
                            format!(
                                "This value is a list, so it has no attribute \"{name}\". To read it from every element, use a splat: [*].{name}; for one element, index it first: [0].{name}."
                            ),
                        )
                        .at(step.span))
                    }
                    Value::Null => {
                        return Err(Diagnostic::error(
                            "Attempt to get attribute from null value",
                            format!("This value is null, so it has no attribute \"{name}\"."),
                        )
                        .at(step.span))
                    }
                    other => {
                        return Err(Diagnostic::error(
                            "Unsupported attribute",
                            format!("A {} value has no attributes, so \"{name}\" cannot be read from it.", other.type_name()),
                        )
                        .at(step.span))
                    }
                },
                ExprKind::Index(_, key_expr) => {
                    let key = self.eval(key_expr)?;
                    index_step(&value, &key, key_expr.span)?
                }
                _ => unreachable!("traversal steps are attributes or indexes"),
            };
            if sensitive {
                value = value.mark_sensitive();
            }
        }
        Ok(value)
    }
}

/// One `[key]` step, with the marks an index carries over.
fn index_step(value: &Value, key: &Value, span: Span) -> Result<Value, Diagnostic> {
    let result = index_value(value, key, span)?;
    // A sensitive key makes what it picks sensitive, as any operation on a sensitive value does.
    let result = if key.contains_sensitive() { result.mark_sensitive() } else { result };
    Ok(if value.is_sensitive() { result.mark_sensitive() } else { result })
}

/// `value[key]`, with both still marked so that an error shows neither a
/// sensitive key nor what a sensitive collection holds.
fn index_value(value: &Value, key: &Value, span: Span) -> Result<Value, Diagnostic> {
    let hidden = value.contains_sensitive() || key.contains_sensitive();
    match (value.unmarked(), key.unmarked()) {
        (Value::Unknown, _) | (_, Value::Unknown) => Ok(Value::Unknown),
        (Value::List(items), k) => {
            let i = match k {
                Value::Number(n) => Some(n.clone()),
                Value::String(s) => s.parse::<Number>().ok(),
                _ => None,
            };
            let Some(i) = i.filter(Number::is_integer) else {
                return Err(Diagnostic::error(
                    "Invalid index",
                    format!("A list is indexed by a whole number, but this is {}.", shown(key)),
                )
                .at(span));
            };
            match i.to_usize().filter(|i| *i < items.len()) {
                Some(i) => Ok(items[i].clone()),
                None => {
                    let index = shown_text(format_number(&i), key.contains_sensitive());
                    let len = shown_text(items.len(), value.contains_sensitive());
                    Err(Diagnostic::error(
                        "Invalid index",
                        format!("The index {index} is out of range: this list has {len} elements."),
                    )
                    .at(span))
                }
            }
        }
        (Value::Object(map), k) => {
            let Some(name) = to_string_value(k) else {
                return Err(Diagnostic::error("Invalid index", "A map is indexed by a string key.").at(span));
            };
            map.get(&name).cloned().ok_or_else(|| {
                // A close key would give away the secret key, or a key of the secret map.
                let hint = if hidden {
                    String::new()
                } else {
                    crate::diag::did_you_mean(&name, map.keys().map(String::as_str))
                };
                let name = shown_text(quote(&name), key.contains_sensitive());
                Diagnostic::error(
                    "Invalid index",
                    format!("The given key {name} does not identify an element in this collection.{hint}"),
                )
                .at(span)
            })
        }
        (Value::Null, _) => {
            Err(Diagnostic::error("Invalid index", "This value is null, so it cannot be indexed.").at(span))
        }
        (other, _) => {
            Err(Diagnostic::error("Invalid index", format!("A {} value cannot be indexed.", other.type_name()))
                .at(span))
        }
    }
}
