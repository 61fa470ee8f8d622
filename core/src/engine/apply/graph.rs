//! The execution graph apply walks, built from the plan: one step per side
//! effect (a create, an update, a delete, and each half of a replacement) and
//! one per configuration value the steps need. Edges say what must be done
//! first:
//!
//! - a create or update waits for the values its configuration refers to;
//! - a delete waits for everything that depended on the object to be deleted,
//!   replaced or updated away from it, and for the provider-declared order
//!   (objects before their namespace);
//! - destroy-then-create: delete the old object, then create the new one;
//! - create-then-destroy: create the new object, let every resource that refers
//!   to it be applied against the new one, then delete the old one.
//!
//! Only what the plan contains becomes a side effect: instances the plan does
//! not mention are never touched.

use crate::addr::{Mode, ResourceInstanceAddr};
use crate::engine::walk::static_name;
use crate::engine::Config;
use crate::graph::NodeKind;
use crate::plan::{Action, Plan};
use crate::provider::Registry;
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which part of a change a step carries out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Half {
    /// A create, an update, or a delete.
    Whole,
    /// The delete of a replacement's old object.
    Destroy,
    /// The create of a replacement's new object.
    Create,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    /// A variable, local, output, module call or provider block.
    Value(NodeIndex),
    /// A resource's `count`/`for_each` in every module instance.
    Expand(NodeIndex),
    /// A resource's instance values, once its changes are applied.
    Collect(NodeIndex),
    /// Providers that only state names (deletes of resources that left the configuration).
    StateProviders,
    /// Part of the plan's change at this index.
    Change(usize, Half),
}

pub(crate) type Deps = BTreeMap<Step, BTreeSet<Step>>;

/// The config node that declares an instance's resource.
pub(crate) fn resource_node(config: &Config, addr: &ResourceInstanceAddr) -> Option<NodeIndex> {
    let r = &addr.resource;
    let kind = NodeKind::Resource(r.mode, r.type_name.clone(), r.name.clone());
    config.graph.node(&crate::graph::Node { module: r.module.static_path(), kind })
}

pub(crate) fn build(config: &Config, plan: &Plan, registry: &Registry) -> Deps {
    let g = &config.graph;
    let mut deps: Deps = BTreeMap::new();
    let as_value = |d: NodeIndex| match g.graph[d].kind {
        NodeKind::Resource(..) => Step::Collect(d),
        _ => Step::Value(d),
    };
    // The configuration's values: evaluated for every plan that is not a destroy.
    if !plan.destroy {
        for n in g.graph.node_indices() {
            let needs: BTreeSet<Step> = g.dependencies(n).map(as_value).collect();
            if matches!(g.graph[n].kind, NodeKind::Resource(..)) {
                deps.insert(Step::Expand(n), needs);
                deps.insert(Step::Collect(n), [Step::Expand(n)].into());
            } else {
                deps.insert(Step::Value(n), needs);
            }
        }
    }
    let providers: BTreeSet<Step> = g
        .graph
        .node_indices()
        .filter(|n| !plan.destroy && matches!(g.graph[*n].kind, NodeKind::Provider(..) | NodeKind::Variable(..)))
        .filter(|n| g.graph[*n].module.0.is_empty())
        .map(Step::Value)
        .collect();
    deps.insert(Step::StateProviders, providers);

    let node_of: HashMap<usize, NodeIndex> = plan
        .changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| resource_node(config, &c.address).map(|n| (i, n)))
        .collect();
    for (i, c) in plan.changes.iter().enumerate() {
        let expand = node_of.get(&i).map(|n| Step::Expand(*n)).filter(|_| !plan.destroy);
        let collect = node_of.get(&i).map(|n| Step::Collect(*n)).filter(|_| !plan.destroy);
        let mut add = |step: Step, needs: Vec<Option<Step>>| {
            deps.insert(step, needs.into_iter().flatten().collect());
        };
        match c.action {
            Action::NoOp | Action::Read => {}
            // Forgetting calls no provider: the state record is dropped and nothing waits on it.
            Action::Forget => add(Step::Change(i, Half::Whole), vec![]),
            Action::Create | Action::Update => add(Step::Change(i, Half::Whole), vec![expand]),
            Action::Delete => add(Step::Change(i, Half::Whole), vec![Some(Step::StateProviders), expand]),
            Action::DeleteThenCreate => {
                add(Step::Change(i, Half::Destroy), vec![expand]);
                add(Step::Change(i, Half::Create), vec![Some(Step::Change(i, Half::Destroy)), expand]);
            }
            Action::CreateThenDelete => {
                add(Step::Change(i, Half::Create), vec![expand]);
                add(Step::Change(i, Half::Destroy), vec![Some(Step::Change(i, Half::Create))]);
            }
        }
        // The resource's values wait for its new objects.
        if let (Some(collect), true) =
            (collect, matches!(c.action, Action::Create | Action::Update) || c.action.is_replace())
        {
            let half = if c.action.is_replace() { Half::Create } else { Half::Whole };
            deps.entry(collect).or_default().insert(Step::Change(i, half));
        }
    }
    add_create_then_delete_edges(config, plan, &node_of, &mut deps);
    add_delete_order(plan, registry, &mut deps);
    deps
}

