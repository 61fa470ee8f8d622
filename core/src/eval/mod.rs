//! Expression evaluation: turns an [`Expr`] into a [`Value`] against a [`Scope`]
//! that knows what `var.x`, `local.y`, `aws_vpc.main` and friends are.
//!
//! Unknown values propagate: any operation on an unknown yields unknown, so that
//! plan can evaluate configuration that depends on values only known after apply.

use crate::diag::{Diagnostic, SourceMap, Span};
use crate::syntax::{BinaryOp, Expr, ExprKind, ForExpr, ObjectKeyExpr, TemplatePart, UnaryOp};
use crate::value::{format_number, Map, Value};
use std::path::{Path, PathBuf};

/// Resolves the named objects an expression can refer to.
pub trait Scope {
    /// Resolves `root` followed by the leading attribute names `attrs` (as many as the
    /// root needs: one for `var.x`, two for `data.t.n`). Returns the value and how many
    /// of `attrs` it consumed, or an error message for a diagnostic.
    fn resolve(&self, root: &str, attrs: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic>;
}

/// A scope with nothing in it, for constant expressions such as defaults.
pub struct EmptyScope;

impl Scope for EmptyScope {
    fn resolve(&self, root: &str, _: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic> {
        Err(Diagnostic::error(
            "Variables not allowed",
            format!("\"{root}\" cannot be referred to here: only literal values and functions of them are allowed."),
        )
        .at(span))
    }
}

/// A scope of plain names, as `templatefile` gives its template.
pub struct MapScope<'a>(pub &'a Map);

impl Scope for MapScope<'_> {
    fn resolve(&self, root: &str, _: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic> {
        match self.0.get(root) {
            Some(v) => Ok((v.clone(), 0)),
            None => {
                let hint = crate::diag::did_you_mean(root, self.0.keys().map(String::as_str));
                Err(Diagnostic::error(
                    "Unknown template variable",
                    format!("The template refers to \"{root}\", which is not among the variables given to templatefile.{hint}"),
                )
                .at(span))
            }
        }
    }
}

/// Evaluates a constant expression (no references), e.g. an `optional()` default.
pub fn eval_constant(expr: &Expr) -> Result<Value, Diagnostic> {
    Evaluator::new(&EmptyScope, Path::new("."), None).eval(expr)
}

/// The maximum nesting of evaluation, so that pathological input fails instead of overflowing the stack.
const MAX_DEPTH: usize = 256;
/// The most elements a `for` expression or template `for` may produce.
const MAX_ITEMS: usize = 1_000_000;

pub struct Evaluator<'a> {
    scope: &'a dyn Scope,
    base_dir: PathBuf,
    sources: Option<&'a SourceMap>,
    bound: Vec<(String, Value)>,
    splat_items: Vec<Value>,
    depth: usize,
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
        result
    }

    fn eval_inner(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
        match &expr.kind {
            ExprKind::Literal(v) => Ok(v.clone()),
            ExprKind::Template(parts) => self.template(parts, expr.span),
            ExprKind::List(items) => Ok(Value::List(items.iter().map(|e| self.eval(e)).collect::<Result<_, _>>()?)),
            ExprKind::Object(items) => {
                let mut map = Map::new();
                let mut any_unknown_key = false;
                for (key, value) in items {
                    let key = match key {
                        ObjectKeyExpr::Ident(name) => name.clone(),
                        ObjectKeyExpr::Expr(e) => match self.eval(e)? {
                            Value::Unknown => {
                                any_unknown_key = true;
                                continue;
                            }
                            v => match to_string_value(&v) {
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
                Ok(Value::Object(map))
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
            ExprKind::Conditional(cond, then, otherwise) => {
                let c = self.eval(cond)?;
                match c.unmarked() {
                    Value::Unknown => {
                        // Still evaluate both sides so that errors in them are reported.
                        self.eval(then)?;
                        self.eval(otherwise)?;
                        Ok(Value::Unknown)
                    }
                    Value::Bool(true) => self.eval(then),
                    Value::Bool(false) => self.eval(otherwise),
                    Value::String(s) if s == "true" => self.eval(then),
                    Value::String(s) if s == "false" => self.eval(otherwise),
                    other => Err(Diagnostic::error(
                        "Incorrect condition type",
                        format!("The condition must be a bool, but this is {}.", other.type_name()),
                    )
                    .at(cond.span)),
                }
            }
            ExprKind::Unary(op, operand) => {
                let v = self.eval(operand)?;
                let sensitive = v.is_sensitive();
                let result = match (op, v.unmarked()) {
                    (_, Value::Unknown) => Value::Unknown,
                    (UnaryOp::Neg, v) => Value::Number(-self.number(v, operand.span)?),
                    (UnaryOp::Not, v) => Value::Bool(!self.boolean(v, operand.span)?),
                };
                Ok(if sensitive { result.mark_sensitive() } else { result })
            }
            ExprKind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs, expr.span),
            ExprKind::For(f) => self.for_expr(f, expr.span),
            ExprKind::Paren(inner) => self.eval(inner),
        }
    }

    fn traversal(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
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
                            let hint = crate::diag::did_you_mean(name, map.keys().map(String::as_str));
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
                    index_value(value.unmarked(), key.unmarked(), key_expr.span)?
                }
                _ => unreachable!("traversal steps are attributes or indexes"),
            };
            if sensitive {
                value = value.mark_sensitive();
            }
        }
        Ok(value)
    }

    fn template(&mut self, parts: &[TemplatePart], span: Span) -> Result<Value, Diagnostic> {
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

    /// The (key, value) pairs of a collection for `for`; `None` when it is unknown.
    fn iterate(&self, coll: &Value, span: Span) -> Result<Option<Vec<(Value, Value)>>, Diagnostic> {
        let sensitive = coll.is_sensitive();
        let mark = |v: Value| if sensitive { v.mark_sensitive() } else { v };
        match coll.unmarked() {
            Value::Unknown => Ok(None),
            Value::List(items) => {
                Ok(Some(items.iter().enumerate().map(|(i, v)| (Value::Number(i as f64), mark(v.clone()))).collect()))
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

    fn for_expr(&mut self, f: &ForExpr, span: Span) -> Result<Value, Diagnostic> {
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
                                    "Two elements produce the key \"{key}\". If duplicates are expected, add an ellipsis (...) after the value expression to group them."
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
        Ok(match &f.key_expr {
            None => Value::List(list),
            Some(_) if f.grouping => Value::Object(groups.into_iter().map(|(k, v)| (k, Value::List(v))).collect()),
            Some(_) => Value::Object(map),
        })
    }

    fn call(&mut self, name: &str, args: &[Expr], expand_final: bool, span: Span) -> Result<Value, Diagnostic> {
        match name {
            "can" => {
                let [arg] = args else {
                    return Err(
                        Diagnostic::error("Wrong number of arguments", "can() takes exactly one expression.").at(span)
                    );
                };
                return Ok(match self.eval(arg) {
                    Ok(v) if v.contains_unknown() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            "try" => {
                if args.is_empty() {
                    return Err(
                        Diagnostic::error("Wrong number of arguments", "try() needs at least one expression.").at(span)
                    );
                }
                let mut last_err = None;
                for arg in args {
                    match self.eval(arg) {
                        Ok(v) => return Ok(v),
                        Err(e) => last_err = Some(e),
                    }
                }
                let detail = last_err.map(|e| e.detail).unwrap_or_default();
                return Err(Diagnostic::error(
                    "No expression succeeded",
                    format!("Every argument of try() failed; the last failed with: {detail}"),
                )
                .at(span));
            }
            _ => {}
        }
        if !crate::funcs::exists(name) {
            let hint = crate::diag::did_you_mean(name, crate::funcs::names());
            return Err(Diagnostic::error(
                "Call to unknown function",
                format!("There is no function named \"{name}\".{hint}"),
            )
            .at(span));
        }
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg)?);
        }
        if expand_final {
            match values.pop().map(|v| (v.is_sensitive(), v.unmarked().clone())) {
                Some((_, Value::Unknown)) => return Ok(Value::Unknown),
                Some((sensitive, Value::List(items))) => {
                    values.extend(items.into_iter().map(|v| if sensitive { v.mark_sensitive() } else { v }))
                }
                _ => {
                    return Err(Diagnostic::error(
                        "Invalid expanding argument value",
                        "The expanding argument (marked by ...) must be a list.",
                    )
                    .at(args.last().map(|a| a.span).unwrap_or(span)))
                }
            }
        }
        let sources = self.sources;
        let render = |text: &str, vars: &Map| -> Result<Value, String> {
            let file = match sources {
                Some(s) => s.add(Path::new("<template>"), text.to_string()),
                None => crate::diag::FileId(0),
            };
            let parts = crate::syntax::parse_template(file, text).map_err(|d| d.summary)?;
            let scope = MapScope(vars);
            let mut inner = Evaluator::new(&scope, Path::new("."), None);
            inner.template(&parts, Span::default()).map_err(|d| format!("{}: {}", d.summary, d.detail))
        };
        let ctx = crate::funcs::FuncContext { base_dir: &self.base_dir, render_template: &render };
        crate::funcs::call(name, values, &ctx).map_err(|e| {
            let at = e.arg.and_then(|i| args.get(i)).map(|a| a.span).unwrap_or(span);
            Diagnostic::error("Invalid function argument", format!("Call to {name}() failed: {}", e.message)).at(at)
        })
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, span: Span) -> Result<Value, Diagnostic> {
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
                    let a = self.number(lu, lhs.span)?;
                    let b = self.number(ru, rhs.span)?;
                    match op {
                        BinaryOp::Plus => Value::Number(a + b),
                        BinaryOp::Minus => Value::Number(a - b),
                        BinaryOp::Mul => Value::Number(a * b),
                        BinaryOp::Div => {
                            if b == 0.0 {
                                return Err(
                                    Diagnostic::error("Division by zero", "The right operand of / is zero.").at(span)
                                );
                            }
                            Value::Number(a / b)
                        }
                        BinaryOp::Mod => {
                            if b == 0.0 {
                                return Err(
                                    Diagnostic::error("Division by zero", "The right operand of % is zero.").at(span)
                                );
                            }
                            Value::Number(a % b)
                        }
                        BinaryOp::Less => Value::Bool(a < b),
                        BinaryOp::LessEq => Value::Bool(a <= b),
                        BinaryOp::Greater => Value::Bool(a > b),
                        BinaryOp::GreaterEq => Value::Bool(a >= b),
                        _ => unreachable!("handled above"),
                    }
                }
            }
        };
        Ok(if sensitive { result.mark_sensitive() } else { result })
    }

    fn number(&self, v: &Value, span: Span) -> Result<f64, Diagnostic> {
        match v {
            Value::Number(n) => Ok(*n),
            Value::String(s) => s.trim().parse().map_err(|_| {
                Diagnostic::error(
                    "Invalid operand",
                    format!("A number is required, but the string {s:?} is not a number."),
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

    fn boolean(&self, v: &Value, span: Span) -> Result<bool, Diagnostic> {
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

/// The string form of a primitive, as interpolation and object keys use it.
pub fn to_string_value(v: &Value) -> Option<String> {
    match v.unmarked() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Deep equality where numbers compare by value.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    a == b
}

fn index_value(value: &Value, key: &Value, span: Span) -> Result<Value, Diagnostic> {
    match (value, key) {
        (Value::Unknown, _) | (_, Value::Unknown) => Ok(Value::Unknown),
        (Value::List(items), key) => {
            let i = match key {
                Value::Number(n) => *n,
                Value::String(s) => s.parse().unwrap_or(f64::NAN),
                _ => f64::NAN,
            };
            if i.is_nan() || i.fract() != 0.0 {
                return Err(Diagnostic::error(
                    "Invalid index",
                    format!("A list is indexed by a whole number, but this is {key}."),
                )
                .at(span));
            }
            if i < 0.0 || i as usize >= items.len() {
                return Err(Diagnostic::error(
                    "Invalid index",
                    format!("The index {} is out of range: this list has {} elements.", format_number(i), items.len()),
                )
                .at(span));
            }
            Ok(items[i as usize].clone())
        }
        (Value::Object(map), key) => {
            let Some(k) = to_string_value(key) else {
                return Err(Diagnostic::error("Invalid index", "A map is indexed by a string key.").at(span));
            };
            map.get(&k).cloned().ok_or_else(|| {
                let hint = crate::diag::did_you_mean(&k, map.keys().map(String::as_str));
                Diagnostic::error(
                    "Invalid index",
                    format!("The given key \"{k}\" does not identify an element in this collection.{hint}"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    struct TestScope(Map);
    impl Scope for TestScope {
        fn resolve(&self, root: &str, attrs: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic> {
            if root == "var" {
                let (name, _) = attrs.first().ok_or_else(|| Diagnostic::error("bad", "").at(span))?;
                return self
                    .0
                    .get(*name)
                    .cloned()
                    .map(|v| (v, 1))
                    .ok_or_else(|| Diagnostic::error("Reference to undeclared input variable", "").at(span));
            }
            Err(Diagnostic::error("Unknown root", root.to_string()).at(span))
        }
    }

    fn eval(src: &str) -> Result<Value, Diagnostic> {
        let vars = Value::object([
            ("n", Value::Number(3.0)),
            ("pools", Value::object([("a100", Value::Number(8.0)), ("t4", Value::Number(1.0))])),
            ("secret", Value::string("hunter2").mark_sensitive()),
            ("later", Value::Unknown),
        ]);
        let Value::Object(map) = vars else { unreachable!() };
        let scope = TestScope(map);
        let expr = crate::syntax::parse_expression(FileId(0), src).unwrap();
        Evaluator::new(&scope, Path::new("."), None).eval(&expr)
    }

    #[test]
    fn evaluates_expressions() {
        let cases = [
            ("1 + 2 * var.n", Value::Number(7.0)),
            ("var.n > 2 ? \"big\" : \"small\"", Value::string("big")),
            ("\"n=${var.n}\"", Value::string("n=3")),
            ("[for k, v in var.pools : k if v > 1]", Value::List(vec![Value::string("a100")])),
            (
                "{for k, v in var.pools : v => k}",
                Value::object([("1", Value::string("t4")), ("8", Value::string("a100"))]),
            ),
            ("[{a = 1}, {a = 2}][*].a", Value::List(vec![Value::Number(1.0), Value::Number(2.0)])),
            ("var.pools[\"t4\"]", Value::Number(1.0)),
            ("\"%{for k, v in var.pools}${k};%{endfor}\"", Value::string("a100;t4;")),
            ("\"%{if var.n == 3}yes%{else}no%{endif}\"", Value::string("yes")),
            ("can(var.pools.missing)", Value::Bool(false)),
            ("try(var.pools.missing, \"fallback\")", Value::string("fallback")),
            ("!true || false", Value::Bool(false)),
            (
                "{for s in [\"a\", \"b\", \"a\"] : s => s...}",
                Value::object([
                    ("a", Value::List(vec![Value::string("a"), Value::string("a")])),
                    ("b", Value::List(vec![Value::string("b")])),
                ]),
            ),
        ];
        for (src, expected) in cases {
            assert_eq!(eval(src).unwrap(), expected, "{src}");
        }
    }

    #[test]
    fn unknown_propagates() {
        for src in
            ["var.later + 1", "\"x-${var.later}\"", "var.later.attr", "var.later ? 1 : 2", "[for x in var.later : x]"]
        {
            assert_eq!(eval(src).unwrap(), Value::Unknown, "{src}");
        }
    }

    #[test]
    fn sensitive_marks_follow_the_value() {
        assert!(eval("\"pw=${var.secret}\"").unwrap().is_sensitive());
        assert!(
            eval("[var.secret][*]").unwrap().is_sensitive() || eval("[var.secret][*]").unwrap().contains_sensitive()
        );
        assert!(eval("var.secret == \"x\"").unwrap().is_sensitive());
    }

    #[test]
    fn errors_point_at_the_problem_with_suggestions() {
        let err = eval("var.pools.a10").unwrap_err();
        assert_eq!(err.summary, "Unsupported attribute");
        assert!(err.detail.contains("Did you mean \"a100\"?"), "{}", err.detail);
        let err = eval("lenght([])").unwrap_err();
        assert_eq!(err.summary, "Call to unknown function");
        assert!(err.detail.contains("\"length\""), "{}", err.detail);
        assert_eq!(eval("[1][5]").unwrap_err().summary, "Invalid index");
        assert_eq!(eval("1 / 0").unwrap_err().summary, "Division by zero");
    }
}
