//! Checking module call arguments against the called module's variables. This needs both
//! modules loaded, so it runs on the finished tree rather than while decoding one file.

use super::model::ModuleTree;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};

/// Checks the inputs of every module call against the child module's variables.
pub fn check_module_inputs(tree: &ModuleTree, diags: &mut Diagnostics) {
    for (_, node) in tree.walk() {
        for call in node.module.module_calls.values() {
            let Some(child) = node.children.get(&call.name) else { continue };
            for (name, attr) in &call.inputs {
                if !child.module.variables.contains_key(name) {
                    let hint = did_you_mean(name, child.module.variables.keys().map(String::as_str));
                    diags.push(
                        Diagnostic::error(
                            "Unsupported argument",
                            format!("Module \"{}\" has no input variable named \"{name}\".{hint}", call.name),
                        )
                        .at(attr.name_span),
                    );
                }
            }
            for (name, var) in &child.module.variables {
                if var.default.is_none() && !call.inputs.contains_key(name) {
                    diags.push(
                        Diagnostic::error(
                            "Missing required argument",
                            format!("The input variable \"{name}\" of module \"{}\" has no default, so this call must set it: {name} = ...", call.name),
                        )
                        .at(call.header_span),
                    );
                }
            }
        }
    }
}
