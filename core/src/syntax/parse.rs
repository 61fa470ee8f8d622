//! The entry points from source text to the tree, and the wording of syntax errors, which
//! hcl-edit reports tersely and which users meet first.

use super::ast::{Body, Expr, TemplatePart};
use super::lower::Lower;
use crate::diag::{Diagnostic, FileId, Span};

/// Parses one file into a body. A syntax error becomes a diagnostic pointing at its position.
pub fn parse_file(file: FileId, text: &str) -> Result<Body, Diagnostic> {
    match parse_patched(text, hcl_edit::parser::parse_body) {
        Ok(body) => {
            let lower = Lower::new(file, text);
            let body = lower.body(&body, 0..text.len());
            lower.finish().map(|()| body)
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
    match parse_patched(text, hcl_edit::parser::parse_expr) {
        Ok(expr) => {
            let lower = Lower::new(file, text);
            let expr = lower.expr(&expr);
            lower.finish().map(|()| expr)
        }
        Err(err) => {
            let offset = err.location().offset().min(text.len());
            Err(Diagnostic::error(format!("Syntax error: {}", err.message()), "")
                .at(Span::new(file, offset..next_char_boundary(text, offset))))
        }
    }
}

/// Parses a template (the contents of a file given to `templatefile`).
pub fn parse_template(file: FileId, text: &str) -> Result<Vec<TemplatePart>, Diagnostic> {
    match parse_patched(text, hcl_edit::parser::parse_template) {
        Ok(t) => {
            let lower = Lower::new(file, text);
            let parts = lower.template(&t, super::lower::Lines::Source);
            lower.finish().map(|()| parts)
        }
        Err(err) => {
            let offset = err.location().offset().min(text.len());
            Err(Diagnostic::error(format!("Syntax error in template: {}", err.message()), "")
                .at(Span::new(file, offset..next_char_boundary(text, offset))))
        }
    }
}

/// Most patched literals one parse retries before giving up; each retry reparses the file.
const MAX_PATCHED_LITERALS: usize = 256;

/// Parses `text`, working around hcl-edit's number parser, which refuses a literal that
/// overflows a float (`1e309`, or 400 digits) although Terraform reads it. When the parse
/// fails at such a literal, its digits are replaced by zeros (same length, so every span
/// stays right) and the parse is retried; the lowering reads the literal from the original.
fn parse_patched<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, hcl_edit::parser::Error>,
) -> Result<T, hcl_edit::parser::Error> {
    let mut patched: Option<String> = None;
    for _ in 0..=MAX_PATCHED_LITERALS {
        let current = patched.as_deref().unwrap_or(text);
        let err = match parse(current) {
            Ok(v) => return Ok(v),
            Err(err) => err,
        };
        let Some(range) = overflowing_literal_at(current, err.location().offset()) else { return Err(err) };
        let mut bytes = current.as_bytes().to_vec();
        for b in &mut bytes[range] {
            if b.is_ascii_digit() {
                *b = b'0';
            }
        }
        // Only ASCII digits changed, so the text is still UTF-8.
        patched = Some(String::from_utf8(bytes).map_err(|_| err)?);
    }
    parse(patched.as_deref().unwrap_or(text))
}

/// The number literal that ends at or just before `offset`, when a float cannot hold it.
fn overflowing_literal_at(text: &str, offset: usize) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let is_part = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
    let mut end = offset.min(bytes.len());
    while end < bytes.len() && is_part(bytes[end]) {
        end += 1;
    }
    let mut start = end;
    while start > 0 && is_part(bytes[start - 1]) {
        start -= 1;
    }
    // A literal starts with a digit; a sign before it belongs to an operator.
    while start < end && !bytes[start].is_ascii_digit() {
        start += 1;
    }
    let literal = text.get(start..end)?;
    let overflows = !literal.is_empty() && literal.parse::<f64>().is_ok_and(|f| f.is_infinite());
    overflows.then_some(start..end)
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
