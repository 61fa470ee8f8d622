//! `-target`: which resource instances a plan may touch. A target selects
//! exactly what it names (a module, a resource, or one instance) plus
//! everything that depends on nothing but is needed by it: the resources it
//! depends on, whole. Instances of a targeted resource that the target does not
//! name keep their state and are not planned.

use super::Config;
pub use crate::addr::ResourceAddrPattern;
use crate::addr::ResourceInstanceAddr;
use crate::graph::NodeKind;
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, BTreeSet};

/// The resource nodes and instances a targeted plan covers.
pub(crate) struct Selection {
    /// Resources every instance of which is planned: dependencies of a target.
    whole: BTreeSet<NodeIndex>,
    /// Resources some of whose instances are named by a target, with the patterns that name them.
    named: BTreeMap<NodeIndex, Vec<ResourceAddrPattern>>,
}

impl Selection {
    /// `None` when there are no targets: everything is selected.
    pub fn new(config: &Config, targets: &[ResourceAddrPattern]) -> Option<Selection> {
        if targets.is_empty() {
            return None;
        }
        let g = &config.graph;
        let mut named: BTreeMap<NodeIndex, Vec<ResourceAddrPattern>> = BTreeMap::new();
        for n in g.graph.node_indices() {
            for t in targets.iter().filter(|t| names_node(t, config, n)) {
                named.entry(n).or_default().push(t.clone());
            }
        }
        let mut whole = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = named.keys().flat_map(|n| g.dependencies(*n)).collect();
        while let Some(n) = stack.pop() {
            if whole.insert(n) {
                stack.extend(g.dependencies(n));
            }
        }
        Some(Selection { whole, named })
    }

    pub fn node_selected(&self, n: NodeIndex) -> bool {
        self.whole.contains(&n) || self.named.contains_key(&n)
    }

    pub fn instance_selected(&self, n: NodeIndex, addr: &ResourceInstanceAddr) -> bool {
        self.whole.contains(&n) || self.named.get(&n).is_some_and(|ps| ps.iter().any(|p| p.matches(addr)))
    }
}

/// The targets that name no instance the configuration expanded to or the state holds, for an error.
pub(crate) fn unmatched<'t>(
    patterns: impl Iterator<Item = &'t ResourceAddrPattern>,
    known: &BTreeSet<ResourceInstanceAddr>,
) -> Vec<&'t ResourceAddrPattern> {
    patterns.filter(|p| !known.iter().any(|a| p.matches(a))).collect()
}

/// Whether the pattern can name something declared in this static module path and resource.
fn names_node(pattern: &ResourceAddrPattern, config: &Config, n: NodeIndex) -> bool {
    let node = &config.graph.graph[n];
    let NodeKind::Resource(mode, t, name) = &node.kind else { return false };
    match pattern {
        ResourceAddrPattern::Module(m) => {
            let path = m.static_path();
            node.module.0.len() >= path.0.len() && path.0.iter().zip(&node.module.0).all(|(a, b)| a == b)
        }
        ResourceAddrPattern::Resource(r) | ResourceAddrPattern::Instance(ResourceInstanceAddr { resource: r, .. }) => {
            node.module == r.module.static_path() && r.mode == *mode && &r.type_name == t && &r.name == name
        }
    }
}
