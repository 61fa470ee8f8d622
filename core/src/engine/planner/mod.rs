//! The plan builder: walks the configuration, refreshes and plans every
//! selected instance, plans the deletes of what left the configuration, and
//! assembles the [`Plan`] with its outputs, digests and cluster analysis.

mod deletes;
mod imports;
pub(crate) mod instance;
mod resource;

use super::evaluate::Evaluation;
use super::providers::Providers;
use super::refresh::Refresh;
use super::targets::{self, Selection};
use super::{Config, PlanOptions, WalkSettings};
use crate::addr::{ModuleInstance, ResourceInstanceAddr};
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::{OutputChange, Plan, ResourceChange, GANTRY_VERSION, PLAN_FORMAT_VERSION};
use crate::state::State;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

pub(crate) struct Planner<'a> {
    ev: Evaluation<'a>,
    providers: Providers,
    refresh: Refresh,
    opts: PlanOptions,
    selection: Option<Selection>,
    changes: Mutex<Vec<ResourceChange>>,
    /// Data sources read, by address (marked JSON).
    data: Mutex<BTreeMap<String, serde_json::Value>>,
    /// Every instance the configuration expanded to, and every state instance handled.
    visited: Mutex<BTreeSet<ResourceInstanceAddr>>,
    /// The instances import blocks adopt, by address.
    imports: Mutex<std::collections::HashMap<ResourceInstanceAddr, imports::PendingImport>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Refreshes and plans. Returns the plan (when no error stopped it) and all diagnostics.
pub async fn plan(
    config: &Config,
    settings: &WalkSettings<'_>,
    state: &State,
    opts: PlanOptions,
) -> (Option<Plan>, Diagnostics) {
    let mut move_diags = Diagnostics::default();
    let (moved_state, moved) = super::moves::apply_moves(&config.tree, state, &mut move_diags);
    let planner = Planner {
        ev: Evaluation::new(config, settings, false),
        providers: Providers::default(),
        refresh: Refresh::new(moved_state, opts.refresh),
        selection: Selection::new(config, &opts.targets),
        opts,
        changes: Mutex::new(Vec::new()),
        data: Mutex::new(BTreeMap::new()),
        visited: Mutex::new(BTreeSet::new()),
        imports: Mutex::new(std::collections::HashMap::new()),
    };
    if !planner.opts.destroy {
        imports::check_import_blocks(&config.tree, &mut move_diags);
    }
    super::removed::check_removed(&config.tree, &mut move_diags);
    planner.ev.diag_all(move_diags);
    tracing::debug!(destroy = planner.opts.destroy, refresh = planner.opts.refresh, "plan started");
    if !planner.opts.destroy {
        super::walk::walk(&planner.ev, &planner.providers, |n| planner.visit_resource(n)).await;
    }
    planner.plan_orphans();
    planner.warn_forgotten();
    planner.plan_deposed();
    planner.check_targets();
    // Checks speak of the configuration's objects; a destroy plan removes them all.
    let checks = if planner.opts.destroy || planner.opts.refresh_only {
        Vec::new()
    } else {
        super::check_blocks::evaluate_checks(&planner.ev, &planner.providers, true).await
    };
    let mut diags = planner.ev.take_diags();
    diags.sort();
    tracing::debug!(errors = diags.has_errors(), "plan finished");
    if diags.has_errors() {
        return (None, diags);
    }
    planner.finish(state, moved, checks, diags)
}

