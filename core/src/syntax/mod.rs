//! Gantry's syntax tree: hcl-edit's parse result lowered into a small AST
//! whose every node carries a [`Span`](crate::diag::Span), so that later stages can point at
//! the exact source range of a problem.

mod ast;
mod lower;
mod parse;
mod refs;
#[cfg(test)]
mod tests;

pub use ast::{Attribute, BinaryOp, Block, Body, Expr, ExprKind, ForExpr, Label, ObjectKeyExpr, TemplatePart, UnaryOp};
pub use parse::{parse_expression, parse_file, parse_template};
pub use refs::{dynamic_iterator, RefStep, Reference};
