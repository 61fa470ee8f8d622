//! Lowering hcl-edit's parse result into the tree, including the `~` strip markers of
//! templates, which hcl-edit leaves for its user to apply.

use super::ast::{
    Attribute, BinaryOp, Block, Body, Expr, ExprKind, ForExpr, Label, ObjectKeyExpr, TemplatePart, UnaryOp,
};
use crate::diag::{Diagnostic, FileId, Span};
use crate::value::{Number, Value};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{BlockLabel, Structure};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

pub(super) struct Lower<'t> {
    pub(super) file: FileId,
    /// The source as written: number literals are read from it, since hcl-edit keeps
    /// only a float of each (and the parser may have seen a patched copy, see `parse`).
    pub(super) text: &'t str,
    /// The first number literal that is no number (beyond the range), reported as a
    /// syntax error once lowering is done.
    pub(super) invalid_literal: std::cell::RefCell<Option<Diagnostic>>,
}

impl<'t> Lower<'t> {
    /// A number literal at 512 bits from its source text, as Terraform reads it.
    pub(super) fn new(file: FileId, text: &'t str) -> Lower<'t> {
        Lower { file, text, invalid_literal: std::cell::RefCell::new(None) }
    }

    /// The first invalid number literal met, if any.
    pub(super) fn finish(self) -> Result<(), Diagnostic> {
        self.invalid_literal.into_inner().map_or(Ok(()), Err)
    }

    fn number(&self, n: &hcl_edit::Formatted<hcl_edit::Number>, span: &std::ops::Range<usize>) -> Value {
        let written: String =
            self.text.get(span.clone()).unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
        match written.parse::<Number>() {
            Ok(number) => Value::Number(number),
            Err(e) => {
                let mut invalid = self.invalid_literal.borrow_mut();
                if invalid.is_none() {
                    *invalid = Some(
                        Diagnostic::error(
                            "Invalid number literal",
                            format!("Failed to recognize the value of this number literal: {e}."),
                        )
                        .at(Span::new(self.file, span.clone())),
                    );
                }
                n.value().as_f64().map_or(Value::Null, Value::from_f64)
            }
        }
    }

    fn span(&self, range: Option<std::ops::Range<usize>>, fallback: &std::ops::Range<usize>) -> Span {
        Span::new(self.file, range.unwrap_or_else(|| fallback.clone()))
    }

    pub(super) fn body(&self, body: &hcl_edit::structure::Body, fallback: std::ops::Range<usize>) -> Body {
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

    pub(super) fn expr(&self, expr: &Expression) -> Expr {
        let range = expr.span().unwrap_or(0..0);
        let span = Span::new(self.file, range.clone());
        let kind = match expr {
            Expression::Null(_) => ExprKind::Literal(Value::Null),
            Expression::Bool(b) => ExprKind::Literal(Value::Bool(*b.value())),
            Expression::Number(n) => ExprKind::Literal(self.number(n, &range)),
            Expression::String(s) => ExprKind::Literal(Value::String(nfc(s.value()))),
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
                ExprKind::Template(self.elements(&elements, Lines::Quoted))
            }
            Expression::HeredocTemplate(h) => ExprKind::Template(self.template(&h.template, Lines::Source)),
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
                        kind: ExprKind::Literal(Value::number(*index.value())),
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

    pub(super) fn template(&self, template: &Template, lines: Lines) -> Vec<TemplatePart> {
        let elements: Vec<Element> = template.iter().cloned().collect();
        self.elements(&elements, lines)
    }

    /// Lowers template elements, applying `~` strip markers to the neighbouring literals.
    fn elements(&self, elements: &[Element], lines: Lines) -> Vec<TemplatePart> {
        let mut parts: Vec<TemplatePart> = Vec::new();
        let mut strip_next = false;
        for element in elements {
            match element {
                Element::Literal(lit) => {
                    let mut text = match lines {
                        Lines::QuotedBody => decode_escapes(lit.value()),
                        _ => lit.value().to_string(),
                    };
                    if strip_next {
                        text = lines.strip_start(&text).to_string();
                        strip_next = false;
                    }
                    parts.push(TemplatePart::Literal(nfc(&text)));
                }
                Element::Interpolation(interp) => {
                    if interp.strip.strip_start() {
                        strip_previous(&mut parts, lines);
                    }
                    strip_next = interp.strip.strip_end();
                    parts.push(TemplatePart::Interpolation(self.expr(&interp.expr)));
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(d) => {
                        if d.if_expr.strip.strip_start() {
                            strip_previous(&mut parts, lines);
                        }
                        let mut then = self.template(&d.if_expr.template, lines.body());
                        if d.if_expr.strip.strip_end() {
                            strip_first(&mut then, lines);
                        }
                        let mut otherwise = Vec::new();
                        if let Some(e) = &d.else_expr {
                            if e.strip.strip_start() {
                                strip_previous(&mut then, lines);
                            }
                            otherwise = self.template(&e.template, lines.body());
                            if e.strip.strip_end() {
                                strip_first(&mut otherwise, lines);
                            }
                        }
                        if d.endif_expr.strip.strip_start() {
                            strip_previous(if d.else_expr.is_some() { &mut otherwise } else { &mut then }, lines);
                        }
                        strip_next = d.endif_expr.strip.strip_end();
                        parts.push(TemplatePart::If { cond: self.expr(&d.if_expr.cond_expr), then, otherwise });
                    }
                    Directive::For(d) => {
                        if d.for_expr.strip.strip_start() {
                            strip_previous(&mut parts, lines);
                        }
                        let mut body = self.template(&d.for_expr.template, lines.body());
                        if d.for_expr.strip.strip_end() {
                            strip_first(&mut body, lines);
                        }
                        if d.endfor_expr.strip.strip_start() {
                            strip_previous(&mut body, lines);
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

/// Where a template's literal text came from, which decides how far a `~` strips. HCL's
/// scanner cuts the literal text of a heredoc or template file into one token a source
/// line, and a strip marker trims only the token beside it: up to and including the next
/// newline after `~}`, back to the start of the line before `{~`. A quoted string is one
/// token whose escapes (`\n`, `\t`) are whitespace to strip like any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lines {
    Quoted,
    /// The body of a directive inside a quoted string, whose literals the parser hands over
    /// with their escapes still written out.
    QuotedBody,
    Source,
}

impl Lines {
    fn body(self) -> Lines {
        match self {
            Lines::Quoted | Lines::QuotedBody => Lines::QuotedBody,
            Lines::Source => Lines::Source,
        }
    }

    fn strip_start(self, text: &str) -> &str {
        match self {
            Lines::Quoted | Lines::QuotedBody => text.trim_start(),
            Lines::Source => {
                let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
                let (first, rest) = text.split_at(first_line_end);
                if first.trim_start().is_empty() {
                    rest
                } else {
                    &text[first.len() - first.trim_start().len()..]
                }
            }
        }
    }

    fn strip_end(self, text: &str) -> &str {
        match self {
            Lines::Quoted | Lines::QuotedBody => text.trim_end(),
            Lines::Source => {
                let body = text.strip_suffix('\n').unwrap_or(text);
                let last_line_start = body.rfind('\n').map_or(0, |i| i + 1);
                let (before, last) = text.split_at(last_line_start);
                &text[..before.len() + last.trim_end().len()]
            }
        }
    }
}

/// Literal text in Unicode normal form C, as HCL's scanner delivers it: `"e\u0301"` and
/// `"\u00e9"` are the same string.
fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if text.is_ascii() {
        return text.to_string();
    }
    text.nfc().collect()
}

/// A quoted string's escapes, as HCL reads them: `\n`, `\r`, `\t`, `\"`, `\\`, `\uNNNN` and
/// `\UNNNNNNNN`. Anything else is left as written, which the parser has already refused.
fn decode_escapes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(u @ ('u' | 'U')) => {
                let width = if u == 'u' { 4 } else { 8 };
                let hex: String = chars.clone().take(width).collect();
                match u32::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == width).and_then(char::from_u32) {
                    Some(decoded) => {
                        out.push(decoded);
                        for _ in 0..width {
                            chars.next();
                        }
                    }
                    None => {
                        out.push('\\');
                        out.push(u);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn strip_previous(parts: &mut [TemplatePart], lines: Lines) {
    if let Some(TemplatePart::Literal(text)) = parts.last_mut() {
        *text = lines.strip_end(text).to_string();
    }
}

fn strip_first(parts: &mut [TemplatePart], lines: Lines) {
    if let Some(TemplatePart::Literal(text)) = parts.first_mut() {
        *text = lines.strip_start(text).to_string();
    }
}
