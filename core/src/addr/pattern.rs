//! Address patterns users type to select things: `-target`, `state rm`. A
//! pattern names a module instance, a whole resource, or one instance.

use crate::addr::{AddrParseError, InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};

/// A `-target` (or `state rm`) address: a whole module instance, a whole resource, or one instance.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceAddrPattern {
    /// `module.a` or `module.a["x"]`; a module step without a key matches every instance of that call.
    Module(ModuleInstance),
    Resource(ResourceAddr),
    Instance(ResourceInstanceAddr),
}

impl ResourceAddrPattern {
    pub fn parse(s: &str) -> Result<Self, AddrParseError> {
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

#[cfg(test)]
mod pattern_tests {
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