impl Planner<'_> {
    /// A `-target` or `-replace` that names nothing is an error: an empty plan from a typo looks like success.
    fn check_targets(&self) {
        if self.opts.targets.is_empty() && self.opts.replace.is_empty() {
            return;
        }
        let mut known = lock(&self.visited).clone();
        known.extend(self.refresh.prior.resources.iter().map(|r| r.address.clone()));
        // Only a mistake needs the names, for its hint.
        let names = std::cell::LazyCell::new(|| known.iter().map(|a| a.to_string()).collect::<Vec<String>>());
        for t in targets::unmatched(self.opts.targets.iter(), &known) {
            let hint = crate::diag::did_you_mean(&t.to_string(), names.iter().map(String::as_str));
            self.ev.diag(Diagnostic::error(
                "Invalid target address",
                format!("-target {t} matches no resource instance in the configuration or the state.{hint} List what exists with gantry state list, or check the configuration's resource and module names."),
            ));
        }
        for r in &self.opts.replace {
            if !known.contains(r) {
                let hint = crate::diag::did_you_mean(&r.to_string(), names.iter().map(String::as_str));
                self.ev.diag(Diagnostic::error(
                    "Invalid replace address",
                    format!("-replace {r} matches no resource instance in the configuration or the state.{hint} -replace takes the address of one instance, as gantry state list shows it."),
                ));
            }
        }
    }

    fn finish(
        self,
        state: &State,
        moved: Vec<(String, String)>,
        checks: Vec<crate::plan::CheckResult>,
        mut diags: Diagnostics,
    ) -> (Option<Plan>, Diagnostics) {
        let config = self.ev.config;
        let settings = self.ev.settings;
        let destroy = self.opts.destroy;
        let mut changes = self.changes.into_inner().unwrap_or_else(|e| e.into_inner());
        changes.sort_by(|a, b| a.address.cmp(&b.address));
        let refresh_only = self.opts.refresh_only;
        if refresh_only {
            // Unchanged instances stay: apply reads their values from them.
            changes.retain(|c| c.action == crate::plan::Action::NoOp);
        }
        let (refreshed, drift) = self.refresh.finish();
        let values = self.ev.values.into_inner().unwrap_or_else(|e| e.into_inner());
        let outputs = output_changes(config, state, values.outputs.get(&ModuleInstance::root()), destroy);
        let (analysis, fit_errors) =
            crate::engine::analysis_input::analyse_plan(settings.registry, &changes, &refreshed);
        if !fit_errors.is_empty() {
            for e in fit_errors {
                let span = super::resource_span(config, &e.address);
                diags.push(
                    Diagnostic::error("Workload cannot be scheduled", e.detail).at_opt(span).with_address(&e.address),
                );
            }
            diags.sort();
            return (None, diags);
        }
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION,
            gantry_version: GANTRY_VERSION.to_string(),
            config_digest: config.digest.clone(),
            working_dir: config.identity.clone(),
            prior_serial: state.serial,
            prior_lineage: state.lineage.clone(),
            destroy,
            refresh_only,
            // A sensitive variable's value is saved marked, so that every form of the plan knows to hide it.
            variables: settings
                .inputs
                .iter()
                .map(|(k, (v, _))| {
                    let sensitive = config.tree.module.variables.get(k).is_some_and(|d| d.sensitive);
                    (k.clone(), if sensitive { v.clone().mark_sensitive() } else { v.clone() }.to_marked_json())
                })
                .collect(),
            changes,
            drift,
            outputs,
            targets: self.opts.targets.iter().map(|t| t.to_string()).collect(),
            refreshed_state: refreshed,
            warnings: Vec::new(),
            moved,
            analysis,
            data: self.data.into_inner().unwrap_or_else(|e| e.into_inner()),
            recovered: Vec::new(),
            checks,
        };
        (Some(plan), diags)
    }
}

fn output_changes(
    config: &Config,
    state: &State,
    root_outputs: Option<&crate::value::Map>,
    destroy: bool,
) -> BTreeMap<String, OutputChange> {
    let mut outputs = BTreeMap::new();
    for (name, out) in &config.tree.module.outputs {
        let before = state.outputs.get(name).map(|o| {
            let v = Value::from_json(&o.value);
            if o.sensitive { v.mark_sensitive() } else { v }.to_marked_json()
        });
        let after = if destroy { None } else { root_outputs.and_then(|o| o.get(name)).map(Value::to_marked_json) };
        outputs.insert(name.clone(), OutputChange { before, after, sensitive: out.sensitive });
    }
    for (name, o) in &state.outputs {
        outputs.entry(name.clone()).or_insert_with(|| OutputChange {
            before: Some(o.value.clone()),
            after: None,
            sensitive: o.sensitive,
        });
    }
    outputs
}
