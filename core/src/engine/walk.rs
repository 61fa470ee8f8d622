//! The configuration walk of validate and plan: every node of the
//! configuration graph runs as soon as what it refers to is done. Variables,
//! locals, outputs, module calls and provider blocks are evaluated by the shared
//! [`Evaluation`]; resources by the phase's own visitor.
//!
//! Validate and plan go on past errors, so that one run reports as many
//! problems as it can: a node's failure does not stop the nodes after it.

use super::dag;
use super::evaluate::Evaluation;
use super::providers::Providers;
use crate::graph::NodeKind;
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// Evaluates one non-resource node; returns whether it succeeded.
pub(crate) fn visit_value_node(ev: &Evaluation<'_>, providers: &Providers, n: NodeIndex) -> bool {
    let node = &ev.config.graph.graph[n];
    match &node.kind {
        NodeKind::Variable(name) => ev.visit_variable(&node.module, name),
        NodeKind::Local(name) => ev.visit_local(&node.module, name),
        NodeKind::Output(name) => ev.visit_output(&node.module, name),
        NodeKind::ModuleCall(name) => ev.visit_module_call(&node.module, name),
        NodeKind::Provider(name, alias) => providers.visit(ev, name, alias.as_deref()),
        NodeKind::Resource(..) => true,
    }
}

pub(crate) async fn walk<F, Fut>(ev: &Evaluation<'_>, providers: &Providers, visit_resource: F)
where
    F: Fn(NodeIndex) -> Fut,
    Fut: Future<Output = ()>,
{
    let g = &ev.config.graph;
    let deps: BTreeMap<NodeIndex, BTreeSet<NodeIndex>> =
        g.graph.node_indices().map(|n| (n, g.dependencies(n).collect())).collect();
    let visit_resource = &visit_resource;
    dag::run(&deps, |n| async move {
        if matches!(g.graph[n].kind, NodeKind::Resource(..)) {
            visit_resource(n).await;
        } else {
            visit_value_node(ev, providers, n);
        }
        true
    })
    .await;
}

/// A resource node of the graph with its declaration.
pub(crate) struct ResourceNode<'c> {
    pub path: &'c crate::addr::ModulePath,
    pub mode: crate::addr::Mode,
    pub type_name: &'c str,
    pub name: &'c str,
    pub res: &'c crate::config::Resource,
}

impl<'c> ResourceNode<'c> {
    pub fn of(config: &'c super::Config, n: NodeIndex) -> Option<ResourceNode<'c>> {
        let node = &config.graph.graph[n];
        let NodeKind::Resource(mode, t, name) = &node.kind else { return None };
        let res = config.tree.get(&node.module)?.module.resources.get(&(*mode, t.clone(), name.clone()))?;
        Some(ResourceNode { path: &node.module, mode: *mode, type_name: t, name, res })
    }

    pub fn addr(&self, mi: &crate::addr::ModuleInstance) -> crate::addr::ResourceAddr {
        crate::addr::ResourceAddr {
            module: mi.clone(),
            mode: self.mode,
            type_name: self.type_name.to_string(),
            name: self.name.to_string(),
        }
    }

    /// The resources it depends on, by static name, as state records them.
    pub fn dependencies(config: &super::Config, n: NodeIndex) -> Vec<String> {
        config.graph.resource_dependencies(n).into_iter().map(|d| config.graph.graph[d].to_string()).collect()
    }
}

type ResourceKey = (crate::addr::ModuleInstance, crate::addr::Mode, String, String);

fn key_of(raddr: &crate::addr::ResourceAddr) -> ResourceKey {
    (raddr.module.clone(), raddr.mode, raddr.type_name.clone(), raddr.name.clone())
}

/// Records how a resource expanded in one module instance, for references to it as a whole.
pub(crate) fn store_expansion(ev: &Evaluation<'_>, raddr: &crate::addr::ResourceAddr, exp: super::values::Expansion) {
    ev.values_mut().resource_expansions.insert(key_of(raddr), exp);
}

/// Records the values later expressions see for the given instances.
pub(crate) fn store_values(
    ev: &Evaluation<'_>,
    raddr: &crate::addr::ResourceAddr,
    values: impl IntoIterator<Item = (crate::addr::InstanceKey, crate::value::Value)>,
) {
    let mut all = ev.values_mut();
    let slot = all.resource_instances.entry(key_of(raddr)).or_default();
    slot.extend(values);
}

/// The static name state records dependencies by: `module.a.aws_vpc.main`.
pub(crate) fn static_name(addr: &crate::addr::ResourceInstanceAddr) -> String {
    let module = addr.resource.module.static_path();
    let local = addr.resource.local_name();
    if module.0.is_empty() {
        local
    } else {
        format!("{module}.{local}")
    }
}