/// The old object of a create-then-destroy replacement goes only after everything referring to it was applied.
fn add_create_then_delete_edges(config: &Config, plan: &Plan, node_of: &HashMap<usize, NodeIndex>, deps: &mut Deps) {
    if plan.destroy {
        return;
    }
    let g = &config.graph;
    let replaced_first: Vec<(usize, NodeIndex)> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action == Action::CreateThenDelete)
        .filter_map(|(i, _)| node_of.get(&i).map(|n| (i, *n)))
        .collect();
    if replaced_first.is_empty() {
        return;
    }
    // Which resources refer to each resource, looked up once for all replacements.
    let mut dependents: HashMap<NodeIndex, Vec<NodeIndex>> = HashMap::new();
    for m in g.graph.node_indices().filter(|n| matches!(g.graph[*n].kind, NodeKind::Resource(..))) {
        for d in g.resource_dependencies(m) {
            dependents.entry(d).or_default().push(m);
        }
    }
    for (i, n) in replaced_first {
        let step = deps.entry(Step::Change(i, Half::Destroy)).or_default();
        step.extend(dependents.get(&n).into_iter().flatten().filter(|m| **m != n).map(|m| Step::Collect(*m)));
    }
}

/// What an object's delete must wait for: the deletes, replacements and updates of what depended on it.
fn add_delete_order(plan: &Plan, registry: &Registry, deps: &mut Deps) {
    let deleting: Vec<(usize, Half)> = plan
        .changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c.action {
            Action::Delete => Some((i, Half::Whole)),
            Action::DeleteThenCreate => Some((i, Half::Destroy)),
            _ => None,
        })
        .collect();
    if deleting.is_empty() {
        return;
    }
    // Everything that depended on a name, by what state recorded and what the plan records now.
    let mut dependents: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, c) in plan.changes.iter().enumerate() {
        let recorded = plan.refreshed_state.get(&c.address).map(|s| s.dependencies.clone()).unwrap_or_default();
        for d in recorded.iter().chain(&c.dependencies).collect::<BTreeSet<_>>() {
            dependents.entry(d.clone()).or_default().push(j);
        }
    }
    let order_keys = delete_order_keys(plan, registry, &deleting);
    // Which deletes need each key: a scan of every pair of deletes made destroy quadratic.
    let mut needed_by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (m, (_, needs)) in order_keys.iter().enumerate() {
        for key in needs {
            needed_by.entry(key.as_str()).or_default().push(m);
        }
    }
    for (k, &(i, half)) in deleting.iter().enumerate() {
        let c = &plan.changes[i];
        let mut needs = BTreeSet::new();
        for &j in dependents.get(&static_name(&c.address)).into_iter().flatten() {
            if j == i {
                continue;
            }
            let other = &plan.changes[j];
            match other.action {
                Action::Delete => needs.insert(Step::Change(j, Half::Whole)),
                Action::DeleteThenCreate if c.action == Action::DeleteThenCreate => {
                    needs.insert(Step::Change(j, Half::Destroy))
                }
                Action::Update | Action::Create if c.action == Action::Delete => {
                    needs.insert(Step::Change(j, Half::Whole))
                }
                _ => false,
            };
        }
        // Provider-declared order that references do not show (objects before their namespace).
        // `k` provides what `m` needs: `m` goes first.
        for &m in order_keys[k].0.iter().flat_map(|p| needed_by.get(p.as_str())).flatten() {
            let (j, jhalf) = deleting[m];
            if m != k && plan.changes[j].provider == c.provider {
                needs.insert(Step::Change(j, jhalf));
            }
        }
        deps.entry(Step::Change(i, half)).or_default().extend(needs);
    }
}

/// For each delete, the keys its object provides and needs, from its provider's declared order.
fn delete_order_keys(plan: &Plan, registry: &Registry, deleting: &[(usize, Half)]) -> Vec<(Vec<String>, Vec<String>)> {
    let mut instances: HashMap<String, Box<dyn crate::provider::Provider>> = HashMap::new();
    deleting
        .iter()
        .map(|&(i, _)| {
            let c = &plan.changes[i];
            let name = c.provider.split('.').next().unwrap_or_default().to_string();
            let Some(factory) = registry.get(&name) else { return (Vec::new(), Vec::new()) };
            let provider = instances.entry(name).or_insert_with(|| factory.instantiate());
            match (c.address.resource.mode, &c.before) {
                (Mode::Managed, Some(before)) => {
                    provider.delete_order(&c.address.resource.type_name, &before.clone().deep_unmarked())
                }
                _ => (Vec::new(), Vec::new()),
            }
        })
        .collect()
}

/// Whether the graph is free of cycles; a cycle would leave steps that never run.
pub(crate) fn acyclic(deps: &Deps) -> bool {
    let mut remaining: BTreeMap<&Step, usize> =
        deps.iter().map(|(s, d)| (s, d.iter().filter(|x| deps.contains_key(*x)).count())).collect();
    let mut dependents: BTreeMap<&Step, Vec<&Step>> = BTreeMap::new();
    for (s, ds) in deps {
        for d in ds.iter().filter(|d| deps.contains_key(*d)) {
            dependents.entry(d).or_default().push(s);
        }
    }
    let mut ready: Vec<&Step> = remaining.iter().filter(|(_, c)| **c == 0).map(|(s, _)| *s).collect();
    let mut done = 0;
    while let Some(s) = ready.pop() {
        done += 1;
        for d in dependents.get(s).into_iter().flatten() {
            let c = remaining.get_mut(d).expect("every step has a count");
            *c -= 1;
            if *c == 0 {
                ready.push(d);
            }
        }
    }
    done == deps.len()
}
