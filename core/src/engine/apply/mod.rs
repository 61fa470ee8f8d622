//! The apply executor: runs the plan's execution graph ([`graph`]). Each step
//! succeeds or fails by its own result; a failed step skips what depends on it
//! and everything independent still runs. Every side effect is reported to a
//! [`StateWriter`] before and after it happens.

mod change;
pub(crate) mod consistency;
pub(crate) mod graph;
mod values;

use super::evaluate::Evaluation;
use super::providers::Providers;
use super::state_writer::{JournalWriter, StateWriter};
use super::{dag, Config, WalkSettings};
use crate::addr::{ModuleInstance, ResourceInstanceAddr};
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::Plan;
use crate::state::{OutputState, State, StateStore};
use crate::value::Value;
use graph::Step;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::Mutex;

pub(crate) struct Executor<'a> {
    ev: Evaluation<'a>,
    providers: Providers,
    plan: &'a Plan,
    writer: &'a dyn StateWriter,
    semaphore: tokio::sync::Semaphore,
    /// The new values of the instances applied so far.
    applied: Mutex<HashMap<ResourceInstanceAddr, Value>>,
    /// The plan's change for each address.
    change_index: HashMap<&'a ResourceInstanceAddr, usize>,
    /// When the first half of each replacement started, for the progress display.
    started: Mutex<HashMap<ResourceInstanceAddr, std::time::Instant>>,
    /// What an interrupt left: changes completed, not started, and cancelled mid-call.
    progress: Mutex<Progress>,
}

#[derive(Default)]
struct Progress {
    completed: usize,
    not_started: usize,
    cancelled: Vec<ResourceInstanceAddr>,
}

/// Applies a plan, journaling every side effect in `store`. Apply starts from the
/// plan's refreshed state, numbered on from the serial the store holds now, and
/// carries the intents an earlier run left unresolved.
pub async fn apply(
    config: &Config,
    settings: &WalkSettings<'_>,
    plan: &Plan,
    store: Arc<dyn StateStore>,
) -> (State, Diagnostics) {
    let mut start = plan.refreshed_state.clone();
    let failed = |e: crate::state::StateError, start: State| {
        let d = Diagnostic::error("Failed to read state", format!("{e}. Nothing was applied."));
        (start, Diagnostics(vec![d]))
    };
    // No journaled state means no snapshot either: a journal without one is an error.
    let (pending, stored) = match store.read_journaled() {
        Ok(Some(current)) => {
            start.serial = current.state.serial;
            (current.pending, true)
        }
        Ok(None) => {
            start.serial = 0;
            (Vec::new(), false)
        }
        Err(e) => return failed(e, start),
    };
    let writer = match JournalWriter::new(store, start.clone(), pending, stored) {
        Ok(w) => w,
        Err(e) => return failed(e, start),
    };
    apply_with(config, settings, plan, &writer).await
}

/// Applies a plan, recording through any [`StateWriter`].
pub async fn apply_with(
    config: &Config,
    settings: &WalkSettings<'_>,
    plan: &Plan,
    writer: &dyn StateWriter,
) -> (State, Diagnostics) {
    let executor = Executor {
        ev: Evaluation::new(config, settings, false),
        providers: Providers::default(),
        plan,
        writer,
        semaphore: tokio::sync::Semaphore::new(settings.parallelism.max(1)),
        applied: Mutex::new(HashMap::new()),
        change_index: plan
            .changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.deposed.is_none())
            .map(|(i, c)| (&c.address, i))
            .collect(),
        started: Mutex::new(HashMap::new()),
        progress: Mutex::new(Progress::default()),
    };
    let deps = graph::build(config, plan, settings.registry);
    if !graph::acyclic(&deps) {
        executor.ev.diag(Diagnostic::error(
            "Plan cannot be applied",
            "The plan's changes depend on each other in a cycle, so no order can apply them. This is a bug in Gantry; please report it with the plan file.",
        ));
    } else {
        tracing::debug!(changes = plan.changes.len(), destroy = plan.destroy, "apply started");
        dag::run(&deps, |step| executor.run(step)).await;
        if !plan.destroy && !plan.refresh_only {
            super::check_blocks::evaluate_checks(&executor.ev, &executor.providers, false).await;
        }
    }
    let (state, diags) = executor.finish();
    tracing::debug!(resources = state.resources.len(), errors = diags.has_errors(), "apply finished");
    (state, diags)
}

impl Executor<'_> {
    fn change_for(&self, addr: &ResourceInstanceAddr) -> Option<&crate::plan::ResourceChange> {
        self.change_index.get(addr).map(|i| &self.plan.changes[*i])
    }

    async fn run(&self, step: Step) -> bool {
        match step {
            Step::Value(n) => super::walk::visit_value_node(&self.ev, &self.providers, n),
            Step::Expand(n) => self.expand(n),
            Step::Collect(n) => self.collect(n).await,
            Step::StateProviders => self.providers.visit_from_state(&self.ev, &self.plan.refreshed_state),
            Step::Change(i, half) => self.change(i, half).await,
        }
    }

    fn finish(self) -> (State, Diagnostics) {
        self.report_interrupt();
        let mut diags = self.ev.take_diags();
        let outputs = (!self.plan.destroy).then(|| self.root_outputs());
        let state = match self.writer.finish(outputs) {
            Ok(state) => state,
            Err(e) => {
                diags.push(Diagnostic::error("Failed to save state", e.to_string()));
                self.writer.snapshot()
            }
        };
        diags.sort();
        (state, diags)
    }

    /// After an interrupt, what was done and what was not, as one error.
    fn report_interrupt(&self) {
        let interrupt = &self.ev.settings.interrupt;
        if !interrupt.stopping() {
            return;
        }
        let p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let total = self.plan.changes.iter().filter(|c| c.action != crate::plan::Action::NoOp).count();
        let not_started = total.saturating_sub(p.completed + p.cancelled.len()).max(p.not_started);
        let mut detail = format!(
            "Gantry stopped after an interrupt. {} of {total} changes completed and are recorded in state; {not_started} were not started.",
            p.completed
        );
        if !p.cancelled.is_empty() {
            let names: Vec<String> = p.cancelled.iter().map(|a| format!("  - {a}")).collect();
            detail.push_str(&format!(
                " These were cancelled while running; their intents stay in the journal, and the next plan or apply finds each object and adopts it if it was made:\n{}",
                names.join("\n")
            ));
        }
        detail.push_str(" Run gantry apply again to make the rest of the changes.");
        self.ev.diag(Diagnostic::error("Apply interrupted", detail));
    }

    /// Root outputs as state records them; those still unknown are left out.
    fn root_outputs(&self) -> BTreeMap<String, OutputState> {
        let values = self.ev.values();
        let mut out = BTreeMap::new();
        for (name, v) in values.outputs.get(&ModuleInstance::root()).into_iter().flatten() {
            if v.contains_unknown() {
                continue;
            }
            let declared = self.ev.config.tree.module.outputs.get(name).is_some_and(|o| o.sensitive);
            out.insert(name.clone(), OutputState { value: v.to_json(), sensitive: declared || v.contains_sensitive() });
        }
        out
    }
}
