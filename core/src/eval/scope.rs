//! What names an expression can see. The evaluator only asks a scope; which objects exist
//! (variables, resources, template variables, or none) is the caller's business.

use crate::diag::{Diagnostic, Span};
use crate::value::{Map, Value};

/// Resolves the named objects an expression can refer to.
pub trait Scope {
    /// Resolves `root` followed by the leading attribute names `attrs` (as many as the
    /// root needs: one for `var.x`, two for `data.t.n`). Returns the value and how many
    /// of `attrs` it consumed, or an error message for a diagnostic.
    fn resolve(&self, root: &str, attrs: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic>;

    /// Whether `resolve` of `root` and `attrs` consumes every one of `attrs` and
    /// [`Scope::resolve_element`] may find an element of the result directly.
    fn finds_elements(&self, _root: &str, _attrs: &[(&str, Span)]) -> bool {
        false
    }

    /// The element `key` of what `root` and `attrs` resolve to, without building the
    /// whole collection; `None` to have the caller resolve the whole and index it, which
    /// must then give the same value (or report why there is none).
    fn resolve_element(&self, _root: &str, _attrs: &[(&str, Span)], _key: &Value) -> Option<Value> {
        None
    }
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
