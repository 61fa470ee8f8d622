//! Gantry's syntax tree: hcl-edit's parse result lowered into a small AST
//! whose every node carries a [`Span`], so that later stages can point at
//! the exact source range of a problem.

use crate::diag::{Diagnostic, FileId, Span};
use crate::value::Value;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{BlockLabel, Structure};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
    pub span: Span,
}

impl Body {
    pub fn empty(span: Span) -> Body {
        Body { attributes: Vec::new(), blocks: Vec::new(), span }
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

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

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: String,
    pub kind_span: Span,
    pub labels: Vec<Label>,
    pub body: Body,
    pub span: Span,
}

impl Block {
    /// The span of the block's header (type and labels), which is what diagnostics about the whole block point at.
    pub fn header_span(&self) -> Span {
        self.labels.last().map(|l| self.kind_span.to(l.span)).unwrap_or(self.kind_span)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Value),
    Template(Vec<TemplatePart>),
    List(Vec<Expr>),
    Object(Vec<(ObjectKeyExpr, Expr)>),
    /// The first name of a traversal: `var`, `aws_vpc`, `each`, a `for` variable.
    Variable(String),
    GetAttr(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// `source[*].rest`: `each` is evaluated once per element with [`ExprKind::SplatItem`] bound to it.
    Splat {
        source: Box<Expr>,
        each: Box<Expr>,
    },
    SplatItem,
    Call {
        name: String,
        args: Vec<Expr>,
        expand_final: bool,
    },
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKeyExpr {
    Ident(String),
    Expr(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub grouping: bool,
    pub cond: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Literal(String),
    Interpolation(Expr),
    If { cond: Expr, then: Vec<TemplatePart>, otherwise: Vec<TemplatePart> },
    For { key_var: Option<String>, value_var: String, collection: Expr, body: Vec<TemplatePart> },
}

/// Parses one file into a body. A syntax error becomes a diagnostic pointing at its position.
pub fn parse_file(file: FileId, text: &str) -> Result<Body, Diagnostic> {
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => {
            let lower = Lower { file };
            Ok(lower.body(&body, 0..text.len()))
        }
        Err(err) => {
            let loc = err.location();
            let offset = loc.offset().min(text.len());
            let end = next_char_boundary(text, offset);
            let detail = syntax_hint(err.message(), err.line());
            Err(Diagnostic::error(format!("Syntax error: {}", err.message()), detail).at(Span::new(file, offset..end)))
        }
    }
}

/// Parses a standalone expression, as given on the command line (`-var`) or to `templatefile`.
pub fn parse_expression(file: FileId, text: &str) -> Result<Expr, Diagnostic> {
    match hcl_edit::parser::parse_expr(text) {
        Ok(expr) => Ok(Lower { file }.expr(&expr)),
        Err(err) => {
            let offset = err.location().offset().min(text.len());
            Err(Diagnostic::error(format!("Syntax error: {}", err.message()), "")
                .at(Span::new(file, offset..next_char_boundary(text, offset))))
        }
    }
}

/// Parses a template (the contents of a file given to `templatefile`).
pub fn parse_template(file: FileId, text: &str) -> Result<Vec<TemplatePart>, Diagnostic> {
    match hcl_edit::parser::parse_template(text) {
        Ok(t) => Ok(Lower { file }.template(&t)),
        Err(err) => {
            let offset = err.location().offset().min(text.len());
            Err(Diagnostic::error(format!("Syntax error in template: {}", err.message()), "")
                .at(Span::new(file, offset..next_char_boundary(text, offset))))
        }
    }
}

fn next_char_boundary(text: &str, offset: usize) -> usize {
    text.get(offset..).and_then(|rest| rest.chars().next()).map(|c| offset + c.len_utf8()).unwrap_or(offset)
}

fn syntax_hint(message: &str, line: &str) -> String {
    let trimmed = line.trim();
    let mut hint = String::from("Gantry could not parse this file as HCL.");
    if message.contains("expected '{'") || message.contains("expected `=`") || message.contains("'='") {
        hint.push_str(" An argument is written `name = value`; a block is written `type \"label\" { ... }`.");
    } else if trimmed.matches('"').count() % 2 == 1 {
        hint.push_str(" This line has an unterminated string: close it with a `\"`.");
    } else if message.contains("'}'") || message.contains("']'") || message.contains("')'") {
        hint.push_str(" Check that every `{`, `[` and `(` before this point is closed.");
    } else {
        hint.push_str(" Check the line for a missing or extra character near the marked position.");
    }
    hint
}

struct Lower {
    file: FileId,
}

impl Lower {
    fn span(&self, range: Option<std::ops::Range<usize>>, fallback: &std::ops::Range<usize>) -> Span {
        Span::new(self.file, range.unwrap_or_else(|| fallback.clone()))
    }

    fn body(&self, body: &hcl_edit::structure::Body, fallback: std::ops::Range<usize>) -> Body {
        let span = self.span(body.span(), &fallback);
        let mut out = Body::empty(span);
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let attr_span = self.span(attr.span(), &fallback);
                    out.attributes.push(Attribute {
                        name: attr.key.as_str().to_string(),
                        name_span: self.span(attr.key.span(), &fallback),
                        expr: self.expr(&attr.value),
                        span: attr_span,
                    });
                }
                Structure::Block(block) => {
                    let block_range = block.span().unwrap_or_else(|| fallback.clone());
                    out.blocks.push(Block {
                        kind: block.ident.as_str().to_string(),
                        kind_span: self.span(block.ident.span(), &block_range),
                        labels: block
                            .labels
                            .iter()
                            .map(|l| Label {
                                value: match l {
                                    BlockLabel::Ident(i) => i.as_str().to_string(),
                                    BlockLabel::String(s) => s.value().to_string(),
                                },
                                span: self.span(l.span(), &block_range),
                            })
                            .collect(),
                        body: self.body(&block.body, block_range.clone()),
                        span: Span::new(self.file, block_range),
                    });
                }
            }
        }
        out
    }

