//! The engine: walks the configuration graph to validate, plan and apply.
//!
//! One walk serves all three operations. Nodes run concurrently as soon as
//! their dependencies are done; a resource node expands its instances and, in
//! plan, refreshes and plans each; in apply, it re-evaluates its configuration
//! (now that earlier resources are known), re-plans, applies, and saves state.

mod analysis_input;
pub mod dag;
mod decode;
mod moves;
mod values;

use crate::addr::{InstanceKey, Mode, ModuleInstance, ModulePath, ResourceAddr, ResourceInstanceAddr};
use crate::config::{ModuleTree, Resource};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use crate::eval::Evaluator;
use crate::graph::{ConfigGraph, Node, NodeKind};
use crate::plan::{Action, OutputChange, Plan, ResourceChange, PLAN_FORMAT_VERSION};
use crate::provider::{ApplyRequest, BlockSchema, ConfigureRequest, PlanRequest, Provider, ReadRequest, Registry};
use crate::state::{OutputState, ResourceInstanceState, State, StateStore};
use crate::value::{Map, Value};
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
pub use values::{Expansion, Repetition, Values};

/// A loaded, checked configuration, ready to walk.
pub struct Config {
    pub tree: ModuleTree,
    pub graph: ConfigGraph,
    pub sources: SourceMap,
    pub root_dir: PathBuf,
}

/// Loads a configuration directory and runs every static check.
pub fn load(dir: &Path, registry: &Registry, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Config> {
    let tree = crate::config::load_tree(dir, sources, diags)?;
    crate::config::check_module_inputs(&tree, diags);
    check_resource_types(&tree, registry, diags);
    let names: Vec<&str> = registry.names().collect();
    let graph = crate::graph::build(&tree, &names, sources, diags);
    Some(Config { tree, graph, sources: sources.clone(), root_dir: dir.to_path_buf() })
}

fn check_resource_types(tree: &ModuleTree, registry: &Registry, diags: &mut Diagnostics) {
    for (_, node) in tree.walk() {
        for r in node.module.resources.values() {
            if registry.type_schema(r.mode, &r.type_name).is_none() {
                let types = registry.all_types(r.mode);
                let hint = crate::diag::did_you_mean(&r.type_name, types.iter().copied());
                let what = if r.mode == Mode::Data { "data source" } else { "resource type" };
                let providers: Vec<&str> = registry.names().collect();
                diags.push(
                    Diagnostic::error(
                        format!("Invalid {what}"),
                        format!(
                            "The {what} \"{}\" is not supported by any provider.{hint} Available providers: {}.",
                            r.type_name,
                            providers.join(", ")
                        ),
                    )
                    .at(r.type_span),
                );
            }
        }
    }
}

/// What the walk is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operation {
    Validate,
    Plan,
    Apply,
}

/// Receives progress from apply, for the CLI's display.
pub trait Hook: Send + Sync {
    fn pre_apply(&self, _addr: &ResourceInstanceAddr, _action: Action) {}
    fn post_apply(
        &self,
        _addr: &ResourceInstanceAddr,
        _action: Action,
        _error: Option<&str>,
        _id: Option<&str>,
        _elapsed: std::time::Duration,
    ) {
    }
}

pub struct NoHook;
impl Hook for NoHook {}

#[derive(Default, Clone)]
pub struct PlanOptions {
    pub destroy: bool,
    pub refresh: bool,
    pub targets: Vec<ResourceAddrPattern>,
    pub replace: Vec<ResourceInstanceAddr>,
}

/// A `-target` address: a whole resource, one instance, or everything in a module.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceAddrPattern {
    Resource(ResourceAddr),
    Instance(ResourceInstanceAddr),
}

impl ResourceAddrPattern {
    pub fn parse(s: &str) -> Result<Self, crate::addr::AddrParseError> {
        let inst: ResourceInstanceAddr = s.parse()?;
        Ok(if inst.key == InstanceKey::None && !s.trim_end().ends_with(']') {
            ResourceAddrPattern::Resource(inst.resource)
        } else {
            ResourceAddrPattern::Instance(inst)
        })
    }
}

/// Root module input values with where each came from (for error positions).
pub type InputValues = BTreeMap<String, (Value, Option<Span>)>;

/// Settings for one walk.
pub struct WalkSettings<'a> {
    pub registry: &'a Registry,
    pub working_dir: PathBuf,
    pub inputs: InputValues,
    pub parallelism: usize,
    pub hook: &'a dyn Hook,
}

/// A provider is configured on first use, not when its block is evaluated: a provider
/// whose resources all expand to zero instances (a module's AWS variant of a node pool
/// on a `local` platform) is never configured, so it needs no region or credentials.
struct ProviderInstance {
    provider: Box<dyn Provider>,
    name: String,
    /// Its configuration, or none when it was not known (at plan time, it waits on a
    /// resource of this run; its resources are then planned from schema alone) or invalid.
    config: Option<Value>,
    block_span: Option<Span>,
    configured: tokio::sync::OnceCell<bool>,
}

struct Walk<'a> {
    op: Operation,
    config: &'a Config,
    settings: &'a WalkSettings<'a>,
    values: RwLock<Values>,
    diags: Mutex<Diagnostics>,
    providers: RwLock<HashMap<String, Arc<ProviderInstance>>>,
    /// Plan: the state before refresh. Apply: the plan's refreshed state.
    prior: State,
    /// Plan: refreshed state as it is built. Apply: the state being written.
    working_state: Mutex<State>,
    store: Option<&'a dyn StateStore>,
    plan: Option<&'a Plan>,
    opts: PlanOptions,
    changes: Mutex<Vec<ResourceChange>>,
    drift: Mutex<Vec<ResourceChange>>,
    visited: Mutex<BTreeSet<ResourceInstanceAddr>>,
    /// Refresh results read in one batch per resource, taken by each instance as it plans.
    prefetched: Mutex<HashMap<ResourceInstanceAddr, Result<Option<Value>, crate::provider::ProviderError>>>,
    semaphore: tokio::sync::Semaphore,
    targeted_nodes: Option<BTreeSet<NodeIndex>>,
}

/// Validates a loaded configuration: evaluates every expression (resources' computed values are unknown).
pub async fn validate(config: &Config, settings: &WalkSettings<'_>) -> Diagnostics {
    let walk = Walk::new(Operation::Validate, config, settings, State::new(), None, None, PlanOptions::default());
    walk.run().await;
    let mut diags = walk.diags.into_inner().unwrap_or_else(|e| e.into_inner());
    diags.sort();
    diags
}

