//! Decoding `check` blocks: assertions about the infrastructure as a whole, with at most one
//! data source scoped to the check.

use super::checks::{check_body, check_labels, duplicate};
use super::model::{Assertion, Check, Module};
use crate::addr::Mode;
use crate::diag::{Diagnostic, Diagnostics};
use crate::syntax::Block;

pub(super) fn decode_check(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    check_body(&block.body, "check", &[], &["data", "assert"], diags);
    let mut asserts = Vec::new();
    for a in block.body.blocks_of("assert") {
        check_labels(a, &[], diags);
        check_body(&a.body, "assert", &["condition", "error_message"], &[], diags);
        match (a.body.attribute("condition"), a.body.attribute("error_message")) {
            (Some(c), Some(m)) => asserts.push(Assertion { condition: c.expr.clone(), error_message: m.expr.clone() }),
            _ => diags.push(
                Diagnostic::error("Incomplete assert block", "An assert block needs both condition and error_message.")
                    .at(a.kind_span),
            ),
        }
    }
    if asserts.is_empty() && block.body.blocks_of("assert").next().is_none() {
        diags.push(
            Diagnostic::error("Zero assert blocks", "Check blocks must have at least one assert block.")
                .at(block.header_span()),
        );
    }
    let mut data = None;
    for d in block.body.blocks_of("data") {
        if data.is_some() {
            diags.push(
                Diagnostic::error(
                    "Multiple data blocks",
                    "A check block has at most one data block; split the checks into several check blocks.",
                )
                .at(d.kind_span),
            );
            continue;
        }
        let mut scratch = scratch_module(module);
        super::resources::decode_resource(d, Mode::Data, &mut scratch, diags);
        data = scratch.resources.into_values().next();
    }
    if let Some(prev) = module.checks.iter().find(|c| c.name == name) {
        diags.push(duplicate("check block", &name, block.header_span(), prev.span));
        return;
    }
    module.checks.push(Check { name, data, asserts, span: block.header_span() });
}

/// An empty module to decode a scoped data source into, so it never joins the module's own.
fn scratch_module(module: &Module) -> Module {
    Module::empty(module.dir.clone())
}
