//! The syntax tree the rest of Gantry works on. It is ours rather than hcl-edit's so that every
//! node has a plain [`Span`] and later stages do not depend on the parser's types.

use crate::diag::Span;
use crate::value::Value;

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
