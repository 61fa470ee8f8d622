//! Provider instances of one run: evaluating a provider block, configuring the
//! provider on first use, and configuring providers from state when no
//! configuration walk reaches them (destroy, and deletes of orphans).
//!
//! A provider is configured on first use, not when its block is evaluated: a provider
//! whose resources all expand to zero instances (a module's AWS variant of a node pool
//! on a `local` platform) is never configured, so it needs no region or credentials.

use super::evaluate::Evaluation;
use super::values::{Expansion, Repetition};
use crate::addr::{InstanceKey, ModuleInstance, ModulePath};
use crate::config::Resource;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::eval::Evaluator;
use crate::provider::{ConfigureRequest, Provider};
use crate::state::State;
use crate::value::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

pub(crate) struct ProviderInstance {
    pub provider: Box<dyn Provider>,
    pub name: String,
    /// Its configuration, or none when it was not known (at plan time, it waits on a
    /// resource of this run; its resources are then planned from schema alone) or invalid.
    config: Option<Value>,
    block_span: Option<Span>,
    /// Where each argument path of the block is, so a configure error lands on its argument.
    body: Option<crate::syntax::Body>,
    configured: tokio::sync::OnceCell<bool>,
}

#[derive(Default)]
pub(crate) struct Providers {
    instances: RwLock<HashMap<String, Arc<ProviderInstance>>>,
}

pub(crate) fn provider_key(name: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("{name}.{a}"),
        None => name.to_string(),
    }
}

