//! Recovery: resolves the intents a killed or cancelled run left in the journal,
//! before anything is planned on top of them.
//!
//! A pending create may or may not have made its object. Each is looked up with
//! the provider's [`Provider::find`](crate::provider::Provider::find), by the
//! identity recorded before the create started: found, it is adopted into state;
//! not found, the intent is dropped. Providers can be configured from other
//! resources (a Kubernetes provider from a cluster's endpoint), so recovery walks
//! the configuration as a targeted plan walks what it does not target: every
//! resource's value is what state records (adopted objects included), and each
//! resource's pending creates are looked up when its node comes up.

use super::evaluate::Evaluation;
use super::providers::Providers;
use super::walk::{self, ResourceNode};
use super::{Config, PlanOptions, WalkSettings};
use crate::addr::Mode;
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::{Plan, Recovered, RecoveryOutcome};
use crate::provider::FindRequest;
use crate::state::{Intent, Journaled, Operation, ResourceInstanceState, State, StateError, StateStore};
use crate::value::Value;
use petgraph::graph::NodeIndex;
use std::sync::Mutex;

/// The state recovery leaves, the intents it could not resolve, and what it did.
pub struct Recovery {
    pub state: State,
    pub pending: Vec<Intent>,
    pub recovered: Vec<Recovered>,
    pub diags: Diagnostics,
}

struct Walker<'a> {
    ev: Evaluation<'a>,
    providers: Providers,
    state: Mutex<State>,
    pending: Mutex<Vec<Intent>>,
    recovered: Mutex<Vec<Recovered>>,
    /// Intents that got a warning of their own.
    warned: Mutex<std::collections::HashSet<String>>,
    /// The resources (per module instance) the walk expanded.
    visited: Mutex<std::collections::HashSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Resolves `journaled.pending`, those of resources the configuration no longer declares
/// included. Intents whose provider cannot be configured or reached stay pending with a warning.
pub async fn recover(config: &Config, settings: &WalkSettings<'_>, journaled: Journaled) -> Recovery {
    let walker = Walker {
        ev: Evaluation::new(config, settings, false),
        providers: Providers::default(),
        state: Mutex::new(journaled.state),
        pending: Mutex::new(journaled.pending),
        recovered: Mutex::new(Vec::new()),
        warned: Mutex::new(Default::default()),
        visited: Mutex::new(Default::default()),
    };
    super::walk::walk(&walker.ev, &walker.providers, |n| walker.visit_resource(n)).await;
    walker.resolve_removed().await;
    let unresolved = lock(&walker.pending).clone();
    let warned = lock(&walker.warned).clone();
    for intent in unresolved.iter().filter(|i| !warned.contains(&i.id)) {
        walker.ev.diag(
            Diagnostic::warning(
                format!("Unresolved change of {} from an interrupted run", intent.address),
                format!(
                    "An earlier run started to {} {} and was stopped before it recorded the result, and Gantry could not find out what happened ({}). The intent stays in the journal and the next run tries again; check the object in the cloud if this persists.",
                    verb(intent.operation),
                    intent.address,
                    "its provider could not be configured or reached"
                ),
            )
            .with_address(&intent.address),
        );
    }
    let diags = walker.ev.take_diags();
    Recovery {
        state: walker.state.into_inner().unwrap_or_else(|e| e.into_inner()),
        pending: unresolved,
        recovered: walker.recovered.into_inner().unwrap_or_else(|e| e.into_inner()),
        diags,
    }
}

fn verb(op: Operation) -> &'static str {
    match op {
        Operation::Create => "create",
        Operation::Update => "update",
        Operation::Delete => "delete",
        Operation::DeleteReplaced => "delete the replaced object of",
    }
}

