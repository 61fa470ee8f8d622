//! The graph's nodes and edges, and the orderings and dependency walks that plan, apply and
//! state share, so that each asks them the same way.

use crate::addr::{Mode, ModulePath};
use crate::diag::Span;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Variable(String),
    Local(String),
    Output(String),
    Resource(Mode, String, String),
    ModuleCall(String),
    Provider(String, Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub module: ModulePath,
    pub kind: NodeKind,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.0.is_empty() {
            write!(f, "{}.", self.module)?;
        }
        match &self.kind {
            NodeKind::Variable(n) => write!(f, "var.{n}"),
            NodeKind::Local(n) => write!(f, "local.{n}"),
            NodeKind::Output(n) => write!(f, "output.{n}"),
            NodeKind::Resource(Mode::Managed, t, n) => write!(f, "{t}.{n}"),
            NodeKind::Resource(Mode::Data, t, n) => write!(f, "data.{t}.{n}"),
            NodeKind::ModuleCall(n) => write!(f, "module.{n}"),
            NodeKind::Provider(n, None) => write!(f, "provider.{n}"),
            NodeKind::Provider(n, Some(a)) => write!(f, "provider.{n}.{a}"),
        }
    }
}

/// Why one node depends on another: where the reference is written, if anywhere.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub span: Option<Span>,
}

/// Nodes with edges from a dependent to each node it depends on.
pub struct ConfigGraph {
    pub graph: DiGraph<Node, Edge>,
    pub index: HashMap<Node, NodeIndex>,
}

impl ConfigGraph {
    pub fn node(&self, node: &Node) -> Option<NodeIndex> {
        self.index.get(node).copied()
    }

    /// The nodes in an order where each comes after everything it depends on.
    pub fn order(&self) -> Vec<NodeIndex> {
        let mut order = petgraph::algo::toposort(&self.graph, None).unwrap_or_default();
        order.reverse();
        order
    }

    pub fn dependencies(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(n, petgraph::Direction::Outgoing)
    }

    pub fn dependents(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(n, petgraph::Direction::Incoming)
    }

    /// The resource nodes a node depends on, looking through variables, locals,
    /// outputs and module calls: what state records as a resource's dependencies.
    pub fn resource_dependencies(&self, n: NodeIndex) -> BTreeSet<NodeIndex> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = self.dependencies(n).collect();
        while let Some(d) = stack.pop() {
            if !seen.insert(d) {
                continue;
            }
            match self.graph[d].kind {
                NodeKind::Resource(..) => {
                    out.insert(d);
                }
                NodeKind::Provider(..) => {}
                _ => stack.extend(self.dependencies(d)),
            }
        }
        out
    }
}