/// Refreshes and plans. Returns the plan (when no error stopped it) and all diagnostics.
pub async fn plan(
    config: &Config,
    settings: &WalkSettings<'_>,
    state: &State,
    opts: PlanOptions,
) -> (Option<Plan>, Diagnostics) {
    let mut move_diags = Diagnostics::default();
    let (moved_state, moved) = moves::apply_moves(&config.tree, state, &mut move_diags);
    let walk = Walk::new(Operation::Plan, config, settings, moved_state, None, None, opts.clone());
    walk.diag_all(move_diags);
    if !opts.destroy {
        walk.run().await;
    } else {
        walk.configure_default_providers().await;
    }
    walk.plan_orphans().await;
    let mut diags = walk.diags.lock().unwrap_or_else(|e| e.into_inner()).clone();
    diags.sort();
    if diags.has_errors() {
        return (None, diags);
    }
    let mut changes = walk.changes.into_inner().unwrap_or_else(|e| e.into_inner());
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    let mut drift = walk.drift.into_inner().unwrap_or_else(|e| e.into_inner());
    drift.sort_by(|a, b| a.address.cmp(&b.address));
    let refreshed = walk.working_state.into_inner().unwrap_or_else(|e| e.into_inner());
    let values = walk.values.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut outputs = BTreeMap::new();
    let root_outputs = values.outputs.get(&ModuleInstance::root()).cloned().unwrap_or_default();
    for (name, out) in &config.tree.module.outputs {
        let before = state.outputs.get(name).map(|o| {
            let v = Value::from_json(&o.value);
            if o.sensitive { v.mark_sensitive() } else { v }.to_marked_json()
        });
        let after = if opts.destroy { None } else { root_outputs.get(name).map(Value::to_marked_json) };
        outputs.insert(name.clone(), OutputChange { before, after, sensitive: out.sensitive });
    }
    for name in state.outputs.keys() {
        if !outputs.contains_key(name) {
            let o = &state.outputs[name];
            outputs.insert(
                name.clone(),
                OutputChange { before: Some(o.value.clone()), after: None, sensitive: o.sensitive },
            );
        }
    }
    let (analysis, fit_errors) = analysis_input::analyse_plan(settings.registry, &changes, &refreshed);
    if !fit_errors.is_empty() {
        for e in fit_errors {
            let span = resource_span(config, &e.address);
            diags.push(
                Diagnostic::error("Workload cannot be scheduled", e.detail).at_opt(span).with_address(&e.address),
            );
        }
        diags.sort();
        return (None, diags);
    }
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        prior_serial: state.serial,
        prior_lineage: state.lineage.clone(),
        destroy: opts.destroy,
        variables: settings.inputs.iter().map(|(k, (v, _))| (k.clone(), v.to_marked_json())).collect(),
        changes,
        drift,
        outputs,
        targets: opts
            .targets
            .iter()
            .map(|t| match t {
                ResourceAddrPattern::Resource(r) => r.to_string(),
                ResourceAddrPattern::Instance(i) => i.to_string(),
            })
            .collect(),
        refreshed_state: refreshed,
        warnings: Vec::new(),
        moved,
        analysis,
    };
    (Some(plan), diags)
}

/// Applies a plan, writing state after every completed change. Returns the final state and diagnostics.
pub async fn apply(
    config: &Config,
    settings: &WalkSettings<'_>,
    plan: &Plan,
    store: &dyn StateStore,
    current_serial: u64,
) -> (State, Diagnostics) {
    let mut start = plan.refreshed_state.clone();
    start.serial = current_serial;
    let opts = PlanOptions { destroy: plan.destroy, refresh: false, targets: Vec::new(), replace: Vec::new() };
    let walk =
        Walk::new(Operation::Apply, config, settings, plan.refreshed_state.clone(), Some(store), Some(plan), opts);
    *walk.working_state.lock().unwrap_or_else(|e| e.into_inner()) = start;
    if !plan.destroy {
        walk.run().await;
    } else {
        walk.configure_default_providers().await;
    }
    walk.apply_deletes().await;
    let values = walk.values.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut state = walk.working_state.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut diags = walk.diags.into_inner().unwrap_or_else(|e| e.into_inner());
    // Outputs are written at the end, from what was evaluated.
    state.outputs.clear();
    if !plan.destroy {
        if let Some(outs) = values.outputs.get(&ModuleInstance::root()) {
            for (name, v) in outs {
                if v.contains_unknown() {
                    continue;
                }
                let sensitive =
                    config.tree.module.outputs.get(name).is_some_and(|o| o.sensitive) || v.contains_sensitive();
                state.outputs.insert(name.clone(), OutputState { value: v.to_json(), sensitive });
            }
        }
    }
    state.serial += 1;
    if let Err(e) = store.write(&state) {
        diags.push(Diagnostic::error("Failed to save state", e.to_string()));
    }
    diags.sort();
    (state, diags)
}

/// The most instances of one module call, across all instances of its parent.
const MAX_MODULE_INSTANCES: usize = 100_000;

/// Brings an existing object under management: `gantry import ADDR ID`. The resource must be
/// declared in the configuration; the object is read through its provider and recorded in state.
pub async fn import(
    config: &Config,
    settings: &WalkSettings<'_>,
    state: &State,
    addr: &ResourceInstanceAddr,
    id: &str,
) -> (Option<ResourceInstanceState>, Diagnostics) {
    let mut diags = Diagnostics::default();
    if state.get(addr).is_some() {
        diags.push(Diagnostic::error(
            "Resource already managed by Gantry",
            format!(
                "{addr} is already in state. To import to this address, first remove it with gantry state rm {addr}."
            ),
        ));
        return (None, diags);
    }
    let r = &addr.resource;
    let resource = config
        .tree
        .get(&r.module.static_path())
        .and_then(|t| t.module.resources.get(&(r.mode, r.type_name.clone(), r.name.clone())));
    let Some(resource) = resource.filter(|_| r.mode == Mode::Managed) else {
        diags.push(Diagnostic::error(
            "Configuration for import target does not exist",
            format!(
                "{} is not declared in the configuration. Add a resource \"{}\" \"{}\" block first, then import.",
                r, r.type_name, r.name
            ),
        ));
        return (None, diags);
    };
    let walk = Walk::new(Operation::Plan, config, settings, state.clone(), None, None, PlanOptions::default());
    walk.seed_values_from_state();
    let names: Vec<&str> = settings.registry.names().collect();
    let (name, alias) = match &resource.provider {
        Some((n, a, _)) => (n.clone(), a.clone()),
        None => (crate::graph::implied_provider(&r.type_name, &names), None),
    };
    walk.visit_provider(&name, alias.as_deref()).await;
    let provider =
        walk.providers.read().unwrap_or_else(|e| e.into_inner()).get(&provider_key(&name, alias.as_deref())).cloned();
    let ready = walk.ready(provider.as_deref(), Some(resource.header_span)).await;
    diags.extend(std::mem::take(&mut *walk.diags.lock().unwrap_or_else(|e| e.into_inner())));
    let Some(provider) = provider.filter(|_| ready) else {
        diags.push(Diagnostic::error(
            format!("Cannot import {addr}"),
            format!("Provider \"{name}\" could not be configured; its configuration must be known without applying anything."),
        ));
        return (None, diags);
    };
    match provider.provider.import(crate::provider::ImportRequest { type_name: &r.type_name, id }).await {
        Ok(Some(v)) => {
            let schema = settings.registry.type_schema(Mode::Managed, &r.type_name);
            let paths = schema.map(|s| s.sensitive_paths(&v)).unwrap_or_default();
            let v = v.mark_paths(&paths);
            let instance = ResourceInstanceState {
                address: addr.clone(),
                provider: provider_key(&name, alias.as_deref()),
                attributes: v.to_json(),
                sensitive_paths: v.sensitive_paths(),
                dependencies: Vec::new(),
                create_before_destroy: resource.lifecycle.create_before_destroy,
            };
            (Some(instance), diags)
        }
        Ok(None) => {
            diags.push(Diagnostic::error(
                "Cannot import non-existent remote object",
                format!("Provider \"{name}\" found no {} with ID \"{id}\". Check the ID's format in the provider's documentation.", r.type_name),
            ));
            (None, diags)
        }
        Err(e) => {
            diags.push(Diagnostic::error(format!("Failed to import {addr}"), format!("{}: {}", e.summary, e.detail)));
            (None, diags)
        }
    }
}

fn static_resource_name(module: &ModulePath, local: &str) -> String {
    if module.0.is_empty() {
        local.to_string()
    } else {
        format!("{module}.{local}")
    }
}

fn provider_key(name: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("{name}.{a}"),
        None => name.to_string(),
    }
}

