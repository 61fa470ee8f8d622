//! Finding the references in expressions and bodies, which is what the graph is built from.
//! Names bound by `for` and by `dynamic` blocks are local, so they are left out here once rather
//! than by every caller.

use super::ast::{Block, Body, Expr, ExprKind, ObjectKeyExpr, TemplatePart};
use crate::diag::Span;
use crate::value::Value;

/// A reference to a named object: the root name and the static steps after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub root: String,
    /// Attribute names and literal index keys following the root, up to the first dynamic step.
    pub steps: Vec<RefStep>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RefStep {
    Attr(String, Span),
    Index(Value, Span),
    Dynamic(Span),
}

impl Reference {
    pub fn attr(&self, i: usize) -> Option<(&str, Span)> {
        match self.steps.get(i) {
            Some(RefStep::Attr(name, span)) => Some((name, *span)),
            _ => None,
        }
    }
}

impl Expr {
    /// Every reference to a named object in this expression, excluding names bound by
    /// `for` expressions and template `for` directives.
    pub fn references(&self) -> Vec<Reference> {
        let mut out = Vec::new();
        collect_refs(self, &mut Vec::new(), &mut out);
        out
    }

    /// The static traversal this expression is, if it is one (`a.b["c"][0]`).
    pub fn as_reference(&self) -> Option<Reference> {
        let mut steps = Vec::new();
        let mut current = self;
        loop {
            match &current.kind {
                ExprKind::Variable(name) => {
                    steps.reverse();
                    return Some(Reference { root: name.clone(), steps, span: self.span });
                }
                ExprKind::GetAttr(inner, name) => {
                    let start = inner.span.end;
                    steps.push(RefStep::Attr(name.clone(), Span::new(current.span.file, start..current.span.end)));
                    current = inner;
                }
                ExprKind::Index(inner, key) => {
                    match &key.kind {
                        ExprKind::Literal(v) => steps.push(RefStep::Index(v.clone(), key.span)),
                        _ => steps.push(RefStep::Dynamic(key.span)),
                    }
                    current = inner;
                }
                ExprKind::Paren(inner) if steps.is_empty() => current = inner,
                _ => return None,
            }
        }
    }
}

fn collect_refs(expr: &Expr, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    if let Some(reference) = expr.as_reference() {
        if !bound.contains(&reference.root) {
            out.push(reference);
        }
        // Index expressions inside the traversal may themselves hold references.
        let mut current = expr;
        loop {
            match &current.kind {
                ExprKind::GetAttr(inner, _) => current = inner,
                ExprKind::Index(inner, key) => {
                    collect_refs(key, bound, out);
                    current = inner;
                }
                ExprKind::Paren(inner) => current = inner,
                _ => break,
            }
        }
        return;
    }
    match &expr.kind {
        ExprKind::Literal(_) | ExprKind::Variable(_) | ExprKind::SplatItem => {}
        ExprKind::Template(parts) => collect_template_refs(parts, bound, out),
        ExprKind::List(items) => items.iter().for_each(|e| collect_refs(e, bound, out)),
        ExprKind::Object(items) => {
            for (k, v) in items {
                if let ObjectKeyExpr::Expr(k) = k {
                    collect_refs(k, bound, out);
                }
                collect_refs(v, bound, out);
            }
        }
        ExprKind::GetAttr(inner, _) => collect_refs(inner, bound, out),
        ExprKind::Index(inner, key) => {
            collect_refs(inner, bound, out);
            collect_refs(key, bound, out);
        }
        ExprKind::Splat { source, each } => {
            collect_refs(source, bound, out);
            collect_refs(each, bound, out);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|e| collect_refs(e, bound, out)),
        ExprKind::Conditional(a, b, c) => {
            collect_refs(a, bound, out);
            collect_refs(b, bound, out);
            collect_refs(c, bound, out);
        }
        ExprKind::Unary(_, e) | ExprKind::Paren(e) => collect_refs(e, bound, out),
        ExprKind::Binary(_, a, b) => {
            collect_refs(a, bound, out);
            collect_refs(b, bound, out);
        }
        ExprKind::For(f) => {
            collect_refs(&f.collection, bound, out);
            let before = bound.len();
            bound.extend(f.key_var.iter().cloned());
            bound.push(f.value_var.clone());
            if let Some(k) = &f.key_expr {
                collect_refs(k, bound, out);
            }
            collect_refs(&f.value_expr, bound, out);
            if let Some(c) = &f.cond {
                collect_refs(c, bound, out);
            }
            bound.truncate(before);
        }
    }
}

fn collect_template_refs(parts: &[TemplatePart], bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    for part in parts {
        match part {
            TemplatePart::Literal(_) => {}
            TemplatePart::Interpolation(e) => collect_refs(e, bound, out),
            TemplatePart::If { cond, then, otherwise } => {
                collect_refs(cond, bound, out);
                collect_template_refs(then, bound, out);
                collect_template_refs(otherwise, bound, out);
            }
            TemplatePart::For { key_var, value_var, collection, body } => {
                collect_refs(collection, bound, out);
                let before = bound.len();
                bound.extend(key_var.iter().cloned());
                bound.push(value_var.clone());
                collect_template_refs(body, bound, out);
                bound.truncate(before);
            }
        }
    }
}

impl Body {
    /// Every reference in the body's arguments and nested blocks. Inside a
    /// `dynamic` block's `content`, its iterator is a local name, not a reference.
    pub fn references(&self) -> Vec<Reference> {
        let mut out = Vec::new();
        collect_body_refs(self, &mut Vec::new(), &mut out);
        out
    }
}

/// The name a `dynamic "LABEL"` block binds in its `content`: `iterator = NAME`, else the label.
pub fn dynamic_iterator(block: &Block) -> Option<String> {
    match block.body.attribute("iterator") {
        Some(a) => a.expr.as_reference().filter(|r| r.steps.is_empty()).map(|r| r.root),
        None => block.labels.first().map(|l| l.value.clone()),
    }
}

fn collect_body_refs(body: &Body, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    for a in &body.attributes {
        collect_refs(&a.expr, bound, out);
    }
    for b in &body.blocks {
        if b.kind != "dynamic" {
            collect_body_refs(&b.body, bound, out);
            continue;
        }
        for a in b.body.attributes.iter().filter(|a| a.name != "iterator") {
            collect_refs(&a.expr, bound, out);
        }
        let before = bound.len();
        bound.extend(dynamic_iterator(b));
        for content in &b.body.blocks {
            collect_body_refs(&content.body, bound, out);
        }
        bound.truncate(before);
    }
}