impl Walker<'_> {
    /// Creates of resources the configuration no longer declares, which the walk did not
    /// visit. The object may exist, so it is looked up with the provider configuration the
    /// intent names (set up as for orphans in state); one found is adopted, and the plan
    /// then deletes it as no longer configured, so a removed resource does not leak.
    async fn resolve_removed(&self) {
        let removed: Vec<Intent> = {
            let warned = lock(&self.warned);
            lock(&self.pending)
                .iter()
                .filter(|i| i.operation == Operation::Create && !warned.contains(&i.id))
                .filter(|i| !lock(&self.visited).contains(&i.address.resource.to_string()))
                .cloned()
                .collect()
        };
        if removed.is_empty() {
            return;
        }
        let mut providers_of = lock(&self.state).clone();
        for intent in &removed {
            if providers_of.get(&intent.address).is_none() {
                providers_of.set(ResourceInstanceState {
                    address: intent.address.clone(),
                    provider: intent.provider.clone(),
                    attributes: intent.object.clone(),
                    sensitive_paths: intent.sensitive_paths.clone(),
                    dependencies: Vec::new(),
                    create_before_destroy: false,
                    tainted: false,
                });
            }
        }
        self.providers.visit_from_state(&self.ev, &providers_of);
        for intent in removed {
            let Some(provider) = self.providers.get(&intent.provider) else { continue };
            if self.providers.ready(&self.ev, &provider, None).await {
                self.resolve(&*provider.provider, &intent).await;
            }
        }
    }

    async fn visit_resource(&self, n: NodeIndex) {
        let ev = &self.ev;
        let Some(node) = ResourceNode::of(ev.config, n) else { return };
        let res = node.res;
        let provider = self.providers.get(&Providers::key_for(ev, res));
        // Collected first: the values lock must not be held while expansions are stored.
        let instances = ev.values().instances_of(node.path);
        for mi in instances {
            let raddr = node.addr(&mi);
            let Some(exp) = ev.expansion(&mi, res.count.as_ref(), res.for_each.as_ref(), &raddr.to_string()) else {
                continue;
            };
            walk::store_expansion(ev, &raddr, exp.clone());
            lock(&self.visited).insert(raddr.to_string());
            if node.mode == Mode::Managed {
                let mine: Vec<Intent> =
                    lock(&self.pending).iter().filter(|p| p.address.resource == raddr).cloned().collect();
                if let Some(provider) = provider.as_deref().filter(|_| !mine.is_empty()) {
                    if self.providers.ready(ev, provider, Some(res.header_span)).await {
                        for intent in mine {
                            self.resolve(&*provider.provider, &intent).await;
                        }
                    }
                }
            }
            let state = lock(&self.state);
            let values: Vec<_> = exp
                .keys()
                .into_iter()
                .map(|k| {
                    let addr = raddr.instance(k.clone());
                    (k, state.get(&addr).map(|s| s.value()).unwrap_or(Value::Unknown))
                })
                .collect();
            drop(state);
            walk::store_values(ev, &raddr, values);
        }
    }

    async fn resolve(&self, provider: &dyn crate::provider::Provider, intent: &Intent) {
        let addr = &intent.address;
        let type_name = addr.resource.type_name.as_str();
        let object = Value::from_json(&intent.object).mark_paths(&intent.sensitive_paths);
        let outcome = match intent.operation {
            Operation::Create => {
                let found = provider
                    .find(FindRequest {
                        type_name,
                        identity: &intent.identity,
                        planned: &object.clone().deep_unmarked(),
                    })
                    .await;
                match found {
                    Ok(Some(found)) => self.adopt(intent, found),
                    Ok(None) => Some(RecoveryOutcome::NotCreated),
                    Err(e) => return self.unreachable(intent, &format!("{}: {}", e.summary, e.detail)),
                }
            }
            Operation::DeleteReplaced => {
                let read = provider
                    .read(crate::provider::ReadRequest { type_name, state: &object.clone().deep_unmarked() })
                    .await;
                match read {
                    Ok(None) => Some(RecoveryOutcome::ReplacedGone),
                    // It stays pending: the plan destroys it as a deposed object.
                    Ok(Some(v)) => {
                        let id = v.get("id").and_then(|i| i.as_str()).map(str::to_string);
                        lock(&self.recovered).push(Recovered {
                            address: addr.clone(),
                            outcome: RecoveryOutcome::ReplacedRemains,
                            id,
                        });
                        lock(&self.warned).insert(intent.id.clone());
                        return;
                    }
                    Err(e) => return self.unreachable(intent, &format!("{}: {}", e.summary, e.detail)),
                }
            }
            // State still holds the object as it was before; refresh reads what it is now.
            Operation::Update | Operation::Delete => None,
        };
        lock(&self.pending).retain(|p| p.id != intent.id);
        if let Some(outcome) = outcome {
            if outcome != RecoveryOutcome::Adopted {
                lock(&self.recovered).push(Recovered { address: addr.clone(), outcome, id: None });
            }
        }
    }

    fn adopt(&self, intent: &Intent, found: Value) -> Option<RecoveryOutcome> {
        let addr = &intent.address;
        let schema = self.ev.settings.registry.type_schema(Mode::Managed, &addr.resource.type_name);
        let mut paths = intent.sensitive_paths.clone();
        if let Some(schema) = schema {
            paths.extend(schema.sensitive_paths(&found));
        }
        let value = found.mark_paths(&paths);
        let id = value.get("id").and_then(|i| i.as_str()).map(str::to_string);
        let instance = ResourceInstanceState {
            address: addr.clone(),
            provider: intent.provider.clone(),
            attributes: value.to_json(),
            sensitive_paths: value.sensitive_paths(),
            dependencies: intent.dependencies.clone(),
            create_before_destroy: intent.create_before_destroy,
            tainted: false,
        };
        let mut state = lock(&self.state);
        // A create-before-destroy replacement adopted over the object it replaces: that one
        // must still be deleted, so it is carried as the delete the run did not get to.
        if let Some(replaced) = state.get(addr).filter(|_| intent.create_before_destroy).cloned() {
            lock(&self.pending).push(Intent {
                id: format!("{}-replaced", intent.id),
                address: addr.clone(),
                operation: Operation::DeleteReplaced,
                provider: replaced.provider.clone(),
                identity: serde_json::Value::Null,
                object: replaced.attributes.clone(),
                sensitive_paths: replaced.sensitive_paths.clone(),
                dependencies: replaced.dependencies.clone(),
                create_before_destroy: true,
            });
        }
        state.set(instance);
        drop(state);
        lock(&self.recovered).push(Recovered { address: addr.clone(), outcome: RecoveryOutcome::Adopted, id });
        None
    }

    fn unreachable(&self, intent: &Intent, why: &str) {
        lock(&self.warned).insert(intent.id.clone());
        self.ev.diag(
            Diagnostic::warning(
                format!("Could not look up {} after an interrupted run", intent.address),
                format!(
                    "An earlier run started to {} {} and was stopped before it recorded the result; looking for the object failed: {why}. The intent stays in the journal and the next run tries again.",
                    verb(intent.operation),
                    intent.address
                ),
            )
            .with_address(&intent.address),
        );
    }
}

