//! Iterating collections: the pairs a `for` expression or `dynamic` block walks, and `for`
//! expressions themselves, bounded so that a huge collection fails instead of exhausting memory.

use super::template::to_string_value;
use super::Evaluator;
use crate::diag::{Diagnostic, Span};
use crate::redact::shown_text;
use crate::syntax::ForExpr;
use crate::value::{quote, Map, Value};

/// The most elements a `for` expression or template `for` may produce.
const MAX_ITEMS: usize = 1_000_000;

impl Evaluator<'_> {
    /// The (key, value) pairs of a collection for `for`; `None` when it is unknown.
    pub(super) fn iterate(&self, coll: &Value, span: Span) -> Result<Option<Vec<(Value, Value)>>, Diagnostic> {
        let sensitive = coll.is_sensitive();
        let mark = |v: Value| if sensitive { v.mark_sensitive() } else { v };
        match coll.unmarked() {
            Value::Unknown => Ok(None),
            Value::List(items) => {
                Ok(Some(items.iter().enumerate().map(|(i, v)| (Value::number(i), mark(v.clone()))).collect()))
            }
            Value::Object(map) => {
                Ok(Some(map.iter().map(|(k, v)| (Value::String(k.clone()), mark(v.clone()))).collect()))
            }
            Value::Null => Err(Diagnostic::error(
                "Iteration over null value",
                "A null value cannot be used as the collection in a 'for' expression.",
            )
            .at(span)),
            other => Err(Diagnostic::error(
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    other.type_name()
                ),
            )
            .at(span)),
        }
    }

    pub(super) fn for_expr(&mut self, f: &ForExpr, span: Span) -> Result<Value, Diagnostic> {
        let coll = self.eval(&f.collection)?;
        let Some(pairs) = self.iterate(&coll, f.collection.span)? else { return Ok(Value::Unknown) };
        if pairs.len() > MAX_ITEMS {
            return Err(Diagnostic::error(
                "Collection too large",
                "A 'for' expression over more than a million elements.",
            )
            .at(span));
        }
        let mut list = Vec::new();
        let mut map = Map::new();
        let mut groups: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
        let mut unknown = false;
        let mut keys_sensitive = false;
        for (k, v) in pairs {
            let before = self.bound.len();
            if let Some(kv) = &f.key_var {
                self.bound.push((kv.clone(), k));
            }
            self.bound.push((f.value_var.clone(), v));
            let result = (|| -> Result<(), Diagnostic> {
                if let Some(cond) = &f.cond {
                    let c = self.eval(cond)?;
                    match c.unmarked() {
                        Value::Unknown => {
                            unknown = true;
                            return Ok(());
                        }
                        c => {
                            if !self.boolean(c, cond.span)? {
                                return Ok(());
                            }
                        }
                    }
                }
                let value = self.eval(&f.value_expr)?;
                match &f.key_expr {
                    None => list.push(value),
                    Some(key_expr) => {
                        let key = self.eval(key_expr)?;
                        let key_sensitive = key.contains_sensitive();
                        // A key cannot carry a mark, so the object it is part of does, as in HCL.
                        keys_sensitive |= key_sensitive;
                        let key = match key.unmarked() {
                            Value::Unknown => {
                                unknown = true;
                                return Ok(());
                            }
                            k => to_string_value(k).ok_or_else(|| {
                                Diagnostic::error(
                                    "Invalid object key",
                                    format!(
                                        "The key expression produced {}, but a key must be a string.",
                                        k.type_name()
                                    ),
                                )
                                .at(key_expr.span)
                            })?,
                        };
                        if f.grouping {
                            groups.entry(key).or_default().push(value);
                        } else if map.contains_key(&key) {
                            return Err(Diagnostic::error(
                                "Duplicate object key",
                                format!(
                                    "Two elements produce the key {}. If duplicates are expected, add an ellipsis (...) after the value expression to group them.",
                                    shown_text(quote(&key), key_sensitive)
                                ),
                            )
                            .at(key_expr.span));
                        } else {
                            map.insert(key, value);
                        }
                    }
                }
                Ok(())
            })();
            self.bound.truncate(before);
            result?;
        }
        if unknown {
            return Ok(Value::Unknown);
        }
        let result = match &f.key_expr {
            None => Value::List(list),
            Some(_) if f.grouping => Value::Object(groups.into_iter().map(|(k, v)| (k, Value::List(v))).collect()),
            Some(_) => Value::Object(map),
        };
        Ok(if keys_sensitive { result.mark_sensitive() } else { result })
    }
}
