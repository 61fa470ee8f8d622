//! One side effect of the plan: a create, an update, a delete, or one half of
//! a replacement. Creates and updates re-evaluate the instance's configuration
//! with the values now known, ask the provider for its final plan, hold that to
//! the saved plan ([`super::consistency`]), and only then apply it.

use super::graph::{resource_node, Half};
use super::Executor;
use crate::addr::ResourceInstanceAddr;
use crate::diag::Diagnostic;
use crate::engine::planner::instance::apply_ignore_changes;
use crate::engine::providers::ProviderInstance;
use crate::engine::walk::ResourceNode;
use crate::plan::{Action, ResourceChange};
use crate::provider::{ApplyRequest, IdentityRequest, PlanRequest, ProviderError};
use crate::state::{Intent, Operation, ResourceInstanceState};
use crate::value::Value;
use std::sync::Arc;
use tracing::Instrument;

/// A provider's error for a diagnostic, without what the sensitive values it was sent hold.
fn provider_error<'v>(e: crate::provider::ProviderError, sent: impl IntoIterator<Item = &'v Value>) -> String {
    let e = e.scrubbed(sent);
    format!("{}: {}", e.summary, e.detail)
}

impl Executor<'_> {
    pub(super) async fn change(&self, i: usize, half: Half) -> bool {
        let c = &self.plan.changes[i];
        if c.action == Action::Forget {
            return self.forget(c);
        }
        let Some(provider) = self.provider(c).await else { return false };
        let first = matches!(
            (c.action, half),
            (_, Half::Whole) | (Action::DeleteThenCreate, Half::Destroy) | (Action::CreateThenDelete, Half::Create)
        );
        let last = matches!(
            (c.action, half),
            (_, Half::Whole) | (Action::DeleteThenCreate, Half::Create) | (Action::CreateThenDelete, Half::Destroy)
        );
        let Ok(_permit) = self.semaphore.acquire().await else { return false };
        if self.ev.settings.interrupt.stopping() {
            self.progress.lock().unwrap_or_else(|e| e.into_inner()).not_started += 1;
            return false;
        }
        if first {
            self.started.lock().unwrap_or_else(|e| e.into_inner()).insert(c.address.clone(), std::time::Instant::now());
            self.ev.settings.hook.pre_apply(&c.address, c.action);
        }
        // Provider log lines (a retry) name the change they belong to through this span.
        let span = tracing::debug_span!("change", address = %c.address, action = ?c.action, half = ?half);
        tracing::debug!(parent: &span, "change started");
        let result = match (c.action, half) {
            (Action::Delete, _) | (_, Half::Destroy) => self.destroy(c, &provider).instrument(span.clone()).await,
            _ => self.create_or_update(c, &provider).instrument(span.clone()).await,
        };
        tracing::debug!(parent: &span, ok = result.is_ok(), "change finished");
        let elapsed = self
            .started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&c.address)
            .map(|s| s.elapsed())
            .unwrap_or_default();
        match result {
            Ok(id) => {
                if last {
                    self.progress.lock().unwrap_or_else(|e| e.into_inner()).completed += 1;
                    self.ev.settings.hook.post_apply(&c.address, c.action, None, id.as_deref(), elapsed);
                }
                true
            }
            Err(d) => {
                self.ev.settings.hook.post_apply(&c.address, c.action, Some(&d.detail), None, elapsed);
                self.ev.diag(d);
                false
            }
        }
    }

    /// Drops an object from state without touching it, as a `removed` block with
    /// `destroy = false` asks.
    fn forget(&self, c: &ResourceChange) -> bool {
        self.ev.settings.hook.pre_apply(&c.address, c.action);
        match self.record(self.writer.forget(&c.address, None), &c.address) {
            Ok(()) => {
                self.progress.lock().unwrap_or_else(|e| e.into_inner()).completed += 1;
                self.ev.settings.hook.post_apply(&c.address, c.action, None, None, std::time::Duration::ZERO);
                true
            }
            Err(d) => {
                self.ev.diag(d);
                false
            }
        }
    }

    async fn provider(&self, c: &ResourceChange) -> Option<Arc<ProviderInstance>> {
        let span = resource_node(self.ev.config, &c.address)
            .and_then(|n| ResourceNode::of(self.ev.config, n))
            .map(|node| node.res.header_span);
        let provider = self.providers.get(&c.provider);
        let ready = match &provider {
            Some(p) => self.providers.ready(&self.ev, p, span).await,
            None => false,
        };
        if !ready {
            self.ev.diag(
                Diagnostic::error(
                    format!("Provider for {} is not configured", c.address),
                    format!("Provider \"{}\" could not be configured; see the errors above.", c.provider),
                )
                .with_address(&c.address),
            );
            return None;
        }
        provider
    }

    /// Deletes an old object only the journal knows, and resolves its intent; a failure leaves
    /// the intent pending, so the next plan offers the delete again.
    async fn destroy_deposed(
        &self,
        c: &ResourceChange,
        intent_id: &str,
        provider: &ProviderInstance,
    ) -> Result<Option<String>, Diagnostic> {
        let addr = &c.address;
        let Some(before) = &c.before else { return Ok(None) };
        if let Err(e) = self.call(addr, provider.provider.apply(delete_request(addr, before))).await? {
            return Err(Diagnostic::error(
                format!("Failed to delete the replaced object of {addr}"),
                format!(
                    "{}. It stays recorded in the journal, and the next plan offers to delete it again.",
                    provider_error(e, [before])
                ),
            )
            .with_address(addr));
        }
        self.record(self.writer.resolved(intent_id), addr)?;
        Ok(None)
    }

    /// Deletes the object state recorded (for create-then-destroy, the replaced one).
    async fn destroy(&self, c: &ResourceChange, provider: &ProviderInstance) -> Result<Option<String>, Diagnostic> {
        let addr = &c.address;
        if let Some(intent_id) = &c.deposed {
            return self.destroy_deposed(c, intent_id, provider).await;
        }
        let Some(before) = self.plan.refreshed_state.get(addr).map(|s| s.value()) else { return Ok(None) };
        let deposed = c.action == Action::CreateThenDelete;
        let prior = self.plan.refreshed_state.get(addr);
        let intent = Intent {
            id: self.writer.intent_id(),
            address: addr.clone(),
            operation: if deposed { Operation::DeleteReplaced } else { Operation::Delete },
            provider: c.provider.clone(),
            identity: serde_json::Value::Null,
            // A replaced object is no longer in state once its successor is recorded.
            object: if deposed { before.to_json() } else { serde_json::Value::Null },
            sensitive_paths: prior.map(|p| p.sensitive_paths.clone()).unwrap_or_default(),
            dependencies: prior.map(|p| p.dependencies.clone()).unwrap_or_default(),
            create_before_destroy: prior.is_some_and(|p| p.create_before_destroy),
        };
        let intent_id = intent.id.clone();
        self.record(self.writer.intend(intent).await, addr)?;
        if let Err(e) = self.call(addr, provider.provider.apply(delete_request(addr, &before))).await? {
            // State still holds an object whose delete failed, and refresh will find out
            // whether it went; a replaced one is only in the intent, so that stays pending.
            if !deposed {
                self.record(self.writer.resolved(&intent_id), addr)?;
            }
            let detail = if deposed {
                format!("The replacement was created and recorded in state, but deleting the old object failed: {}. The next plan offers to delete it again.", provider_error(e, [&before]))
            } else {
                provider_error(e, [&before])
            };
            let summary = if deposed {
                format!("Failed to delete the replaced object of {addr}")
            } else {
                format!("Failed to delete {addr}")
            };
            return Err(Diagnostic::error(summary, detail).with_address(addr));
        }
        // The replaced object of create-then-destroy is not what state tracks: the new one is.
        if deposed {
            self.record(self.writer.resolved(&intent_id), addr)?;
        } else {
            self.record(self.writer.forget(addr, Some(&intent_id)), addr)?;
        }
        Ok(None)
    }

    async fn create_or_update(
        &self,
        c: &ResourceChange,
        provider: &ProviderInstance,
    ) -> Result<Option<String>, Diagnostic> {
        let addr = &c.address;
        let ev = &self.ev;
        let node = resource_node(ev.config, addr).and_then(|n| ResourceNode::of(ev.config, n).map(|node| (n, node)));
        let Some((n, node)) = node else {
            return Err(Diagnostic::error(
                format!("Cannot apply {addr}"),
                "The plan changes a resource the configuration does not declare.",
            )
            .with_address(addr));
        };
        let res = node.res;
        let fail =
            |summary: String, detail: String| Diagnostic::error(summary, detail).at(res.header_span).with_address(addr);
        let schema = ev.settings.registry.type_schema(node.mode, node.type_name).ok_or_else(|| {
            fail(format!("Cannot apply {addr}"), format!("No provider supports \"{}\".", node.type_name))
        })?;
        let rep = ev
            .values()
            .resource_expansions
            .get(&(addr.resource.module.clone(), node.mode, node.type_name.to_string(), node.name.to_string()))
            .map(|e| e.repetition(&addr.key))
            .unwrap_or(crate::engine::values::Repetition::None);
        let (config, ok) = ev.decode_resource(&addr.resource.module, rep, res, schema, &addr.to_string());
        if !ok {
            return Err(fail(
                format!("Cannot apply {addr}"),
                "Its configuration could not be evaluated; see the errors above.".into(),
            ));
        }
        let prior = self.plan.refreshed_state.get(addr).map(|s| s.value());
        let config = apply_ignore_changes(res, prior.as_ref(), config);
        let plan_prior = if c.action == Action::Update { prior.as_ref() } else { None };
        let final_plan = provider
            .provider
            .plan(PlanRequest { type_name: &res.type_name, prior: plan_prior, config: &config })
            .await
            .map_err(|e| {
                fail(format!("Failed to apply {addr}"), provider_error(e, plan_prior.into_iter().chain([&config])))
            })?;
        if c.action == Action::Update && !final_plan.requires_replace.is_empty() {
            let paths: Vec<String> = final_plan.requires_replace.iter().map(|p| crate::value::format_path(p)).collect();
            return Err(fail(
                "Provider produced inconsistent final plan".into(),
                format!("When expanding the plan for {addr} to include new values learned so far during apply, the change to {} now requires replacement, which the saved plan did not include. Nothing was done to {addr}; run gantry plan again.", paths.join(", ")),
            ));
        }
        let mut planned_paths = final_plan.planned.sensitive_paths();
        planned_paths.extend(config.sensitive_paths());
        planned_paths.extend(schema.sensitive_paths(&final_plan.planned));
        let planned = final_plan.planned.mark_paths(&planned_paths);
        self.check_final_plan(c, &planned, &config, res)?;
        let creating = c.action != Action::Update;
        let intent_id = self.writer.intent_id();
        let identity = if creating {
            provider.provider.create_identity(IdentityRequest {
                type_name: &res.type_name,
                planned: &planned,
                address: &addr.to_string(),
                lineage: &self.plan.refreshed_state.lineage,
                token: &intent_id,
            })
        } else {
            serde_json::Value::Null
        };
        let intent = Intent {
            id: intent_id.clone(),
            address: addr.clone(),
            operation: if creating { Operation::Create } else { Operation::Update },
            provider: c.provider.clone(),
            identity: identity.clone(),
            object: if creating { planned.to_json() } else { serde_json::Value::Null },
            sensitive_paths: planned_paths.clone(),
            dependencies: ResourceNode::dependencies(ev.config, n),
            create_before_destroy: res.lifecycle.create_before_destroy,
        };
        self.record(self.writer.intend(intent).await, addr)?;
        let request = ApplyRequest {
            type_name: &res.type_name,
            prior: plan_prior,
            planned: Some(&planned),
            config: &config,
            identity: creating.then_some(&identity),
        };
        let applied = self.call(addr, provider.provider.apply(request)).await?;
        // A failed create may still have made the object (a timeout, a lost answer): its
        // intent stays pending so the next run looks. A failed update changed nothing
        // state does not already know after a refresh.
        if applied.is_err() && !creating {
            self.record(self.writer.resolved(&intent_id), addr)?;
        }
        let created = applied
            .map_err(|e| {
                fail(
                    format!("Failed to apply {addr}"),
                    provider_error(e, plan_prior.into_iter().chain([&planned, &config])),
                )
            })?
            .ok_or_else(|| {
                fail(format!("Failed to apply {addr}"), format!("the provider returned no object for {addr}"))
            })?;
        if created.contains_unknown() {
            return Err(fail(
                format!("Failed to apply {addr}"),
                format!("the provider left unknown values in the new state of {addr}; this is a bug in the provider"),
            ));
        }
        let mut paths = schema.sensitive_paths(&created);
        paths.extend(planned_paths);
        let new_value = created.mark_paths(&paths);
        let instance = ResourceInstanceState {
            address: addr.clone(),
            provider: c.provider.clone(),
            attributes: new_value.to_json(),
            sensitive_paths: new_value.sensitive_paths(),
            dependencies: ResourceNode::dependencies(ev.config, n),
            create_before_destroy: res.lifecycle.create_before_destroy,
            tainted: false,
        };
        self.record(self.writer.record(instance, Some(&intent_id)), addr)?;
        let id = new_value.get("id").and_then(|v| v.as_str()).map(str::to_string);
        self.applied.lock().unwrap_or_else(|e| e.into_inner()).insert(addr.clone(), new_value);
        Ok(id)
    }

    /// The final plan must keep every value the saved plan knew. A change planned from the
    /// schema alone (its provider was not configured yet) is held to the configuration it showed.
    fn check_final_plan(
        &self,
        c: &ResourceChange,
        planned: &Value,
        config: &Value,
        res: &crate::config::Resource,
    ) -> Result<(), Diagnostic> {
        let Some(saved) = &c.after else { return Ok(()) };
        let mut found = if c.deferred {
            let configured = match config {
                Value::Object(m) => {
                    Value::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect())
                }
                other => other.clone(),
            };
            let saved_configured = match (&saved, &configured) {
                (Value::Object(s), Value::Object(m)) => Value::Object(
                    s.iter().filter(|(k, _)| m.contains_key(*k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
                ),
                _ => saved.clone(),
            };
            super::consistency::mismatches(&saved_configured, &configured)
        } else {
            super::consistency::mismatches(&saved, planned)
        };
        if found.is_empty() {
            return Ok(());
        }
        found.truncate(5);
        let lines: Vec<String> = found.iter().map(|m| format!("  - {}", m.describe())).collect();
        let addr = &c.address;
        Err(Diagnostic::error(
            "Provider produced inconsistent final plan",
            format!(
                "When expanding the plan for {addr} to include new values learned so far during apply, provider \"{}\" produced values that differ from the saved plan:\n{}\nNothing was done to {addr}, and what depends on it was skipped. A value the plan showed may not change at apply time (a file read by the configuration changed, or the provider is not deterministic); run gantry plan again and review the new plan.",
                c.provider,
                lines.join("\n")
            ),
        )
        .at(res.header_span)
        .with_address(addr))
    }

    /// Runs a provider call unless a second interrupt cancels it first. A cancelled call
    /// leaves its intent pending in the journal, for the next run to resolve.
    async fn call<T>(
        &self,
        addr: &ResourceInstanceAddr,
        call: impl std::future::Future<Output = Result<T, ProviderError>>,
    ) -> Result<Result<T, ProviderError>, Diagnostic> {
        let interrupt = &self.ev.settings.interrupt;
        tokio::select! {
            result = call => Ok(result),
            () = interrupt.reached(2) => {
                self.progress.lock().unwrap_or_else(|e| e.into_inner()).cancelled.push(addr.clone());
                Err(Diagnostic::error(
                    format!("Cancelled {addr}"),
                    "A second interrupt cancelled this change while it was running.",
                )
                .with_address(addr))
            }
        }
    }

    /// A state write that failed fails the step: what is not recorded must not be built upon.
    fn record(
        &self,
        result: Result<(), crate::state::StateError>,
        addr: &ResourceInstanceAddr,
    ) -> Result<(), Diagnostic> {
        result.map_err(|e| {
            Diagnostic::error("Failed to save state", format!("{e} (while recording {addr})")).with_address(addr)
        })
    }
}

/// A delete, as the provider protocol asks for it: the prior object and nothing planned.
fn delete_request<'r>(addr: &'r ResourceInstanceAddr, before: &'r Value) -> ApplyRequest<'r> {
    ApplyRequest {
        type_name: &addr.resource.type_name,
        prior: Some(before),
        planned: None,
        config: &Value::Null,
        identity: None,
    }
}