impl Providers {
    pub fn get(&self, key: &str) -> Option<Arc<ProviderInstance>> {
        self.instances.read().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    /// The provider configuration a resource uses, by its `provider` argument or its type's prefix.
    pub fn key_for(ev: &Evaluation<'_>, res: &Resource) -> String {
        let names: Vec<&str> = ev.settings.registry.names().collect();
        match &res.provider {
            Some((name, alias, _)) => provider_key(name, alias.as_deref()),
            None => crate::graph::implied_provider(&res.type_name, &names),
        }
    }

    /// Evaluates a provider's block (or its empty configuration) and keeps the instance; false on an error.
    pub fn visit(&self, ev: &Evaluation<'_>, name: &str, alias: Option<&str>) -> bool {
        let root_providers = &ev.config.tree.module.providers;
        let Some(factory) = ev.settings.registry.get(name) else {
            if let Some(p) = root_providers.iter().find(|p| p.name == name) {
                let names: Vec<&str> = ev.settings.registry.names().collect();
                let hint = ev
                    .settings
                    .registry
                    .left_out_hint(name)
                    .unwrap_or_else(|| crate::diag::did_you_mean(name, names.iter().copied()));
                ev.diag(
                    Diagnostic::error(
                        "Unknown provider",
                        format!("Gantry has no provider named \"{name}\".{hint} Available: {}.", names.join(", ")),
                    )
                    .at(p.name_span),
                );
                return false;
            }
            return true;
        };
        let provider = factory.instantiate();
        let block = root_providers.iter().find(|p| p.name == name && p.alias.as_deref() == alias);
        let config_value = match block {
            Some(b) => {
                let values = ev.values();
                let root = ModuleInstance::root();
                let scope = ev.scope(&values, &root, Repetition::None);
                let dir = scope.module_dir.clone();
                let mut evaluator = Evaluator::new(&scope, &dir, Some(&ev.config.sources));
                let mut diags = Diagnostics::default();
                let what = format!("provider \"{name}\"");
                let v = super::decode::decode_body(
                    &b.body,
                    b.span,
                    &provider.schema().provider,
                    &what,
                    &mut evaluator,
                    &mut diags,
                );
                if !ev.report(diags) {
                    return false;
                }
                v
            }
            None => super::decode::decode_body(
                &crate::syntax::Body::empty(Span::default()),
                Span::default(),
                &provider.schema().provider,
                "",
                &mut Evaluator::new(&crate::eval::EmptyScope, Path::new("."), None),
                &mut Diagnostics::default(),
            ),
        };
        let config = (!ev.validating && !config_value.contains_unknown()).then_some(config_value);
        let instance = ProviderInstance {
            provider,
            name: name.to_string(),
            config,
            block_span: block.map(|b| b.span),
            body: block.map(|b| b.body.clone()),
            configured: tokio::sync::OnceCell::new(),
        };
        self.instances.write().unwrap_or_else(|e| e.into_inner()).insert(provider_key(name, alias), Arc::new(instance));
        true
    }

    /// Whether the provider can be called: configures it the first time it is asked
    /// (reporting a failure once), false when its configuration is unknown or invalid.
    /// `user` locates the error when there is no provider block: the first resource that needed it.
    pub async fn ready(&self, ev: &Evaluation<'_>, p: &ProviderInstance, user: Option<Span>) -> bool {
        let Some(config) = p.config.as_ref() else { return false };
        *p.configured
            .get_or_init(|| async {
                let request = ConfigureRequest {
                    config: config.clone().deep_unmarked(),
                    working_dir: ev.settings.working_dir.clone(),
                };
                match p.provider.configure(request).await {
                    Ok(()) => {
                        tracing::debug!(provider = %p.name, "provider configured");
                        true
                    }
                    Err(e) => {
                        let e = e.scrubbed([config]);
                        ev.diag(
                            Diagnostic::error(
                                format!("Failed to configure provider \"{}\"", p.name),
                                format!("{}: {}", e.summary, e.detail),
                            )
                            .at_opt(at_argument(p, &e).or(p.block_span).or(user)),
                        );
                        false
                    }
                }
            })
            .await
    }

    /// Providers for resources in state that no configuration walk set up (destroy, orphans).
    /// Their blocks are evaluated against state and the run's root inputs (a region, an endpoint).
    pub fn visit_from_state(&self, ev: &Evaluation<'_>, state: &State) -> bool {
        let keys: BTreeSet<String> = state.resources.iter().map(|r| r.provider.clone()).collect();
        let missing: Vec<String> = keys.into_iter().filter(|k| self.get(k).is_none()).collect();
        if missing.is_empty() {
            return true;
        }
        seed_values_from_state(ev, state);
        let mut ok = evaluate_root_variables(ev);
        for key in missing {
            let (name, alias) = match key.split_once('.') {
                Some((n, a)) => (n.to_string(), Some(a.to_string())),
                None => (key.clone(), None),
            };
            ok &= self.visit(ev, &name, alias.as_deref());
        }
        ok
    }
}

/// The argument a configure error names, in the provider block.
fn at_argument(p: &ProviderInstance, e: &crate::provider::ProviderError) -> Option<Span> {
    super::planner::instance::span_of_path(p.body.as_ref()?, e.path.as_deref()?)
}

/// Evaluates the root variables no walk evaluated yet, for provider blocks evaluated outside a walk.
pub(crate) fn evaluate_root_variables(ev: &Evaluation<'_>) -> bool {
    let root = ModulePath::root();
    let unseen: Vec<String> = {
        let values = ev.values();
        let seen = values.vars.get(&ModuleInstance::root());
        ev.module(&root)
            .variables
            .keys()
            .filter(|v| !seen.is_some_and(|m| m.contains_key(v.as_str())))
            .cloned()
            .collect()
    };
    let mut ok = true;
    for var in unseen {
        ok &= ev.visit_variable(&root, &var);
    }
    ok
}

/// Makes state's resource values visible to expressions when no walk produced them.
pub(crate) fn seed_values_from_state(ev: &Evaluation<'_>, state: &State) {
    let mut values = ev.values_mut();
    if !values.resource_instances.is_empty() {
        return;
    }
    for r in &state.resources {
        let a = &r.address.resource;
        let key = (a.module.clone(), a.mode, a.type_name.clone(), a.name.clone());
        let exp = match &r.address.key {
            InstanceKey::None => Expansion::Single,
            InstanceKey::Int(_) => Expansion::Count(0),
            InstanceKey::Str(_) => Expansion::ForEach(Vec::new()),
        };
        let entry = values.resource_expansions.entry(key.clone()).or_insert(exp);
        match (entry, &r.address.key) {
            (Expansion::Count(n), InstanceKey::Int(i)) => *n = (*n).max(*i as usize + 1),
            (Expansion::ForEach(items), InstanceKey::Str(s)) => items.push((s.clone(), Value::Null)),
            _ => {}
        }
        values.resource_instances.entry(key).or_default().insert(r.address.key.clone(), r.value());
    }
}
