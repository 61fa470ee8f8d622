//! `import` blocks in the plan: which instances of a resource they adopt and by what ID
//! (evaluated when the resource's node comes up, `for_each` included), and the provider's
//! import that reads the object, which the plan then compares with the configuration.

use super::{lock, Planner};
use crate::addr::{InstanceKey, Mode, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use crate::config::{Import, ModuleTree};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::engine::providers::ProviderInstance;
use crate::engine::values::Repetition;
use crate::provider::BlockSchema;
use crate::state::ResourceInstanceState;
use crate::value::Value;

/// One instance an import block adopts.
#[derive(Debug, Clone)]
pub(crate) struct PendingImport {
    pub id: String,
    pub span: Span,
}

/// Import blocks belong to the root module and name a resource it declares.
pub(crate) fn check_import_blocks(tree: &ModuleTree, diags: &mut Diagnostics) {
    for (path, node) in tree.walk() {
        if path.0.is_empty() {
            continue;
        }
        for import in &node.module.imports {
            diags.push(
                Diagnostic::error(
                    "Invalid import block",
                    format!("Import blocks are only allowed in the root module; this one is in {path}. Move it to the root module and address the resource there, e.g. to = {path}.{}.{}.", import.to_type, import.to_name),
                )
                .at(import.span),
            );
        }
    }
    for import in &tree.module.imports {
        let key = (Mode::Managed, import.to_type.clone(), import.to_name.clone());
        let declared = tree.get(&import.to_module.static_path()).is_some_and(|t| t.module.resources.contains_key(&key));
        if !declared {
            diags.push(missing_target(import, &import.target_name()));
        }
    }
}

fn missing_target(import: &Import, addr: &str) -> Diagnostic {
    Diagnostic::error(
        "Configuration for import target does not exist",
        format!("The configuration for the given import target {addr} does not exist. Add a resource block for it, or let Gantry write one with gantry plan -generate-config-out=generated.hcl."),
    )
    .at(import.to_span)
}

impl Planner<'_> {
    /// Evaluates the import blocks that target `raddr`, recording the instances they adopt.
    /// Reports an import to a key the resource does not have.
    pub(super) fn resolve_imports(&self, raddr: &ResourceAddr, keys: &[InstanceKey]) {
        if raddr.mode != Mode::Managed {
            return;
        }
        let ev = &self.ev;
        let root = ModuleInstance::root();
        for import in ev.config.tree.module.imports.iter() {
            if import.to_module != raddr.module || import.to_type != raddr.type_name || import.to_name != raddr.name {
                continue;
            }
            let what = format!("import to {}", raddr);
            let Some(exp) = ev.expansion(&root, None, import.for_each.as_ref(), &what) else { continue };
            for each in exp.keys() {
                let rep = exp.repetition(&each);
                let Some(key) = self.import_key(import, rep.clone()) else { continue };
                let Some(id) = self.import_id(import, rep) else { continue };
                let addr = raddr.instance(key.clone());
                if !keys.contains(&key) {
                    ev.diag(missing_target(import, &addr.to_string()));
                    continue;
                }
                let mut imports = lock(&self.imports);
                if imports.contains_key(&addr) {
                    ev.diag(
                        Diagnostic::error(
                            format!("Duplicate import configuration for \"{addr}\""),
                            "Two import blocks (or two of one block's for_each instances) import to this address. A resource instance can have only one import.",
                        )
                        .at(import.to_span),
                    );
                    continue;
                }
                imports.insert(addr, PendingImport { id, span: import.span });
            }
        }
    }

    fn import_key(&self, import: &Import, rep: Repetition) -> Option<InstanceKey> {
        let Some(expr) = &import.to_key else { return Some(InstanceKey::None) };
        let ev = &self.ev;
        match ev.eval(&ev.values(), &ModuleInstance::root(), rep, expr) {
            Ok(Value::Number(n)) if n.to_i64().is_some_and(|i| i >= 0) => n.to_i64().map(InstanceKey::Int),
            Ok(Value::String(s)) => Some(InstanceKey::Str(s)),
            Ok(_) => {
                ev.diag(
                    Diagnostic::error(
                        "Invalid import address",
                        "The instance key in to must be a whole number or a string known when planning.",
                    )
                    .at(expr.span),
                );
                None
            }
            Err(d) => {
                ev.diag(d);
                None
            }
        }
    }

    fn import_id(&self, import: &Import, rep: Repetition) -> Option<String> {
        let ev = &self.ev;
        let problem = |detail: &str| Diagnostic::error("Invalid import id argument", detail).at(import.id.span);
        match ev.eval(&ev.values(), &ModuleInstance::root(), rep, &import.id) {
            Ok(Value::String(s)) if !s.is_empty() => Some(s),
            Ok(Value::Null) => {
                ev.diag(problem("The import ID cannot be null."));
                None
            }
            Ok(Value::Unknown) => {
                ev.diag(problem("The import block \"id\" argument depends on resource attributes that cannot be determined until apply, so Gantry cannot plan to import this resource."));
                None
            }
            Ok(Value::Sensitive(_)) => {
                ev.diag(problem("The import ID cannot be sensitive: it is shown in the plan."));
                None
            }
            Ok(Value::Number(n)) => Some(Value::Number(n).to_string()),
            Ok(_) => {
                ev.diag(problem("The import ID value is unsuitable: not a string."));
                None
            }
            Err(d) => {
                ev.diag(d);
                None
            }
        }
    }

    /// The object an import block adopts at `addr`, read through the provider and recorded in the
    /// refreshed state, so that apply starts from it. `Ok(None)` when no import block targets `addr`.
    pub(super) async fn import_prior(
        &self,
        addr: &ResourceInstanceAddr,
        res: &crate::config::Resource,
        schema: &BlockSchema,
        provider_key: &str,
        provider: &ProviderInstance,
    ) -> Result<Option<(Value, String)>, ()> {
        let Some(pending) = lock(&self.imports).get(addr).cloned() else { return Ok(None) };
        let request = crate::provider::ImportRequest { type_name: &res.type_name, id: &pending.id };
        let fail = |summary: String, detail: String| {
            self.ev.diag(Diagnostic::error(summary, detail).at(pending.span).with_address(addr));
            Err(())
        };
        let v = match provider.provider.import(request).await {
            Ok(Some(v)) => v,
            Ok(None) => {
                return fail(
                    "Cannot import non-existent remote object".into(),
                    format!("While attempting to import an existing object to \"{addr}\", the provider found no {} with ID \"{}\". Check the ID's format in the provider's documentation.", res.type_name, pending.id),
                )
            }
            Err(e) => return fail(format!("Failed to import {addr}"), format!("{}: {}", e.summary, e.detail)),
        };
        let paths = schema.sensitive_paths(&v);
        let v = v.mark_paths(&paths);
        self.refresh.adopt(ResourceInstanceState {
            address: addr.clone(),
            provider: provider_key.to_string(),
            attributes: v.to_json(),
            sensitive_paths: v.sensitive_paths(),
            dependencies: Vec::new(),
            create_before_destroy: res.lifecycle.create_before_destroy,
            tainted: false,
        });
        Ok(Some((v, pending.id)))
    }

    /// An import to an address state already has: the same object is nothing to do, another is an error.
    pub(super) fn import_already_managed(&self, addr: &ResourceInstanceAddr) -> bool {
        let Some(pending) = lock(&self.imports).get(addr).cloned() else { return true };
        let recorded = self
            .refresh
            .prior
            .get(addr)
            .and_then(|s| s.attributes.get("id").and_then(|v| v.as_str().map(str::to_string)));
        match recorded {
            Some(id) if id != pending.id => {
                self.ev.diag(
                    Diagnostic::error(
                        "Import to an address already managed",
                        format!("{addr} is already in state with ID \"{id}\", but an import block imports ID \"{}\" to it. Remove the import block, or first remove the object from state with gantry state rm {addr}.", pending.id),
                    )
                    .at(pending.span)
                    .with_address(addr),
                );
                false
            }
            _ => true,
        }
    }
}