/// Plans against what `store` holds, resolving first what an interrupted run left
/// pending. Recovery's result is committed (with the caller holding the lock)
/// before planning, so a saved plan is made against the recovered state.
pub async fn plan_stored(
    config: &Config,
    settings: &WalkSettings<'_>,
    store: &dyn StateStore,
    mut opts: PlanOptions,
) -> Result<(Option<Plan>, Diagnostics), StateError> {
    let journaled = store.read_journaled()?.unwrap_or_else(|| Journaled::new(State::new()));
    let mut pending = Vec::new();
    let mut diags = Diagnostics::default();
    let mut recovered = Vec::new();
    let state = if journaled.pending.is_empty() {
        if journaled.records > 0 {
            // A run that finished its changes but not its compaction (a full disk): fold its
            // journal in now, so the snapshot alone is the state again. The serial is the
            // replayed one, so a plan saved against it stays valid.
            store.commit(&journaled.state, &[])?;
        }
        journaled.state
    } else {
        let r = recover(config, settings, journaled).await;
        diags.extend(r.diags);
        let mut state = r.state;
        state.serial += 1;
        store.commit(&state, &r.pending)?;
        recovered = r.recovered;
        match store.read_journaled()? {
            Some(j) => {
                pending = j.pending;
                j.state
            }
            None => state,
        }
    };
    opts.deposed = pending.into_iter().filter(|i| i.operation == Operation::DeleteReplaced).collect();
    let (plan, plan_diags) = super::plan(config, settings, &state, opts).await;
    diags.extend(plan_diags);
    diags.sort();
    Ok((
        plan.map(|mut p| {
            p.recovered = recovered;
            p
        }),
        diags,
    ))
}
