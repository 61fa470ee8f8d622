//! Label, argument and literal checks shared by every block decoder, so that the same mistake
//! gets the same message whichever block it is made in.

use crate::diag::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::syntax::{Attribute, Block, Body};
use crate::value::Value;

pub(super) fn check_labels(block: &Block, names: &[&str], diags: &mut Diagnostics) -> bool {
    if block.labels.len() == names.len() {
        return true;
    }
    let expected = if names.is_empty() {
        format!("A {} block has no labels.", block.kind)
    } else {
        let shown: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        format!(
            "A {} block needs {} label(s): {}, e.g. {} {} {{ ... }}.",
            block.kind,
            names.len(),
            names.join(", "),
            block.kind,
            shown.join(" ")
        )
    };
    let summary =
        if block.labels.len() < names.len() { "Missing name for block" } else { "Extraneous label for block" };
    diags.push(Diagnostic::error(summary, expected).at(block.header_span()));
    false
}

pub(super) fn duplicate(what: &str, name: &str, span: Span, _previous: Span) -> Diagnostic {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "An" } else { "A" };
    Diagnostic::error(
        format!("Duplicate {what}"),
        format!("{article} {what} named \"{name}\" was already declared. Names must be unique within a module: rename or remove one of them."),
    )
    .at(span)
}

pub(super) fn unexpected_block(block: &Block, parent: &str) -> Diagnostic {
    Diagnostic::error(
        "Unsupported block type",
        format!("Blocks of type \"{}\" are not expected in {} {parent} block.", block.kind, article(parent)),
    )
    .at(block.kind_span)
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Checks a body against the arguments and block types a Gantry block allows.
pub(super) fn check_body(body: &Body, parent: &str, attrs: &[&str], blocks: &[&str], diags: &mut Diagnostics) {
    for attr in &body.attributes {
        if !attrs.contains(&attr.name.as_str()) {
            let hint = did_you_mean(&attr.name, attrs.iter().copied());
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{}\" is not expected in {} {parent} block.{hint}",
                        attr.name,
                        article(parent)
                    ),
                )
                .at(attr.name_span),
            );
        }
    }
    for block in &body.blocks {
        if !blocks.contains(&block.kind.as_str()) {
            let hint = did_you_mean(&block.kind, blocks.iter().copied());
            diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!(
                        "Blocks of type \"{}\" are not expected in {} {parent} block.{hint}",
                        block.kind,
                        article(parent)
                    ),
                )
                .at(block.kind_span),
            );
        }
    }
}

/// Reads an argument that must be a literal (no references), like `sensitive = true`.
fn literal(attr: &Attribute, diags: &mut Diagnostics) -> Option<Value> {
    match crate::eval::eval_constant(&attr.expr) {
        Ok(v) => Some(v),
        Err(_) => {
            diags.push(
                Diagnostic::error(
                    "Invalid value",
                    format!("\"{}\" must be a literal value; it cannot refer to variables or resources.", attr.name),
                )
                .at(attr.expr.span),
            );
            None
        }
    }
}

pub(super) fn literal_bool(body: &Body, name: &str, diags: &mut Diagnostics) -> bool {
    let Some(attr) = body.attribute(name) else { return false };
    match literal(attr, diags) {
        Some(Value::Bool(b)) => b,
        Some(other) => {
            diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!("\"{name}\" must be true or false, not {}.", other.type_name()),
                )
                .at(attr.expr.span),
            );
            false
        }
        None => false,
    }
}

pub(super) fn literal_string(body: &Body, name: &str, diags: &mut Diagnostics) -> Option<String> {
    let attr = body.attribute(name)?;
    match literal(attr, diags)? {
        Value::String(s) => Some(s),
        other => {
            diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!("\"{name}\" must be a string, not {}.", other.type_name()),
                )
                .at(attr.expr.span),
            );
            None
        }
    }
}