    fn expr(&self, expr: &Expression) -> Expr {
        let range = expr.span().unwrap_or(0..0);
        let span = Span::new(self.file, range.clone());
        let kind = match expr {
            Expression::Null(_) => ExprKind::Literal(Value::Null),
            Expression::Bool(b) => ExprKind::Literal(Value::Bool(*b.value())),
            Expression::Number(n) => ExprKind::Literal(Value::Number(n.value().as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => ExprKind::Literal(Value::String(s.value().to_string())),
            Expression::Array(items) => ExprKind::List(items.iter().map(|e| self.expr(e)).collect()),
            Expression::Object(obj) => ExprKind::Object(
                obj.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ObjectKey::Ident(i) => ObjectKeyExpr::Ident(i.as_str().to_string()),
                            ObjectKey::Expression(e) => match e {
                                // A bare name as a key means the literal name, as in Terraform.
                                Expression::Variable(v) => ObjectKeyExpr::Ident(v.as_str().to_string()),
                                e => ObjectKeyExpr::Expr(self.expr(e)),
                            },
                        };
                        (key, self.expr(v.expr()))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => {
                let elements: Vec<Element> = t.iter().cloned().collect();
                ExprKind::Template(self.elements(&elements))
            }
            Expression::HeredocTemplate(h) => ExprKind::Template(self.template(&h.template)),
            Expression::Parenthesis(p) => ExprKind::Paren(Box::new(self.expr(p.inner()))),
            Expression::Variable(v) => ExprKind::Variable(v.as_str().to_string()),
            Expression::Conditional(c) => ExprKind::Conditional(
                Box::new(self.expr(&c.cond_expr)),
                Box::new(self.expr(&c.true_expr)),
                Box::new(self.expr(&c.false_expr)),
            ),
            Expression::FuncCall(call) => {
                let mut name = String::new();
                for ns in &call.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(call.name.name.as_str());
                ExprKind::Call {
                    name,
                    args: call.args.iter().map(|a| self.expr(a)).collect(),
                    expand_final: call.args.expand_final(),
                }
            }
            Expression::Traversal(t) => return self.traversal(&t.expr, &t.operators, &range),
            Expression::UnaryOp(op) => ExprKind::Unary(
                match op.operator.value() {
                    UnaryOperator::Neg => UnaryOp::Neg,
                    UnaryOperator::Not => UnaryOp::Not,
                },
                Box::new(self.expr(&op.expr)),
            ),
            Expression::BinaryOp(op) => ExprKind::Binary(
                match op.operator.value() {
                    BinaryOperator::Eq => BinaryOp::Eq,
                    BinaryOperator::NotEq => BinaryOp::NotEq,
                    BinaryOperator::LessEq => BinaryOp::LessEq,
                    BinaryOperator::GreaterEq => BinaryOp::GreaterEq,
                    BinaryOperator::Less => BinaryOp::Less,
                    BinaryOperator::Greater => BinaryOp::Greater,
                    BinaryOperator::Plus => BinaryOp::Plus,
                    BinaryOperator::Minus => BinaryOp::Minus,
                    BinaryOperator::Mul => BinaryOp::Mul,
                    BinaryOperator::Div => BinaryOp::Div,
                    BinaryOperator::Mod => BinaryOp::Mod,
                    BinaryOperator::And => BinaryOp::And,
                    BinaryOperator::Or => BinaryOp::Or,
                },
                Box::new(self.expr(&op.lhs_expr)),
                Box::new(self.expr(&op.rhs_expr)),
            ),
            Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                collection: self.expr(&f.intro.collection_expr),
                key_expr: f.key_expr.as_ref().map(|e| self.expr(e)),
                value_expr: self.expr(&f.value_expr),
                grouping: f.grouping,
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr)),
            })),
        };
        Expr { kind, span }
    }

    fn traversal(
        &self,
        base: &Expression,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        range: &std::ops::Range<usize>,
    ) -> Expr {
        self.apply_operators(self.expr(base), operators, range)
    }

    /// Applies traversal operators to `current`. Everything after a splat applies to each
    /// element, so it becomes the splat's per-item expression.
    fn apply_operators(
        &self,
        mut current: Expr,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        range: &std::ops::Range<usize>,
    ) -> Expr {
        for (i, op) in operators.iter().enumerate() {
            let op_end = op.span().map(|r| r.end).unwrap_or(range.end);
            let span = Span::new(self.file, current.span.start..op_end.max(current.span.start));
            let kind = match op.value() {
                TraversalOperator::GetAttr(ident) => ExprKind::GetAttr(Box::new(current), ident.as_str().to_string()),
                TraversalOperator::Index(index) => ExprKind::Index(Box::new(current), Box::new(self.expr(index))),
                TraversalOperator::LegacyIndex(index) => ExprKind::Index(
                    Box::new(current),
                    Box::new(Expr {
                        kind: ExprKind::Literal(Value::Number(*index.value() as f64)),
                        span: self.span(index.span(), range),
                    }),
                ),
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let item = Expr { kind: ExprKind::SplatItem, span };
                    let each = self.apply_operators(item, &operators[i + 1..], range);
                    let whole = Span::new(self.file, current.span.start..range.end.max(current.span.start));
                    return Expr {
                        kind: ExprKind::Splat { source: Box::new(current), each: Box::new(each) },
                        span: whole,
                    };
                }
            };
            current = Expr { kind, span };
        }
        current
    }

    fn template(&self, template: &Template) -> Vec<TemplatePart> {
        let elements: Vec<Element> = template.iter().cloned().collect();
        self.elements(&elements)
    }

    /// Lowers template elements, applying `~` strip markers to the neighbouring literals.
    fn elements(&self, elements: &[Element]) -> Vec<TemplatePart> {
        let mut parts: Vec<TemplatePart> = Vec::new();
        let mut strip_next = false;
        for element in elements {
            match element {
                Element::Literal(lit) => {
                    let mut text = lit.value().to_string();
                    if strip_next {
                        text = text.trim_start().to_string();
                        strip_next = false;
                    }
                    parts.push(TemplatePart::Literal(text));
                }
                Element::Interpolation(interp) => {
                    if interp.strip.strip_start() {
                        strip_previous(&mut parts);
                    }
                    strip_next = interp.strip.strip_end();
                    parts.push(TemplatePart::Interpolation(self.expr(&interp.expr)));
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(d) => {
                        if d.if_expr.strip.strip_start() {
                            strip_previous(&mut parts);
                        }
                        let mut then = self.template(&d.if_expr.template);
                        if d.if_expr.strip.strip_end() {
                            strip_first(&mut then);
                        }
                        let mut otherwise = Vec::new();
                        if let Some(e) = &d.else_expr {
                            if e.strip.strip_start() {
                                strip_previous(&mut then);
                            }
                            otherwise = self.template(&e.template);
                            if e.strip.strip_end() {
                                strip_first(&mut otherwise);
                            }
                        }
                        if d.endif_expr.strip.strip_start() {
                            strip_previous(if d.else_expr.is_some() { &mut otherwise } else { &mut then });
                        }
                        strip_next = d.endif_expr.strip.strip_end();
                        parts.push(TemplatePart::If { cond: self.expr(&d.if_expr.cond_expr), then, otherwise });
                    }
                    Directive::For(d) => {
                        if d.for_expr.strip.strip_start() {
                            strip_previous(&mut parts);
                        }
                        let mut body = self.template(&d.for_expr.template);
                        if d.for_expr.strip.strip_end() {
                            strip_first(&mut body);
                        }
                        if d.endfor_expr.strip.strip_start() {
                            strip_previous(&mut body);
                        }
                        strip_next = d.endfor_expr.strip.strip_end();
                        parts.push(TemplatePart::For {
                            key_var: d.for_expr.key_var.as_ref().map(|k| k.as_str().to_string()),
                            value_var: d.for_expr.value_var.as_str().to_string(),
                            collection: self.expr(&d.for_expr.collection_expr),
                            body,
                        });
                    }
                },
            }
        }
        parts
    }
}

