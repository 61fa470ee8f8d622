//! Deletes the plan builder adds: instances whose key left `count` or
//! `for_each`, resources that left the configuration, and everything (or
//! everything targeted, with what depends on it) for a destroy plan.

use super::{lock, Planner};
use crate::addr::{InstanceKey, Mode, ResourceAddr, ResourceInstanceAddr};
use crate::config::Resource;
use crate::diag::Diagnostic;
use crate::engine::walk::static_name;
use crate::plan::{reason, Action, ResourceChange};
use crate::state::ResourceInstanceState;
use petgraph::graph::NodeIndex;
use std::collections::BTreeSet;

pub(crate) fn delete_change(r: &ResourceInstanceState, reason: Option<&str>) -> ResourceChange {
    ResourceChange {
        deposed: None,
        address: r.address.clone(),
        provider: r.provider.clone(),
        action: Action::Delete,
        before: Some(r.value()),
        after: None,
        requires_replace: Vec::new(),
        reason: reason.map(str::to_string),
        dependencies: r.dependencies.clone(),
        deferred: false,
        importing: None,
    }
}

impl Planner<'_> {
    /// Instances in state that the configuration no longer asks for.
    pub(super) fn plan_removed_instances(
        &self,
        n: NodeIndex,
        raddr: &ResourceAddr,
        keys: &[InstanceKey],
        res: &Resource,
    ) {
        // A set: with every instance of a large `count` in state, a scan of `keys` per
        // instance made a no-change plan quadratic.
        let asked: std::collections::HashSet<&InstanceKey> = keys.iter().collect();
        let removed: Vec<&ResourceInstanceState> =
            self.refresh.prior.instances_of(raddr).iter().filter(|r| !asked.contains(&r.address.key)).collect();
        for r in removed {
            lock(&self.visited).insert(r.address.clone());
            if self.selection.as_ref().is_some_and(|s| !s.instance_selected(n, &r.address)) {
                continue;
            }
            if res.lifecycle.prevent_destroy {
                self.ev.diag(
                    Diagnostic::error("Instance cannot be destroyed", format!("{} has lifecycle.prevent_destroy set, but it is no longer in the configuration's instances.", r.address))
                        .at(res.header_span),
                );
                continue;
            }
            let reason = match &r.address.key {
                InstanceKey::Int(_) => reason::COUNT_INDEX,
                InstanceKey::Str(_) => reason::EACH_KEY,
                InstanceKey::None => reason::WRONG_REPETITION,
            };
            lock(&self.changes).push(delete_change(r, Some(reason)));
        }
    }

    /// Every state instance the walk did not visit is deleted; for destroy, everything targeted.
    pub(super) fn plan_orphans(&self) {
        let visited = lock(&self.visited).clone();
        let destroy = self.opts.destroy;
        let targeted = self.destroy_targets();
        for r in &self.refresh.prior.resources {
            if r.address.resource.mode != Mode::Managed || (!destroy && visited.contains(&r.address)) {
                continue;
            }
            if !targeted.as_ref().is_none_or(|t| t.contains(&r.address)) {
                continue;
            }
            if destroy {
                if let Some(res) = self.declaration(&r.address).filter(|res| res.lifecycle.prevent_destroy) {
                    self.ev.diag(
                        Diagnostic::error(
                            "Instance cannot be destroyed",
                            format!(
                                "{} has lifecycle.prevent_destroy set. Remove it to destroy this object.",
                                r.address
                            ),
                        )
                        .at(res.header_span),
                    );
                    continue;
                }
            }
            let removed = crate::engine::removed::removed_for(&self.ev.config.tree, &r.address);
            if !destroy && removed.is_some_and(|b| !b.destroy) {
                let mut change = delete_change(r, Some("destroy = false is set in the configuration"));
                change.action = Action::Forget;
                lock(&self.changes).push(change);
                continue;
            }
            let reason = if destroy { None } else { Some(reason::NOT_CONFIGURED) };
            lock(&self.changes).push(delete_change(r, reason));
        }
    }

    /// Terraform's warning that forgotten objects stay where they are, unmanaged.
    pub(super) fn warn_forgotten(&self) {
        let forgotten: Vec<String> = lock(&self.changes)
            .iter()
            .filter(|c| c.action == Action::Forget)
            .map(|c| format!(" - {}", c.address))
            .collect();
        if forgotten.is_empty() {
            return;
        }
        self.ev.diag(Diagnostic::warning(
            "Some objects will no longer be managed by Gantry",
            format!(
                "If you apply this plan, Gantry will discard its tracking information for the following objects, but it will not delete them:\n{}\n\nAfter applying this plan, Gantry will no longer manage these objects. You will need to import them into Gantry to manage them again.",
                forgotten.join("\n")
            ),
        ));
    }

    /// The old objects interrupted replacements left: each is destroyed on its own, by the
    /// intent's copy of it, while the address keeps its current object.
    pub(super) fn plan_deposed(&self) {
        for intent in &self.opts.deposed {
            if !self.opts.targets.is_empty() && !self.opts.targets.iter().any(|t| t.matches(&intent.address)) {
                continue;
            }
            let before = crate::value::Value::from_json(&intent.object).mark_paths(&intent.sensitive_paths);
            lock(&self.changes).push(ResourceChange {
                deposed: Some(intent.id.clone()),
                address: intent.address.clone(),
                provider: intent.provider.clone(),
                action: Action::Delete,
                before: Some(before),
                after: None,
                requires_replace: Vec::new(),
                reason: Some("an interrupted replacement left this old object behind".into()),
                dependencies: intent.dependencies.clone(),
                deferred: false,
                importing: None,
            });
        }
    }

    /// With targets, the state instances they name and, for destroy, everything that depends on those.
    fn destroy_targets(&self) -> Option<BTreeSet<ResourceInstanceAddr>> {
        if self.opts.targets.is_empty() {
            return None;
        }
        let state = &self.refresh.prior;
        let mut out: BTreeSet<ResourceInstanceAddr> = state
            .resources
            .iter()
            .filter(|r| self.opts.targets.iter().any(|t| t.matches(&r.address)))
            .map(|r| r.address.clone())
            .collect();
        if !self.opts.destroy {
            return Some(out);
        }
        loop {
            let names: BTreeSet<String> = out.iter().map(static_name).collect();
            let more: Vec<ResourceInstanceAddr> = state
                .resources
                .iter()
                .filter(|r| !out.contains(&r.address) && r.dependencies.iter().any(|d| names.contains(d)))
                .map(|r| r.address.clone())
                .collect();
            if more.is_empty() {
                return Some(out);
            }
            out.extend(more);
        }
    }

    fn declaration(&self, addr: &ResourceInstanceAddr) -> Option<&Resource> {
        let r = &addr.resource;
        let tree = self.ev.config.tree.get(&r.module.static_path())?;
        tree.module.resources.get(&(Mode::Managed, r.type_name.clone(), r.name.clone()))
    }
}
