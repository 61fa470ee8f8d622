//! `moved` blocks: renames applied to state before planning, so that renaming a
//! resource or module in the configuration moves its objects instead of
//! destroying and recreating them.

use crate::addr::{InstanceKey, ModuleInstance, ResourceInstanceAddr};
use crate::config::ModuleTree;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::state::State;
use crate::syntax::{RefStep, Reference};
use crate::value::Value;

/// One side of a move, relative to the module that declares it.
#[derive(Debug, Clone, PartialEq)]
enum Endpoint {
    Resource { type_name: String, name: String, key: Option<InstanceKey> },
    Module { name: String, key: Option<InstanceKey> },
}

fn key_of(step: Option<&RefStep>) -> Result<Option<InstanceKey>, ()> {
    match step {
        None => Ok(None),
        Some(RefStep::Index(Value::Number(n), _)) if n.to_i64().is_some() => Ok(n.to_i64().map(InstanceKey::Int)),
        Some(RefStep::Index(Value::String(s), _)) => Ok(Some(InstanceKey::Str(s.clone()))),
        _ => Err(()),
    }
}

fn endpoint(r: &Reference) -> Option<Endpoint> {
    if r.root == "module" {
        let (name, _) = r.attr(0)?;
        let key = key_of(r.steps.get(1)).ok()?;
        if r.steps.len() > if key.is_some() { 2 } else { 1 } {
            return None;
        }
        return Some(Endpoint::Module { name: name.to_string(), key });
    }
    if r.root == "data" {
        return None;
    }
    let (name, _) = r.attr(0)?;
    let key = key_of(r.steps.get(1)).ok()?;
    if r.steps.len() > if key.is_some() { 2 } else { 1 } {
        return None;
    }
    Some(Endpoint::Resource { type_name: r.root.clone(), name: name.to_string(), key })
}

/// Rewrites `addr` if it matches `from` inside module instance `mi`.
fn rewrite(
    addr: &ResourceInstanceAddr,
    mi: &ModuleInstance,
    from: &Endpoint,
    to: &Endpoint,
) -> Option<ResourceInstanceAddr> {
    let r = &addr.resource;
    match (from, to) {
        (Endpoint::Resource { type_name, name, key }, Endpoint::Resource { type_name: t2, name: n2, key: k2 }) => {
            if &r.module != mi || &r.type_name != type_name || &r.name != name || r.mode != crate::addr::Mode::Managed {
                return None;
            }
            if key.as_ref().is_some_and(|k| *k != addr.key) {
                return None;
            }
            let mut out = addr.clone();
            out.resource.type_name = t2.clone();
            out.resource.name = n2.clone();
            if key.is_some() || k2.is_some() {
                out.key = k2.clone().unwrap_or_default();
            }
            Some(out)
        }
        (Endpoint::Module { name, key }, Endpoint::Module { name: n2, key: k2 }) => {
            let depth = mi.0.len();
            let step = r.module.0.get(depth)?;
            if r.module.0[..depth] != mi.0[..] || &step.name != name || key.as_ref().is_some_and(|k| *k != step.key) {
                return None;
            }
            let mut out = addr.clone();
            out.resource.module.0[depth].name = n2.clone();
            if key.is_some() || k2.is_some() {
                out.resource.module.0[depth].key = k2.clone().unwrap_or_default();
            }
            Some(out)
        }
        _ => None,
    }
}

/// Applies every `moved` block to a copy of the state. Returns the moved state and
/// the moves made, as (from, to) addresses.
pub fn apply_moves(tree: &ModuleTree, state: &State, diags: &mut Diagnostics) -> (State, Vec<(String, String)>) {
    let mut out = state.clone();
    let mut moves = Vec::new();
    for (path, node) in tree.walk() {
        for m in &node.module.moved {
            let (Some(from), Some(to)) = (endpoint(&m.from), endpoint(&m.to)) else {
                diags.push(invalid(m.span, "from and to must both name a resource (TYPE.NAME, optionally indexed) or a module call (module.NAME)."));
                continue;
            };
            if std::mem::discriminant(&from) != std::mem::discriminant(&to) {
                diags.push(invalid(
                    m.span,
                    "A resource can only move to a resource, and a module call to a module call.",
                ));
                continue;
            }
            // The block applies in every instance of the module that declares it.
            let instances: std::collections::BTreeSet<ModuleInstance> = out
                .resources
                .iter()
                .filter_map(|r| {
                    let steps = r.address.resource.module.0.get(..path.0.len())?;
                    let mi = ModuleInstance(steps.to_vec());
                    (mi.static_path() == path).then_some(mi)
                })
                .collect();
            for mi in instances {
                let renames: Vec<(ResourceInstanceAddr, ResourceInstanceAddr)> = out
                    .resources
                    .iter()
                    .filter_map(|r| rewrite(&r.address, &mi, &from, &to).map(|new| (r.address.clone(), new)))
                    .collect();
                for (old, new) in renames {
                    if out.get(&new).is_some() {
                        diags.push(Diagnostic::warning(
                            "Moved object still exists",
                            format!("{old} was not moved to {new}, because {new} is already in state. Remove one of them, or the moved block."),
                        ).at(m.span));
                        continue;
                    }
                    if let Some(mut r) = out.remove(&old) {
                        r.address = new.clone();
                        out.set(r);
                        moves.push((old.to_string(), new.to_string()));
                    }
                }
            }
        }
    }
    (out, moves)
}

fn invalid(span: Span, detail: &str) -> Diagnostic {
    Diagnostic::error("Invalid moved block", detail).at(span)
}
