//! The entry points from source text to the tree, and the wording of syntax errors, which
//! hcl-edit reports tersely and which users meet first.

use super::ast::{Body, Expr, TemplatePart};
use super::lower::Lower;
use crate::diag::{Diagnostic, FileId, Span};

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
        Ok(t) => Ok(Lower { file }.template(&t, super::lower::Lines::Source)),
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