fn strip_previous(parts: &mut [TemplatePart]) {
    if let Some(TemplatePart::Literal(text)) = parts.last_mut() {
        *text = text.trim_end().to_string();
    }
}

fn strip_first(parts: &mut [TemplatePart]) {
    if let Some(TemplatePart::Literal(text)) = parts.first_mut() {
        *text = text.trim_start().to_string();
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Body {
        parse_file(FileId(0), src).expect("parses")
    }

    #[test]
    fn lowers_blocks_attributes_and_spans() {
        let src = "resource \"local_cluster\" \"main\" {\n  name = \"ml\"\n}\n";
        let body = parse(src);
        let block = &body.blocks[0];
        assert_eq!(block.kind, "resource");
        assert_eq!(block.labels.iter().map(|l| l.value.as_str()).collect::<Vec<_>>(), ["local_cluster", "main"]);
        let attr = &block.body.attributes[0];
        assert_eq!(&src[attr.name_span.start..attr.name_span.end], "name");
        assert_eq!(&src[attr.expr.span.start..attr.expr.span.end], "\"ml\"");
    }

    #[test]
    fn collects_references_but_not_for_variables() {
        let body = parse("x = [for k, v in var.pools : \"${k}-${local.suffix}\" if v.enabled]\n");
        let refs = body.attributes[0].expr.references();
        let roots: Vec<_> = refs.iter().map(|r| r.root.as_str()).collect();
        assert_eq!(roots, ["var", "local"]);
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse_file(FileId(0), "a = {\n  b = \n").unwrap_err();
        assert!(err.summary.starts_with("Syntax error"), "{err:?}");
        assert!(err.subject.is_some());
    }

    #[test]
    fn splat_lowers_to_per_item_expression() {
        let body = parse("x = aws_instance.web[*].id\n");
        assert!(matches!(body.attributes[0].expr.kind, ExprKind::Splat { .. }));
        let refs = body.attributes[0].expr.references();
        assert_eq!(refs[0].root, "aws_instance");
    }
}
