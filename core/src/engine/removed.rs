//! `removed` blocks: which objects that left the configuration leave state without being
//! destroyed (`lifecycle { destroy = false }`), and the rule that what a removed block names
//! is no longer declared.

use crate::addr::{ModulePath, ResourceInstanceAddr};
use crate::config::{ModuleTree, Removed};
use crate::diag::{Diagnostic, Diagnostics};

/// The address a removed block names, from the root: `module.a.aws_x.y`, `module.a`.
fn full_address(path: &ModulePath, removed: &Removed) -> String {
    let mut parts: Vec<String> = path.0.iter().map(|m| format!("module.{m}")).collect();
    let mut local = removed.from.root.clone();
    for i in 0..removed.from.steps.len() {
        if let Some((name, _)) = removed.from.attr(i) {
            local.push('.');
            local.push_str(name);
        }
    }
    parts.push(local);
    parts.join(".")
}

/// The removed block that covers a state instance, if any.
pub(crate) fn removed_for<'t>(tree: &'t ModuleTree, addr: &ResourceInstanceAddr) -> Option<&'t Removed> {
    let name = super::walk::static_name(addr);
    tree.walk().into_iter().find_map(|(path, node)| {
        node.module.removed.iter().find(|r| {
            let full = full_address(&path, r);
            name == full || name.starts_with(&format!("{full}."))
        })
    })
}

/// A removed block whose resource or module call is still declared is an error, as in Terraform.
pub(crate) fn check_removed(tree: &ModuleTree, diags: &mut Diagnostics) {
    for (path, node) in tree.walk() {
        for r in &node.module.removed {
            let full = full_address(&path, r);
            let mut tokens = vec![r.from.root.as_str()];
            tokens.extend((0..r.from.steps.len()).filter_map(|i| r.from.attr(i).map(|(n, _)| n)));
            let mut modules = Vec::new();
            let mut rest = tokens.as_slice();
            while let ["module", name, tail @ ..] = rest {
                modules.push(*name);
                rest = tail;
            }
            let (declared, what) = match rest {
                [] => {
                    let call = modules.pop().unwrap_or_default();
                    let p = modules.iter().fold(path.clone(), |p, m| p.child(m));
                    (tree.get(&p).is_some_and(|t| t.module.module_calls.contains_key(call)), "module")
                }
                [t, n] => {
                    let p = modules.iter().fold(path.clone(), |p, m| p.child(m));
                    let key = (crate::addr::Mode::Managed, t.to_string(), n.to_string());
                    (tree.get(&p).is_some_and(|tr| tr.module.resources.contains_key(&key)), "resource")
                }
                _ => (false, "resource"),
            };
            if declared {
                diags.push(
                    Diagnostic::error(
                        format!("Removed {what} still exists"),
                        format!("This statement declares that {full} was removed, but it is still declared in configuration. Remove the {what} block, or the removed block."),
                    )
                    .at(r.span),
                );
            }
        }
    }
}
