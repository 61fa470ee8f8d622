//! Variable assignment files (`*.vars.hcl`). They hold constants only and are not part of the
//! module, so they are read apart from its configuration files.

use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use crate::value::Value;
use indexmap::IndexMap;
use std::collections::BTreeSet;
use std::path::Path;

/// The name of the file whose variable assignments are loaded automatically.
pub const AUTO_VARS_FILE: &str = "gantry.vars.hcl";

/// Reads variable assignments from a `.vars.hcl` file: `name = value` lines.
///
/// `sensitive` names the variables declared sensitive. When there are any, the
/// file's lines are withheld from diagnostics (a syntax error cannot say which
/// variable its line sets), and a value for one of them that cannot be read is
/// reported without the evaluator's detail, which may quote it.
pub fn load_vars_file(
    path: &Path,
    sources: &SourceMap,
    sensitive: &BTreeSet<String>,
    diags: &mut Diagnostics,
) -> IndexMap<String, (Value, Span)> {
    let mut out = IndexMap::new();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(err) => {
            diags.push(Diagnostic::error("Cannot read variables file", format!("{}: {err}", path.display())));
            return out;
        }
    };
    let file =
        if sensitive.is_empty() { sources.add(path, text.clone()) } else { sources.add_withheld(path, text.clone()) };
    let body = match crate::syntax::parse_file(file, &text) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return out;
        }
    };
    for block in &body.blocks {
        diags.push(
            Diagnostic::error(
                "Unexpected block in variables file",
                "A variables file only holds assignments: name = value.",
            )
            .at(block.kind_span),
        );
    }
    for attr in &body.attributes {
        match crate::eval::eval_constant(&attr.expr) {
            Ok(v) => {
                out.insert(attr.name.clone(), (v, attr.name_span));
            }
            Err(d) if sensitive.contains(&attr.name) => diags.push(Diagnostic {
                detail: format!(
                    "The value for the sensitive variable \"{}\" must be a literal value, such as \"text\", 3 or [\"a\"]. The details are not shown, because they would quote the value.",
                    attr.name
                ),
                ..d
            }),
            Err(d) => diags.push(d),
        }
    }
    out
}
