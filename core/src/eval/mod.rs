//! Expression evaluation: turns an [`Expr`] into a [`Value`] against a [`Scope`]
//! that knows what `var.x`, `local.y`, `aws_vpc.main` and friends are.
//!
//! Unknown values propagate: any operation on an unknown yields unknown, so that
//! plan can evaluate configuration that depends on values only known after apply.

mod call;
mod conditional;
mod iteration;
mod operators;
mod scope;
mod template;
#[cfg(test)]
mod tests;
mod traverse;

pub use operators::values_equal;
pub use scope::{EmptyScope, MapScope, Scope};
pub use template::to_string_value;

use crate::diag::{Diagnostic, SourceMap, Span};
use crate::syntax::{Expr, ExprKind, ObjectKeyExpr, UnaryOp};
use crate::value::{Map, Value};
use std::path::{Path, PathBuf};

/// Evaluates a constant expression (no references), e.g. an `optional()` default.
pub fn eval_constant(expr: &Expr) -> Result<Value, Diagnostic> {
    Evaluator::new(&EmptyScope, Path::new("."), None).eval(expr)
}

/// The maximum nesting of evaluation, so that pathological input fails instead of overflowing the stack.
const MAX_DEPTH: usize = 256;

/// The deepest value an expression may produce. Each expression can nest a value only so
/// much further (the parser allows 64 brackets, `jsondecode` 128 levels), but locals that
/// wrap each other could nest without end, and everything that walks a value recurses.
/// State and plan files are read with a limit of 128 JSON levels, so a value this deep can
/// still be saved and read back.
pub const MAX_VALUE_DEPTH: usize = 100;

pub struct Evaluator<'a> {
    scope: &'a dyn Scope,
    base_dir: PathBuf,
    sources: Option<&'a SourceMap>,
    bound: Vec<(String, Value)>,
    splat_items: Vec<Value>,
    depth: usize,
    /// Set while rendering a template for `templatefile`, which may then not be called again.
    in_template: bool,
    /// Set while evaluating the side of a conditional that is not taken, for its type alone.
    for_type_only: bool,
}

impl<'a> Evaluator<'a> {
    pub fn new(scope: &'a dyn Scope, base_dir: &Path, sources: Option<&'a SourceMap>) -> Evaluator<'a> {
        Evaluator {
            scope,
            base_dir: base_dir.to_path_buf(),
            sources,
            bound: Vec::new(),
            splat_items: Vec::new(),
            depth: 0,
            in_template: false,
            for_type_only: false,
        }
    }

    /// Runs `f` with `name` bound to `value`, as a `for` expression binds its variables
    /// (a `dynamic` block's iterator).
    pub fn with_bound<R>(&mut self, name: &str, value: Value, f: impl FnOnce(&mut Self) -> R) -> R {
        let before = self.bound.len();
        self.bound.push((name.to_string(), value));
        let r = f(self);
        self.bound.truncate(before);
        r
    }

    /// The (key, value) pairs of a collection to repeat over, or none while it is unknown.
    pub fn pairs(&self, coll: &Value, span: Span) -> Result<Option<Vec<(Value, Value)>>, Diagnostic> {
        self.iterate(coll, span)
    }

    pub fn eval(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(Diagnostic::error("Expression too deeply nested", "Split it into locals.").at(expr.span));
        }
        let result = self.eval_inner(expr);
        self.depth -= 1;
        match result {
            // Checked once per whole expression: its parts were made by this same evaluation.
            Ok(v) if self.depth == 0 && v.nests_deeper_than(MAX_VALUE_DEPTH) => Err(Diagnostic::error(
                "Value too deeply nested",
                format!("This value nests lists and objects more than {MAX_VALUE_DEPTH} levels deep, more than state and plan files can hold. Flatten it."),
            )
            .at(expr.span)),
            other => other,
        }
    }

    fn eval_inner(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
        match &expr.kind {
            ExprKind::Literal(v) => Ok(v.clone()),
            ExprKind::Template(parts) => self.template(parts, expr.span),
            ExprKind::List(items) => Ok(Value::List(items.iter().map(|e| self.eval(e)).collect::<Result<_, _>>()?)),
            ExprKind::Object(items) => {
                let mut map = Map::new();
                let mut any_unknown_key = false;
                // A key cannot carry a mark, so the object it is part of does, as in HCL.
                let mut any_sensitive_key = false;
                for (key, value) in items {
                    let key = match key {
                        ObjectKeyExpr::Ident(name) => name.clone(),
                        ObjectKeyExpr::Expr(e) => match self.eval(e)? {
                            v if *v.unmarked() == Value::Unknown => {
                                any_unknown_key = true;
                                continue;
                            }
                            v => match to_string_value(&v) {
                                Some(s) if v.is_sensitive() => {
                                    any_sensitive_key = true;
                                    s
                                }
                                Some(s) => s,
                                None => {
                                    return Err(Diagnostic::error(
                                        "Invalid object key",
                                        format!("An object key must be a string, but this is {}.", v.type_name()),
                                    )
                                    .at(e.span))
                                }
                            },
                        },
                    };
                    let v = self.eval(value)?;
                    map.insert(key, v);
                }
                if any_unknown_key {
                    return Ok(Value::Unknown);
                }
                let object = Value::Object(map);
                Ok(if any_sensitive_key { object.mark_sensitive() } else { object })
            }
            ExprKind::Variable(_) | ExprKind::GetAttr(..) | ExprKind::Index(..) => self.traversal(expr),
            ExprKind::SplatItem => Ok(self.splat_items.last().cloned().unwrap_or(Value::Null)),
            ExprKind::Splat { source, each } => {
                let source_value = self.eval(source)?;
                let items = match source_value.unmarked() {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Null => Vec::new(),
                    Value::List(items) => items.clone(),
                    // A splat on a single object treats it as a one-element list, as in Terraform.
                    other => vec![other.clone()],
                };
                let sensitive = source_value.is_sensitive();
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    self.splat_items.push(item);
                    let r = self.eval(each);
                    self.splat_items.pop();
                    out.push(r?);
                }
                let result = Value::List(out);
                Ok(if sensitive { result.mark_sensitive() } else { result })
            }
            ExprKind::Call { name, args, expand_final } => self.call(name, args, *expand_final, expr.span),
            ExprKind::Conditional(cond, then, otherwise) => self.conditional(cond, then, otherwise, expr.span),
            ExprKind::Unary(op, operand) => {
                let v = self.eval(operand)?;
                let sensitive = v.is_sensitive();
                let result = match (op, v.unmarked()) {
                    (_, Value::Unknown) => Value::Unknown,
                    (UnaryOp::Neg, _) => Value::Number(self.number(&v, operand.span)?.neg()),
                    (UnaryOp::Not, v) => Value::Bool(!self.boolean(v, operand.span)?),
                };
                Ok(if sensitive { result.mark_sensitive() } else { result })
            }
            ExprKind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs, expr.span),
            ExprKind::For(f) => self.for_expr(f, expr.span),
            ExprKind::Paren(inner) => self.eval(inner),
        }
    }
}
