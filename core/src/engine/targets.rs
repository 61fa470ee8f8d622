//! `-target`: which resource instances a plan may touch. A target selects
//! exactly what it names (a module, a resource, or one instance) plus
//! everything that depends on nothing but is needed by it: the resources it
//! depends on, whole. Instances of a targeted resource that the target does not
//! name keep their state and are not planned.

use super::Config;
use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use crate::graph::NodeKind;
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, BTreeSet};

/// A `-target` (or `state rm`) address: a whole module instance, a whole resource, or one instance.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceAddrPattern {
    /// `module.a` or `module.a["x"]`; a module step without a key matches every instance of that call.
    Module(ModuleInstance),
    Resource(ResourceAddr),
    Instance(ResourceInstanceAddr),
}

impl ResourceAddrPattern {
    pub fn parse(s: &str) -> Result<Self, crate::addr::AddrParseError> {
        let trimmed = s.trim();
        let inst: ResourceInstanceAddr = match trimmed.parse() {
            Ok(i) => i,
            // A module address has no resource after it; parse it as the module of a placeholder.
            Err(e) if trimmed.starts_with("module.") => {
                match format!("{trimmed}.module_target_placeholder.x").parse::<ResourceInstanceAddr>() {
                    Ok(i) => return Ok(ResourceAddrPattern::Module(i.resource.module)),
                    Err(_) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        Ok(if inst.key == InstanceKey::None && !trimmed.ends_with(']') {
            ResourceAddrPattern::Resource(inst.resource)
        } else {
            ResourceAddrPattern::Instance(inst)
        })
    }

    pub fn matches(&self, addr: &ResourceInstanceAddr) -> bool {
        match self {
            ResourceAddrPattern::Module(m) => {
                let steps = &addr.resource.module.0;
                steps.len() >= m.0.len()
                    && m.0
                        .iter()
                        .zip(steps)
                        .all(|(p, s)| p.name == s.name && (p.key == InstanceKey::None || p.key == s.key))
            }
            ResourceAddrPattern::Resource(r) => &addr.resource == r,
            ResourceAddrPattern::Instance(i) => addr == i,
        }
    }

    /// Whether the pattern can name something declared in this static module path and resource.
    fn names_node(&self, config: &Config, n: NodeIndex) -> bool {
        let node = &config.graph.graph[n];
        let NodeKind::Resource(mode, t, name) = &node.kind else { return false };
        match self {
            ResourceAddrPattern::Module(m) => {
                let path = m.static_path();
                node.module.0.len() >= path.0.len() && path.0.iter().zip(&node.module.0).all(|(a, b)| a == b)
            }
            ResourceAddrPattern::Resource(r)
            | ResourceAddrPattern::Instance(ResourceInstanceAddr { resource: r, .. }) => {
                node.module == r.module.static_path() && r.mode == *mode && &r.type_name == t && &r.name == name
            }
        }
    }
}

impl std::fmt::Display for ResourceAddrPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResourceAddrPattern::Module(m) => write!(f, "{}", m.to_string().trim_end_matches('.')),
            ResourceAddrPattern::Resource(r) => write!(f, "{r}"),
            ResourceAddrPattern::Instance(i) => write!(f, "{i}"),
        }
    }
}

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
            for t in targets.iter().filter(|t| t.names_node(config, n)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_parse_and_match_what_they_name() {
        let a: ResourceInstanceAddr = "module.pool[\"a\"].local_node_pool.this[0]".parse().unwrap();
        let b: ResourceInstanceAddr = "module.pool[\"b\"].local_node_pool.this[0]".parse().unwrap();
        let all = ResourceAddrPattern::parse("module.pool").unwrap();
        assert!(matches!(all, ResourceAddrPattern::Module(_)));
        assert!(all.matches(&a) && all.matches(&b));
        let one = ResourceAddrPattern::parse("module.pool[\"a\"]").unwrap();
        assert!(one.matches(&a) && !one.matches(&b));
        let res = ResourceAddrPattern::parse("module.pool[\"a\"].local_node_pool.this").unwrap();
        assert!(matches!(res, ResourceAddrPattern::Resource(_)));
        assert!(res.matches(&a) && !res.matches(&b));
        let inst = ResourceAddrPattern::parse("module.pool[\"a\"].local_node_pool.this[1]").unwrap();
        assert!(!inst.matches(&a));
        assert_eq!(one.to_string(), "module.pool[\"a\"]");
        assert!(ResourceAddrPattern::parse("module.").is_err());
        assert!(ResourceAddrPattern::parse("nonsense").is_err());
    }
}