impl<'a> Walk<'a> {
    fn new(
        op: Operation,
        config: &'a Config,
        settings: &'a WalkSettings<'a>,
        prior: State,
        store: Option<&'a dyn StateStore>,
        plan: Option<&'a Plan>,
        opts: PlanOptions,
    ) -> Walk<'a> {
        let targeted_nodes = targeted_nodes(config, &opts.targets, plan);
        let working = prior.clone();
        Walk {
            op,
            config,
            settings,
            values: RwLock::new(Values::default()),
            diags: Mutex::new(Diagnostics::default()),
            providers: RwLock::new(HashMap::new()),
            prior,
            working_state: Mutex::new(working),
            store,
            plan,
            opts,
            changes: Mutex::new(Vec::new()),
            drift: Mutex::new(Vec::new()),
            visited: Mutex::new(BTreeSet::new()),
            prefetched: Mutex::new(HashMap::new()),
            semaphore: tokio::sync::Semaphore::new(settings.parallelism.max(1)),
            targeted_nodes,
        }
    }

    fn diag(&self, d: Diagnostic) {
        self.diags.lock().unwrap_or_else(|e| e.into_inner()).push(d);
    }

    fn diag_all(&self, ds: Diagnostics) {
        self.diags.lock().unwrap_or_else(|e| e.into_inner()).extend(ds);
    }

    async fn run(&self) {
        let g = &self.config.graph;
        let mut deps: BTreeMap<NodeIndex, BTreeSet<NodeIndex>> = BTreeMap::new();
        for n in g.graph.node_indices() {
            deps.insert(n, g.dependencies(n).collect());
        }
        dag::run(&deps, |n| self.visit(n)).await;
    }

    async fn visit(&self, n: NodeIndex) -> bool {
        let node = &self.config.graph.graph[n];
        let before = self.diags.lock().unwrap_or_else(|e| e.into_inner()).has_errors();
        match &node.kind {
            NodeKind::Variable(name) => self.visit_variable(&node.module, name),
            NodeKind::Local(name) => self.visit_local(&node.module, name),
            NodeKind::Output(name) => self.visit_output(&node.module, name),
            NodeKind::ModuleCall(name) => self.visit_module_call(&node.module, name),
            NodeKind::Provider(name, alias) => self.visit_provider(name, alias.as_deref()).await,
            NodeKind::Resource(mode, t, name) => {
                let skip = self.targeted_nodes.as_ref().is_some_and(|set| !set.contains(&n));
                return self.visit_resource(n, &node.module, *mode, t, name, skip).await;
            }
        }
        // Validation and planning go on past errors to report as many as possible;
        // apply stops what depends on a failure.
        let after = self.diags.lock().unwrap_or_else(|e| e.into_inner()).has_errors();
        self.op != Operation::Apply || before || !after
    }

    fn module(&self, path: &ModulePath) -> &crate::config::Module {
        &self.config.tree.get(path).expect("graph nodes name loaded modules").module
    }

    fn scope<'s>(&self, values: &'s Values, mi: &'s ModuleInstance, rep: Repetition) -> values::InstanceScope<'s> {
        values::InstanceScope {
            values,
            module: mi,
            repetition: rep,
            module_dir: self.module(&mi.static_path()).dir.clone(),
            root_dir: self.config.root_dir.clone(),
            var_override: None,
            inputs_unknown: false,
        }
    }

    fn eval(
        &self,
        values: &Values,
        mi: &ModuleInstance,
        rep: Repetition,
        expr: &crate::syntax::Expr,
    ) -> Result<Value, Diagnostic> {
        let scope = self.scope(values, mi, rep);
        let dir = scope.module_dir.clone();
        Evaluator::new(&scope, &dir, Some(&self.config.sources)).eval(expr)
    }

    /// The repetition (`each`/`count`) that a module instance's calling expressions see.
    fn call_repetition(&self, values: &Values, mi: &ModuleInstance) -> Repetition {
        let (Some(parent), Some(step)) = (mi.parent(), mi.0.last()) else { return Repetition::None };
        values
            .module_expansions
            .get(&(parent, step.name.clone()))
            .map(|e| e.repetition(&step.key))
            .unwrap_or(Repetition::None)
    }

    fn visit_variable(&self, path: &ModulePath, name: &str) {
        let var = &self.module(path).variables[name];
        let instances = self.values.read().unwrap_or_else(|e| e.into_inner()).instances_of(path);
        for mi in instances {
            let (raw, span) = {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                match mi.parent() {
                    None => match self.settings.inputs.get(name) {
                        Some((v, span)) => (Some(v.clone()), *span),
                        None => (None, None),
                    },
                    Some(parent) => {
                        let call_name = &mi.0.last().expect("child instance").name;
                        let call = &self.module(&parent.static_path()).module_calls[call_name];
                        match call.inputs.get(name) {
                            Some(attr) => {
                                let rep = self.call_repetition(&values, &mi);
                                match self.eval(&values, &parent, rep, &attr.expr) {
                                    Ok(v) => (Some(v), Some(attr.expr.span)),
                                    Err(d) => {
                                        self.diag(d);
                                        (Some(Value::Unknown), Some(attr.expr.span))
                                    }
                                }
                            }
                            None => (None, None),
                        }
                    }
                }
            };
            let from_default = !matches!(&raw, Some(v) if !(v.is_null() && !var.nullable));
            let value = match raw {
                Some(v) if !(v.is_null() && !var.nullable) => v,
                _ => match &var.default {
                    Some(d) => crate::eval::eval_constant(d).unwrap_or(Value::Null),
                    None if mi.is_root() && self.op != Operation::Validate => {
                        self.diag(
                            Diagnostic::error(
                                "No value for required variable",
                                format!(
                                    "The root module input variable \"{name}\" is not set, and has no default value. Set it with -var {name}=VALUE, a gantry.vars.hcl file, -var-file, or the environment variable GANTRY_VAR_{name}."
                                ),
                            )
                            .at(var.span),
                        );
                        Value::Unknown
                    }
                    None => Value::Unknown,
                },
            };
            let value = match crate::types::convert(&value, &var.ty) {
                Ok(v) => v,
                // The loader already reported a default that does not fit the type.
                Err(_) if from_default => Value::Unknown,
                Err(e) => {
                    self.diag(
                        Diagnostic::error(
                            "Invalid value for input variable",
                            format!("The value given for variable \"{name}\" is not suitable: {e}."),
                        )
                        .at(span.unwrap_or(var.span)),
                    );
                    Value::Unknown
                }
            };
            let value = if var.sensitive { value.mark_sensitive() } else { value };
            // Validation conditions see the new value.
            for validation in &var.validations {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                let mut scope = self.scope(&values, &mi, Repetition::None);
                scope.var_override = Some((name, &value));
                let dir = scope.module_dir.clone();
                let mut ev = Evaluator::new(&scope, &dir, Some(&self.config.sources));
                match ev.eval(&validation.condition) {
                    Ok(c) if c.as_bool() == Some(false) => {
                        let message = ev
                            .eval(&validation.error_message)
                            .ok()
                            .and_then(|m| m.as_str().map(str::to_string))
                            .unwrap_or_else(|| "The value is not valid.".into());
                        let message = if value.contains_sensitive() {
                            "The value is not valid (the message is hidden because the value is sensitive).".to_string()
                        } else {
                            message
                        };
                        self.diag(
                            Diagnostic::error(
                                "Invalid value for variable",
                                format!("{message}\nThis was checked by the validation rule of variable \"{name}\"."),
                            )
                            .at(span.unwrap_or(var.span)),
                        );
                    }
                    Ok(_) => {}
                    Err(d) => self.diag(d),
                }
            }
            self.values
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .vars
                .entry(mi.clone())
                .or_default()
                .insert(name.to_string(), value);
        }
    }

    fn visit_local(&self, path: &ModulePath, name: &str) {
        let local = &self.module(path).locals[name];
        let instances = self.values.read().unwrap_or_else(|e| e.into_inner()).instances_of(path);
        for mi in instances {
            let v = {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                self.eval(&values, &mi, Repetition::None, &local.expr)
            };
            let v = v.unwrap_or_else(|d| {
                self.diag(d);
                Value::Unknown
            });
            self.values
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .locals
                .entry(mi)
                .or_default()
                .insert(name.to_string(), v);
        }
    }

    fn visit_output(&self, path: &ModulePath, name: &str) {
        let out = &self.module(path).outputs[name];
        let instances = self.values.read().unwrap_or_else(|e| e.into_inner()).instances_of(path);
        for mi in instances {
            let v = {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                self.eval(&values, &mi, Repetition::None, &out.expr)
            };
            let v = match v {
                Ok(v) if out.sensitive => v.mark_sensitive(),
                Ok(v) => v,
                Err(d) => {
                    self.diag(d);
                    Value::Unknown
                }
            };
            self.values
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .outputs
                .entry(mi)
                .or_default()
                .insert(name.to_string(), v);
        }
    }

    fn expansion(
        &self,
        values: &Values,
        mi: &ModuleInstance,
        count: Option<&crate::syntax::Expr>,
        for_each: Option<&crate::syntax::Expr>,
        what: &str,
    ) -> Option<Expansion> {
        if let Some(expr) = count {
            let v = match self.eval(values, mi, Repetition::None, expr) {
                Ok(v) => v,
                Err(d) => {
                    self.diag(d);
                    return None;
                }
            };
            return match v.unmarked() {
                Value::Unknown if self.op == Operation::Validate => Some(Expansion::Unknown),
                Value::Unknown => {
                    self.diag(
                        Diagnostic::error(
                            "Invalid count argument",
                            format!("The \"count\" value of {what} depends on values that cannot be determined until apply. Use a value known at plan time, or apply the resources it depends on first with -target."),
                        )
                        .at(expr.span),
                    );
                    None
                }
                Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 && *n <= 100_000.0 => {
                    Some(Expansion::Count(*n as usize))
                }
                other => {
                    self.diag(
                        Diagnostic::error(
                            "Invalid count argument",
                            format!("count must be a whole number from 0 to 100000, but this is {other}."),
                        )
                        .at(expr.span),
                    );
                    None
                }
            };
        }
        if let Some(expr) = for_each {
            let v = match self.eval(values, mi, Repetition::None, expr) {
                Ok(v) => v,
                Err(d) => {
                    self.diag(d);
                    return None;
                }
            };
            let invalid = |detail: String| {
                self.diag(Diagnostic::error("Invalid for_each argument", detail).at(expr.span));
                None
            };
            if v.contains_sensitive() {
                return invalid("Sensitive values cannot be used as for_each arguments: the keys would be shown in addresses. Use nonsensitive() on the keys if they are not secret.".into());
            }
            return match &v {
                Value::Unknown if self.op == Operation::Validate => Some(Expansion::Unknown),
                v if v.contains_unknown() && self.op == Operation::Validate => Some(Expansion::Unknown),
                Value::Unknown => invalid(format!("The for_each value of {what} depends on values that cannot be determined until apply. Its keys must be known at plan time.")),
                Value::Object(map) => {
                    if map.values().any(|v| *v == Value::Unknown) && false {
                        return None;
                    }
                    Some(Expansion::ForEach(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
                }
                Value::List(items) => {
                    let mut keys = Vec::new();
                    for item in items {
                        match item {
                            Value::String(s) => keys.push(s.clone()),
                            Value::Unknown => return invalid("The for_each set includes values that cannot be determined until apply.".into()),
                            other => {
                                return invalid(format!(
                                    "for_each takes a map, or a set of strings; this list holds a {} value. Convert it with toset() of strings, or build a map with a for expression.",
                                    other.type_name()
                                ))
                            }
                        }
                    }
                    keys.sort();
                    keys.dedup();
                    Some(Expansion::ForEach(keys.into_iter().map(|k| (k.clone(), Value::String(k))).collect()))
                }
                Value::Null => invalid("for_each cannot be null. Use an empty map {} for no instances.".into()),
                other => invalid(format!("for_each takes a map, or a set of strings, but this is a {}.", other.type_name())),
            };
        }
        Some(Expansion::Single)
    }

    fn visit_module_call(&self, path: &ModulePath, name: &str) {
        let call = &self.module(path).module_calls[name];
        let instances = self.values.read().unwrap_or_else(|e| e.into_inner()).instances_of(path);
        let mut children = Vec::new();
        for mi in instances {
            let exp = {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                self.expansion(&values, &mi, call.count.as_ref(), call.for_each.as_ref(), &format!("module.{name}"))
            };
            let exp = exp.unwrap_or(Expansion::Count(0));
            for key in exp.keys() {
                children.push(mi.child(name, key));
            }
            self.values
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .module_expansions
                .insert((mi, name.to_string()), exp);
            if children.len() > MAX_MODULE_INSTANCES {
                break;
            }
        }
        if children.len() > MAX_MODULE_INSTANCES {
            self.diag(
                Diagnostic::error(
                    "Too many module instances",
                    format!(
                        "module.{name} expands to {} instances in all (count and for_each multiply through nested modules); the limit is {MAX_MODULE_INSTANCES}.",
                        children.len()
                    ),
                )
                .at(call.header_span),
            );
            children.clear();
        }
        self.values.write().unwrap_or_else(|e| e.into_inner()).module_instances.insert(path.child(name), children);
    }

    async fn visit_provider(&self, name: &str, alias: Option<&str>) {
        let Some(factory) = self.settings.registry.get(name) else {
            if self.config.tree.module.providers.iter().any(|p| p.name == name) {
                let span = self.config.tree.module.providers.iter().find(|p| p.name == name).map(|p| p.name_span);
                let names: Vec<&str> = self.settings.registry.names().collect();
                let hint = crate::diag::did_you_mean(name, names.iter().copied());
                self.diag(
                    Diagnostic::error(
                        "Unknown provider",
                        format!("Gantry has no provider named \"{name}\".{hint} Available: {}.", names.join(", ")),
                    )
                    .at_opt(span),
                );
            }
            return;
        };
        let provider = factory.instantiate();
        let block = self.config.tree.module.providers.iter().find(|p| p.name == name && p.alias.as_deref() == alias);
        let config_value = match block {
            Some(b) => {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                let root = ModuleInstance::root();
                let scope = self.scope(&values, &root, Repetition::None);
                let dir = scope.module_dir.clone();
                let mut ev = Evaluator::new(&scope, &dir, Some(&self.config.sources));
                let mut diags = Diagnostics::default();
                let v = decode::decode_body(
                    &b.body,
                    b.span,
                    &provider.schema().provider,
                    &format!("provider \"{name}\""),
                    &mut ev,
                    &mut diags,
                );
                let ok = !diags.has_errors();
                self.diag_all(diags);
                if !ok {
                    return;
                }
                v
            }
            None => decode::decode_body(
                &crate::syntax::Body::empty(Span::default()),
                Span::default(),
                &provider.schema().provider,
                "",
                &mut Evaluator::new(&crate::eval::EmptyScope, Path::new("."), None),
                &mut Diagnostics::default(),
            ),
        };
        let config = (self.op != Operation::Validate && !config_value.contains_unknown()).then_some(config_value);
        let instance = ProviderInstance {
            provider,
            name: name.to_string(),
            config,
            block_span: block.map(|b| b.span),
            configured: tokio::sync::OnceCell::new(),
        };
        self.providers.write().unwrap_or_else(|e| e.into_inner()).insert(provider_key(name, alias), Arc::new(instance));
    }

    /// Whether the provider can be called: configures it the first time it is asked
    /// (reporting a failure once), false when its configuration is unknown or invalid.
    /// `user` locates the error when there is no provider block: the first resource that needed it.
    async fn ready(&self, p: Option<&ProviderInstance>, user: Option<Span>) -> bool {
        let Some((p, config)) = p.and_then(|p| p.config.as_ref().map(|c| (p, c))) else { return false };
        *p.configured
            .get_or_init(|| async {
                let request = ConfigureRequest {
                    config: config.clone().deep_unmarked(),
                    working_dir: self.settings.working_dir.clone(),
                };
                match p.provider.configure(request).await {
                    Ok(()) => true,
                    Err(e) => {
                        self.diag(
                            Diagnostic::error(
                                format!("Failed to configure provider \"{}\"", p.name),
                                format!("{}: {}", e.summary, e.detail),
                            )
                            .at_opt(p.block_span.or(user)),
                        );
                        false
                    }
                }
            })
            .await
    }

    /// Providers for resources in state, when no configuration walk configured them (destroy, orphans).
    async fn configure_default_providers(&self) {
        let keys: BTreeSet<String> = self.prior.resources.iter().map(|r| r.provider.clone()).collect();
        for key in keys {
            if self.providers.read().unwrap_or_else(|e| e.into_inner()).contains_key(&key) {
                continue;
            }
            let (name, alias) = match key.split_once('.') {
                Some((n, a)) => (n.to_string(), Some(a.to_string())),
                None => (key.clone(), None),
            };
            // Without a configuration walk, provider blocks that refer to resources are evaluated against state,
            // and those that refer to root variables (a region, an endpoint) against the run's inputs.
            self.seed_values_from_state();
            let root = ModulePath::root();
            let unseen: Vec<String> = {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                let seen = values.vars.get(&ModuleInstance::root());
                self.module(&root)
                    .variables
                    .keys()
                    .filter(|v| !seen.is_some_and(|m| m.contains_key(v.as_str())))
                    .cloned()
                    .collect()
            };
            for var in unseen {
                self.visit_variable(&root, &var);
            }
            self.visit_provider(&name, alias.as_deref()).await;
        }
    }

    fn seed_values_from_state(&self) {
        let mut values = self.values.write().unwrap_or_else(|e| e.into_inner());
        if !values.resource_instances.is_empty() {
            return;
        }
        for r in &self.prior.resources {
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

    fn provider_for(&self, res: &Resource) -> (String, Option<Arc<ProviderInstance>>) {
        let names: Vec<&str> = self.settings.registry.names().collect();
        let key = match &res.provider {
            Some((name, alias, _)) => provider_key(name, alias.as_deref()),
            None => crate::graph::implied_provider(&res.type_name, &names),
        };
        let inst = self.providers.read().unwrap_or_else(|e| e.into_inner()).get(&key).cloned();
        (key, inst)
    }

    #[allow(clippy::too_many_arguments)]
    async fn visit_resource(
        &self,
        n: NodeIndex,
        path: &ModulePath,
        mode: Mode,
        t: &str,
        name: &str,
        skip: bool,
    ) -> bool {
        let res = &self.module(path).resources[&(mode, t.to_string(), name.to_string())];
        let Some(schema) = self.settings.registry.type_schema(mode, t) else { return false };
        let (provider_key, provider) = self.provider_for(res);
        let deps: Vec<String> = self
            .config
            .graph
            .resource_dependencies(n)
            .into_iter()
            .map(|d| self.config.graph.graph[d].to_string())
            .collect();
        let instances = self.values.read().unwrap_or_else(|e| e.into_inner()).instances_of(path);
        let mut ok = true;
        for mi in instances {
            let raddr = ResourceAddr { module: mi.clone(), mode, type_name: t.to_string(), name: name.to_string() };
            let exp = {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                self.expansion(&values, &mi, res.count.as_ref(), res.for_each.as_ref(), &raddr.to_string())
            };
            let Some(exp) = exp else {
                ok = false;
                continue;
            };
            let keys = exp.keys();
            self.values
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .resource_expansions
                .insert((mi.clone(), mode, t.to_string(), name.to_string()), exp.clone());
            // A resource with no instances is still checked once, so its mistakes are found.
            if keys.is_empty() && self.op == Operation::Validate {
                let values = self.values.read().unwrap_or_else(|e| e.into_inner());
                self.check_without_instances(&values, &mi, res, schema, &raddr.to_string());
            }
            if self.op == Operation::Plan && mode == Mode::Managed && !skip {
                self.prefetch(&raddr, res, provider.as_deref()).await;
            }
            let results = futures::future::join_all(keys.iter().map(|key| {
                let addr = raddr.instance(key.clone());
                let rep = exp.repetition(key);
                let provider = provider.clone();
                let provider_key = provider_key.clone();
                let deps = deps.clone();
                async move {
                    let value = self.instance(&addr, rep, res, schema, &provider_key, provider, &deps, skip).await;
                    (addr.key.clone(), value)
                }
            }))
            .await;
            let mut values = self.values.write().unwrap_or_else(|e| e.into_inner());
            let slot =
                values.resource_instances.entry((mi.clone(), mode, t.to_string(), name.to_string())).or_default();
            for (key, value) in results {
                match value {
                    Some(v) => {
                        slot.insert(key, v);
                    }
                    None => ok = false,
                }
            }
            drop(values);
            if self.op != Operation::Validate && mode == Mode::Managed && !skip {
                self.plan_removed_instances(&raddr, &keys, res);
            }
        }
        ok || self.op != Operation::Apply
    }

    /// Refreshes every instance of a resource recorded in state with one batch read, so a
    /// provider that can list a kind answers a whole resource with one call.
    async fn prefetch(&self, raddr: &ResourceAddr, res: &Resource, provider: Option<&ProviderInstance>) {
        let type_name = res.type_name.as_str();
        let Some(provider) = provider.filter(|_| self.opts.refresh) else { return };
        let instances: Vec<(ResourceInstanceAddr, Value)> = self
            .prior
            .resources
            .iter()
            .filter(|r| &r.address.resource == raddr)
            .map(|r| (r.address.clone(), r.value().deep_unmarked()))
            .collect();
        if instances.is_empty() || !self.ready(Some(provider), Some(res.header_span)).await {
            return;
        }
        let requests = instances.iter().map(|(_, v)| ReadRequest { type_name, state: v }).collect();
        let results = provider.provider.read_batch(requests).await;
        let mut prefetched = self.prefetched.lock().unwrap_or_else(|e| e.into_inner());
        for ((addr, _), result) in instances.into_iter().zip(results) {
            prefetched.insert(addr, result);
        }
    }

    fn decode_instance(
        &self,
        values: &Values,
        mi: &ModuleInstance,
        rep: Repetition,
        res: &Resource,
        schema: &BlockSchema,
        what: &str,
    ) -> (Value, bool) {
        self.decode_in(self.scope(values, mi, rep), res, schema, what)
    }

    fn check_without_instances(
        &self,
        values: &Values,
        mi: &ModuleInstance,
        res: &Resource,
        schema: &BlockSchema,
        what: &str,
    ) {
        let scope = values::InstanceScope { inputs_unknown: true, ..self.scope(values, mi, Repetition::Unknown) };
        self.decode_in(scope, res, schema, what);
    }

    fn decode_in(
        &self,
        scope: values::InstanceScope<'_>,
        res: &Resource,
        schema: &BlockSchema,
        what: &str,
    ) -> (Value, bool) {
        let dir = scope.module_dir.clone();
        let mut ev = Evaluator::new(&scope, &dir, Some(&self.config.sources));
        let mut diags = Diagnostics::default();
        let v = decode::decode_body(&res.body, res.header_span, schema, what, &mut ev, &mut diags);
        let ok = !diags.has_errors();
        let diags = Diagnostics(
            diags.into_iter().map(|d| if d.address.is_none() { d.with_address(what) } else { d }).collect(),
        );
        self.diag_all(diags);
        (v, ok)
    }

    /// Handles one resource instance; returns the value later expressions see, or none on failure.
    #[allow(clippy::too_many_arguments)]
    async fn instance(
        &self,
        addr: &ResourceInstanceAddr,
        rep: Repetition,
        res: &Resource,
        schema: &BlockSchema,
        provider_key: &str,
        provider: Option<Arc<ProviderInstance>>,
        deps: &[String],
        skip: bool,
    ) -> Option<Value> {
        self.visited.lock().unwrap_or_else(|e| e.into_inner()).insert(addr.clone());
        let prior_state = self.prior.get(addr).cloned();
        if skip {
            return Some(prior_state.map(|s| s.value()).unwrap_or(Value::Unknown));
        }
        let (config, ok) = {
            let values = self.values.read().unwrap_or_else(|e| e.into_inner());
            self.decode_instance(&values, &addr.resource.module, rep, res, schema, &addr.to_string())
        };
        if !ok {
            return None;
        }
        if let Some(p) = &provider {
            for e in
                p.provider.validate(crate::provider::ValidateRequest { type_name: &res.type_name, config: &config })
            {
                let span = e.path.as_deref().and_then(|path| span_of_path(&res.body, path)).unwrap_or(res.header_span);
                self.diag(Diagnostic::error(e.summary, e.detail).at(span).with_address(addr));
            }
        }
        match self.op {
            Operation::Validate => Some(crate::provider::plan_by_schema(schema, None, &config).planned),
            Operation::Plan if res.mode == Mode::Data => self.read_data(addr, res, &config, provider.as_deref()).await,
            Operation::Plan => {
                self.plan_instance(addr, res, schema, config, prior_state, provider_key, provider.as_deref(), deps)
                    .await
            }
            Operation::Apply if res.mode == Mode::Data => self.read_data(addr, res, &config, provider.as_deref()).await,
            Operation::Apply => {
                self.apply_instance(addr, res, schema, config, provider_key, provider.as_deref(), deps).await
            }
        }
    }

    async fn read_data(
        &self,
        addr: &ResourceInstanceAddr,
        res: &Resource,
        config: &Value,
        provider: Option<&ProviderInstance>,
    ) -> Option<Value> {
        let p = match provider {
            Some(p) if self.ready(Some(p), Some(res.header_span)).await => p,
            // A provider whose configuration waits on resources of this run: read once it exists.
            Some(_) if self.op == Operation::Plan => return Some(Value::Unknown),
            _ => {
                self.diag(
                    Diagnostic::error(
                        format!("Cannot read {addr}"),
                        "Its provider is not configured; see the errors about the provider above.",
                    )
                    .at(res.header_span)
                    .with_address(addr),
                );
                return None;
            }
        };
        if config.contains_unknown() {
            return Some(Value::Unknown);
        }
        match p
            .provider
            .read_data(crate::provider::ReadDataRequest {
                type_name: &res.type_name,
                config: &config.clone().deep_unmarked(),
            })
            .await
        {
            Ok(v) => Some(v),
            Err(e) => {
                self.diag(Diagnostic::error(e.summary, e.detail).at(res.header_span).with_address(addr));
                None
            }
        }
    }

    fn apply_ignore_changes(res: &Resource, prior: Option<&Value>, config: Value) -> Value {
        let Some(prior) = prior else { return config };
        let (Value::Object(mut c), Some(p)) = (config.clone(), prior.as_object()) else { return config };
        for (k, v) in c.iter_mut() {
            if res.lifecycle.ignore_all_changes || res.lifecycle.ignore_changes.iter().any(|i| i == k) {
                if let Some(pv) = p.get(k) {
                    *v = pv.clone();
                }
            }
        }
        Value::Object(c)
    }

    #[allow(clippy::too_many_arguments)]
    async fn plan_instance(
        &self,
        addr: &ResourceInstanceAddr,
        res: &Resource,
        schema: &BlockSchema,
        config: Value,
        prior_state: Option<ResourceInstanceState>,
        provider_key: &str,
        provider: Option<&ProviderInstance>,
        deps: &[String],
    ) -> Option<Value> {
        let Some(provider) = provider else { return None };
        let configured = self.ready(Some(provider), Some(res.header_span)).await;
        // Refresh: read what is there now.
        let mut prior = prior_state.as_ref().map(|s| s.value());
        if let (Some(p), true, true) = (&prior, self.opts.refresh, configured) {
            let prefetched = self.prefetched.lock().unwrap_or_else(|e| e.into_inner()).remove(addr);
            let read = match prefetched {
                Some(r) => r,
                None => {
                    provider
                        .provider
                        .read(ReadRequest { type_name: &res.type_name, state: &p.clone().deep_unmarked() })
                        .await
                }
            };
            match read {
                Ok(live) => {
                    let mut paths = schema.sensitive_paths(p);
                    paths.extend(p.sensitive_paths());
                    let live = live.map(|v| v.mark_paths(&paths));
                    if live.as_ref().map(|v| v.clone().deep_unmarked()) != Some(p.clone().deep_unmarked()) {
                        self.drift.lock().unwrap_or_else(|e| e.into_inner()).push(ResourceChange {
                            address: addr.clone(),
                            provider: provider_key.to_string(),
                            action: if live.is_some() { Action::Update } else { Action::Delete },
                            before: Some(p.to_marked_json()),
                            after: live.as_ref().map(Value::to_marked_json),
                            requires_replace: Vec::new(),
                            reason: None,
                            dependencies: Vec::new(),
                        });
                    }
                    let mut ws = self.working_state.lock().unwrap_or_else(|e| e.into_inner());
                    match &live {
                        Some(v) => {
                            if let Some(mut s) = prior_state.clone() {
                                s.attributes = v.to_json();
                                ws.set(s);
                            }
                        }
                        None => {
                            ws.remove(addr);
                        }
                    }
                    prior = live;
                }
                Err(e) => {
                    self.diag(
                        Diagnostic::error(format!("Failed to read {addr}"), format!("{}: {}", e.summary, e.detail))
                            .with_address(addr),
                    );
                    return None;
                }
            }
        }
        let config = Self::apply_ignore_changes(res, prior.as_ref(), config);
        let response = if configured {
            match provider
                .provider
                .plan(PlanRequest { type_name: &res.type_name, prior: prior.as_ref(), config: &config })
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    self.diag(
                        Diagnostic::error(format!("Failed to plan {addr}"), format!("{}: {}", e.summary, e.detail))
                            .at(res.header_span)
                            .with_address(addr),
                    );
                    return None;
                }
            }
        } else {
            crate::provider::plan_by_schema(schema, prior.as_ref(), &config)
        };
        // Marks follow the configuration's values even where a provider copies them elsewhere unmarked.
        let mut paths = schema.sensitive_paths(&response.planned);
        paths.extend(config.sensitive_paths());
        let planned = response.planned.mark_paths(&paths);
        let forced = self.opts.replace.contains(addr);
        let (action, reason) = match &prior {
            None if !configured => (Action::Create, Some("its provider's configuration is known only after apply: it will be created after its cluster exists".to_string())),
            None => (Action::Create, None),
            Some(_) if forced => (self.replace_action(res), Some("-replace was given".to_string())),
            Some(_) if !response.requires_replace.is_empty() => (self.replace_action(res), None),
            Some(p) if p.clone().deep_unmarked() == planned.clone().deep_unmarked() => (Action::NoOp, None),
            Some(_) => (Action::Update, None),
        };
        if action.is_replace() && res.lifecycle.prevent_destroy {
            self.diag(
                Diagnostic::error(
                    "Instance cannot be destroyed",
                    format!("{addr} has lifecycle.prevent_destroy set, but the plan calls for replacing it. Remove prevent_destroy, or change the configuration so it is not replaced."),
                )
                .at(res.header_span)
                .with_address(addr),
            );
            return None;
        }
        let planned = if action.is_replace() && configured {
            match provider.provider.plan(PlanRequest { type_name: &res.type_name, prior: None, config: &config }).await
            {
                Ok(r) => {
                    let paths = schema.sensitive_paths(&r.planned);
                    r.planned.mark_paths(&paths)
                }
                Err(_) => planned,
            }
        } else {
            planned
        };
        self.changes.lock().unwrap_or_else(|e| e.into_inner()).push(ResourceChange {
            address: addr.clone(),
            provider: provider_key.to_string(),
            action,
            before: prior.as_ref().map(Value::to_marked_json),
            after: Some(planned.to_marked_json()),
            requires_replace: response.requires_replace,
            reason,
            dependencies: deps.to_vec(),
        });
        Some(planned)
    }

    fn replace_action(&self, res: &Resource) -> Action {
        if res.lifecycle.create_before_destroy {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        }
    }

    /// Instances in state that the configuration no longer asks for.
    fn plan_removed_instances(&self, raddr: &ResourceAddr, keys: &[InstanceKey], res: &Resource) {
        let removed: Vec<ResourceInstanceState> = self
            .prior
            .resources
            .iter()
            .filter(|r| &r.address.resource == raddr && !keys.contains(&r.address.key))
            .cloned()
            .collect();
        for r in removed {
            self.visited.lock().unwrap_or_else(|e| e.into_inner()).insert(r.address.clone());
            if self.op != Operation::Plan {
                continue;
            }
            if res.lifecycle.prevent_destroy {
                self.diag(
                    Diagnostic::error("Instance cannot be destroyed", format!("{} has lifecycle.prevent_destroy set, but it is no longer in the configuration's instances.", r.address))
                        .at(res.header_span),
                );
                continue;
            }
            let reason = match &r.address.key {
                InstanceKey::Int(_) => "its index is out of range for count",
                InstanceKey::Str(_) => "its key is not in for_each",
                InstanceKey::None => "the resource now uses count or for_each",
            };
            self.changes.lock().unwrap_or_else(|e| e.into_inner()).push(delete_change(&r, Some(reason)));
        }
    }

    /// Plan: every state instance the walk did not visit is deleted (or, for destroy, everything).
    async fn plan_orphans(&self) {
        let visited = self.visited.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for r in &self.prior.resources {
            if r.address.resource.mode != Mode::Managed {
                continue;
            }
            if !self.opts.destroy && visited.contains(&r.address) {
                continue;
            }
            if !self.opts.destroy && self.targeted_nodes.is_some() {
                continue;
            }
            if self.opts.destroy {
                if let Some(res) = self.config.tree.get(&r.address.resource.module.static_path()).and_then(|t| {
                    t.module.resources.get(&(
                        Mode::Managed,
                        r.address.resource.type_name.clone(),
                        r.address.resource.name.clone(),
                    ))
                }) {
                    if res.lifecycle.prevent_destroy {
                        self.diag(
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
            }
            let reason = if self.opts.destroy { None } else { Some("it is no longer in the configuration") };
            self.changes.lock().unwrap_or_else(|e| e.into_inner()).push(delete_change(r, reason));
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn apply_instance(
        &self,
        addr: &ResourceInstanceAddr,
        res: &Resource,
        schema: &BlockSchema,
        config: Value,
        provider_key: &str,
        provider: Option<&ProviderInstance>,
        deps: &[String],
    ) -> Option<Value> {
        let plan = self.plan.expect("apply has a plan");
        let prior = self.prior.get(addr).map(|s| s.value());
        let Some(change) = plan.change(addr) else {
            return Some(prior.unwrap_or(Value::Unknown));
        };
        if change.action == Action::NoOp {
            return Some(change.before_value().unwrap_or(Value::Unknown));
        }
        let ready = self.ready(provider, Some(res.header_span)).await;
        let Some(provider) = provider.filter(|_| ready) else {
            self.diag(
                Diagnostic::error(
                    format!("Provider for {addr} is not configured"),
                    "Its configuration could not be evaluated; see the errors above.",
                )
                .with_address(addr),
            );
            return None;
        };
        let config = Self::apply_ignore_changes(res, prior.as_ref(), config);
        let _permit = self.semaphore.acquire().await.ok()?;
        let started = std::time::Instant::now();
        self.settings.hook.pre_apply(addr, change.action);
        let result = self.apply_change(addr, res, schema, &config, prior.as_ref(), change.action, provider).await;
        match result {
            Ok(new_value) => {
                let id = new_value.get("id").and_then(|v| v.as_str()).map(str::to_string);
                let state = ResourceInstanceState {
                    address: addr.clone(),
                    provider: provider_key.to_string(),
                    attributes: new_value.to_json(),
                    sensitive_paths: new_value.sensitive_paths(),
                    dependencies: deps.to_vec(),
                    create_before_destroy: res.lifecycle.create_before_destroy,
                };
                self.persist(|s| s.set(state.clone()));
                self.settings.hook.post_apply(addr, change.action, None, id.as_deref(), started.elapsed());
                Some(new_value)
            }
            Err(message) => {
                self.settings.hook.post_apply(addr, change.action, Some(&message), None, started.elapsed());
                self.diag(
                    Diagnostic::error(format!("Failed to apply {addr}"), message)
                        .at(res.header_span)
                        .with_address(addr),
                );
                None
            }
        }
    }

    async fn apply_change(
        &self,
        addr: &ResourceInstanceAddr,
        res: &Resource,
        schema: &BlockSchema,
        config: &Value,
        prior: Option<&Value>,
        action: Action,
        provider: &ProviderInstance,
    ) -> Result<Value, String> {
        let t = &res.type_name;
        let fmt_err = |e: crate::provider::ProviderError| format!("{}: {}", e.summary, e.detail);
        let plan_prior = if action == Action::Create || action.is_replace() { None } else { prior };
        let final_plan =
            provider.provider.plan(PlanRequest { type_name: t, prior: plan_prior, config }).await.map_err(fmt_err)?;
        if action == Action::Update && !final_plan.requires_replace.is_empty() {
            return Err(format!(
                "Provider produced an inconsistent final plan: the change to {} now requires replacement, which the saved plan did not include. Run plan again.",
                final_plan.requires_replace.iter().map(|p| crate::value::format_path(p)).collect::<Vec<_>>().join(", ")
            ));
        }
        let mut planned_paths = final_plan.planned.sensitive_paths();
        planned_paths.extend(config.sensitive_paths());
        let planned = final_plan.planned.mark_paths(&planned_paths);
        if action == Action::DeleteThenCreate {
            if let Some(p) = prior {
                provider
                    .provider
                    .apply(ApplyRequest { type_name: t, prior: Some(p), planned: None, config })
                    .await
                    .map_err(fmt_err)?;
                self.persist(|s| {
                    s.remove(addr);
                });
            }
        }
        let created = provider
            .provider
            .apply(ApplyRequest { type_name: t, prior: plan_prior, planned: Some(&planned), config })
            .await
            .map_err(fmt_err)?
            .ok_or_else(|| format!("the provider returned no object for {addr}"))?;
        if action == Action::CreateThenDelete {
            if let Some(p) = prior {
                // The new object is what state must track now; the old one is reported so it can be removed by hand.
                if let Err(e) =
                    provider.provider.apply(ApplyRequest { type_name: t, prior: Some(p), planned: None, config }).await
                {
                    self.diag(
                        Diagnostic::error(
                            format!("Failed to delete the replaced object of {addr}"),
                            format!("The replacement was created and recorded in state, but deleting the old object failed: {}. Delete it by hand.", fmt_err(e)),
                        )
                        .with_address(addr),
                    );
                }
            }
        }
        if created.contains_unknown() {
            return Err(format!(
                "the provider left unknown values in the new state of {addr}; this is a bug in the provider"
            ));
        }
        let mut paths = schema.sensitive_paths(&created);
        paths.extend(planned_paths);
        Ok(created.mark_paths(&paths))
    }

    fn persist(&self, f: impl FnOnce(&mut State)) {
        let mut state = self.working_state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state);
        state.serial += 1;
        if let Some(store) = self.store {
            if let Err(e) = store.write(&state) {
                self.diag(Diagnostic::error("Failed to save state", e.to_string()));
            }
        }
    }

    /// Apply: deletes in reverse dependency order, concurrently where independent.
    async fn apply_deletes(&self) {
        let plan = self.plan.expect("apply has a plan");
        let deletes: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.action == Action::Delete).collect();
        if deletes.is_empty() {
            return;
        }
        self.configure_default_providers().await;
        let names: BTreeMap<usize, String> = deletes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (i, static_resource_name(&c.address.resource.module.static_path(), &c.address.resource.local_name()))
            })
            .collect();
        // X must be deleted after everything that depends on X.
        let mut deps: BTreeMap<usize, BTreeSet<usize>> = (0..deletes.len()).map(|i| (i, BTreeSet::new())).collect();
        for (i, c) in deletes.iter().enumerate() {
            for d in &c.dependencies {
                for (j, name) in &names {
                    if name == d && *j != i {
                        deps.entry(*j).or_default().insert(i);
                    }
                }
            }
        }
        // Provider-declared order that references do not show (objects before their namespace).
        let keys: Vec<(Vec<String>, Vec<String>)> = deletes
            .iter()
            .map(|c| {
                let provider = self.providers.read().unwrap_or_else(|e| e.into_inner()).get(&c.provider).cloned();
                match (provider, self.prior.get(&c.address)) {
                    (Some(p), Some(s)) => {
                        p.provider.delete_order(&c.address.resource.type_name, &s.value().deep_unmarked())
                    }
                    _ => (Vec::new(), Vec::new()),
                }
            })
            .collect();
        for (i, (_, needs)) in keys.iter().enumerate() {
            for (j, (provides, _)) in keys.iter().enumerate() {
                if i != j && deletes[i].provider == deletes[j].provider && needs.iter().any(|k| provides.contains(k)) {
                    deps.entry(j).or_default().insert(i);
                }
            }
        }
        let deletes = &deletes;
        dag::run(&deps, |i| async move {
            let c = deletes[i];
            let Some(before) = self.prior.get(&c.address).map(|s| s.value()) else { return true };
            let provider = self.providers.read().unwrap_or_else(|e| e.into_inner()).get(&c.provider).cloned();
            let ready = self.ready(provider.as_deref(), None).await;
            let Some(provider) = provider.filter(|_| ready) else {
                self.diag(Diagnostic::error(
                    format!("Cannot delete {}", c.address),
                    format!("Provider \"{}\" is not configured.", c.provider),
                ));
                return false;
            };
            let _permit = self.semaphore.acquire().await;
            let started = std::time::Instant::now();
            self.settings.hook.pre_apply(&c.address, Action::Delete);
            let r = provider
                .provider
                .apply(ApplyRequest {
                    type_name: &c.address.resource.type_name,
                    prior: Some(&before),
                    planned: None,
                    config: &Value::Null,
                })
                .await;
            match r {
                Ok(_) => {
                    self.persist(|s| {
                        s.remove(&c.address);
                    });
                    self.settings.hook.post_apply(&c.address, Action::Delete, None, None, started.elapsed());
                    true
                }
                Err(e) => {
                    let message = format!("{}: {}", e.summary, e.detail);
                    self.settings.hook.post_apply(&c.address, Action::Delete, Some(&message), None, started.elapsed());
                    self.diag(
                        Diagnostic::error(format!("Failed to delete {}", c.address), message).with_address(&c.address),
                    );
                    false
                }
            }
        })
        .await;
    }
}

/// The source span of the attribute or block at `path` in a body, for pointing at what a provider objected to.
/// The header of the block that declares a resource instance, by its address.
fn resource_span(config: &Config, address: &str) -> Option<Span> {
    let addr: ResourceInstanceAddr = address.parse().ok()?;
    let r = &addr.resource;
    let tree = config.tree.get(&r.module.static_path())?;
    tree.module.resources.get(&(r.mode, r.type_name.clone(), r.name.clone())).map(|res| res.header_span)
}

fn span_of_path(body: &crate::syntax::Body, path: &[crate::value::PathStep]) -> Option<Span> {
    use crate::value::PathStep;
    let (PathStep::Key(first), rest) = path.split_first()? else { return None };
    if let Some(attr) = body.attribute(first) {
        return Some(attr.expr.span);
    }
    let blocks: Vec<&crate::syntax::Block> = body.blocks_of(first).collect();
    let (block, rest) = match rest.split_first() {
        Some((PathStep::Index(i), rest)) => (*blocks.get(*i)?, rest),
        _ => (*blocks.first()?, rest),
    };
    if rest.is_empty() {
        return Some(block.kind_span);
    }
    span_of_path(&block.body, rest).or(Some(block.kind_span))
}

fn delete_change(r: &ResourceInstanceState, reason: Option<&str>) -> ResourceChange {
    ResourceChange {
        address: r.address.clone(),
        provider: r.provider.clone(),
        action: Action::Delete,
        before: Some(r.value().to_marked_json()),
        after: None,
        requires_replace: Vec::new(),
        reason: reason.map(str::to_string),
        dependencies: r.dependencies.clone(),
    }
}

/// With `-target`, the resource nodes to process: the targets and everything they depend on.
/// With a saved plan that was targeted, the nodes of resources that have changes.
fn targeted_nodes(
    config: &Config,
    targets: &[ResourceAddrPattern],
    plan: Option<&Plan>,
) -> Option<BTreeSet<NodeIndex>> {
    let g = &config.graph;
    let mut roots = Vec::new();
    let matches_node = |node: &Node, r: &ResourceAddr| {
        node.module == r.module.static_path()
            && node.kind == NodeKind::Resource(r.mode, r.type_name.clone(), r.name.clone())
    };
    if let Some(plan) = plan {
        if plan.targets.is_empty() {
            return None;
        }
        for c in &plan.changes {
            for n in g.graph.node_indices() {
                if matches_node(&g.graph[n], &c.address.resource) {
                    roots.push(n);
                }
            }
        }
        return Some(roots.into_iter().collect());
    }
    if targets.is_empty() {
        return None;
    }
    for t in targets {
        let r = match t {
            ResourceAddrPattern::Resource(r) => r,
            ResourceAddrPattern::Instance(i) => &i.resource,
        };
        for n in g.graph.node_indices() {
            if matches_node(&g.graph[n], r) {
                roots.push(n);
            }
        }
    }
    let mut out = BTreeSet::new();
    let mut stack = roots;
    while let Some(n) = stack.pop() {
        if out.insert(n) {
            stack.extend(g.dependencies(n));
        }
    }
    Some(out)
}

/// Builds the input values for the root module, reading each source in Terraform's order of
/// precedence (later wins): environment `GANTRY_VAR_name`, `gantry.vars.hcl`, then `-var-file`
/// and `-var` in the order given on the command line.
pub fn collect_inputs(
    config: &Config,
    env: &[(String, String)],
    cli: &[CliVar],
    diags: &mut Diagnostics,
) -> InputValues {
    let vars = &config.tree.module.variables;
    let mut out = InputValues::new();
    let sources = &config.sources;
    let parse_raw = |name: &str, raw: &str| -> Value {
        let wants_string = matches!(vars.get(name).map(|v| &v.ty), Some(crate::types::Type::String));
        if wants_string {
            return Value::string(raw);
        }
        let file = sources.add(Path::new("<value>"), raw.to_string());
        match crate::syntax::parse_expression(file, raw).ok().and_then(|e| crate::eval::eval_constant(&e).ok()) {
            Some(v) => v,
            None => Value::string(raw),
        }
    };
    for (k, v) in env {
        if let Some(name) = k.strip_prefix("GANTRY_VAR_") {
            if vars.contains_key(name) {
                out.insert(name.to_string(), (parse_raw(name, v), None));
            }
        }
    }
    let auto = config.root_dir.join(crate::config::AUTO_VARS_FILE);
    let mut files: Vec<PathBuf> = Vec::new();
    if auto.is_file() {
        files.push(auto);
    }
    let apply_file = |path: &Path, out: &mut InputValues, diags: &mut Diagnostics| {
        for (name, (v, span)) in crate::config::load_vars_file(path, sources, diags) {
            if !vars.contains_key(&name) {
                let hint = crate::diag::did_you_mean(&name, vars.keys().map(String::as_str));
                diags.push(
                    Diagnostic::warning(
                        "Value for undeclared variable",
                        format!("The variables file sets \"{name}\", but no such variable is declared.{hint}"),
                    )
                    .at(span),
                );
                continue;
            }
            out.insert(name, (v, Some(span)));
        }
    };
    for f in files {
        apply_file(&f, &mut out, diags);
    }
    for item in cli {
        match item {
            CliVar::File(path) => apply_file(path, &mut out, diags),
            CliVar::Assign(name, raw) => {
                if !vars.contains_key(name) {
                    let hint = crate::diag::did_you_mean(name, vars.keys().map(String::as_str));
                    diags.push(Diagnostic::error(
                        "Value for undeclared variable",
                        format!("-var sets \"{name}\", but the root module declares no variable of that name.{hint}"),
                    ));
                    continue;
                }
                out.insert(name.clone(), (parse_raw(name, raw), None));
            }
        }
    }
    out
}

/// One variable source from the command line, in the order given.
#[derive(Debug, Clone)]
pub enum CliVar {
    Assign(String, String),
    File(PathBuf),
}

/// Renders the values of a map for diagnostics; re-exported for the CLI.
pub fn map_value(m: &Map) -> Value {
    Value::Object(m.clone())
}
#[cfg(test)]
mod tests;
