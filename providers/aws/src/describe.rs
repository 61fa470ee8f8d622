//! How the plan's analysis sees `aws_eks_node_group`: a pool of EC2 instances,
//! priced from the AWS catalogue.

use gantry_core::analysis::describe::{kube_taint_effect, Capacity, PoolDescription, Scaling};
use gantry_core::analysis::placement::Taint;
use gantry_core::value::Value;
use std::collections::BTreeMap;

/// The catalogue EKS node groups are priced from.
pub const CLOUD: &str = "aws";

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn count(v: Option<&Value>) -> Option<u32> {
    // EKS rejects negative sizes; clamp rather than fail, since this only estimates.
    v.and_then(Value::as_f64).filter(|n| n.is_finite()).map(|n| n.clamp(0.0, f64::from(u32::MAX)) as u32)
}

/// `scaling_config` is a single block, stored as an object or a one-element list.
fn scaling(v: Option<&Value>) -> Scaling {
    let block = match v {
        Some(x) if x.as_object().is_some() => Some(x),
        Some(x) => x.as_list().and_then(|l| l.first()).filter(|f| f.as_object().is_some()),
        None => None,
    };
    let n = |k: &str| block.and_then(|b| count(b.get(k))).unwrap_or(0);
    Scaling {
        min: n("min_size"),
        desired: n("desired_size"),
        max: n("max_size"),
        known: block.is_some() && !v.is_some_and(Value::contains_unknown),
    }
}

/// A node group value (planned or read from EKS) as a pool. EKS launches the
/// first instance type it can get; the analysis places and prices the first.
pub fn node_group(v: &Value) -> Option<PoolDescription> {
    v.as_object()?;
    let instance_types = v
        .get("instance_types")
        .and_then(Value::as_list)
        .and_then(|l| l.iter().map(|t| t.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
        .unwrap_or_default();
    let taints = v
        .get("taint")
        .and_then(Value::as_list)
        .map(|items| {
            items
                .iter()
                .map(|t| Taint {
                    key: text(t.get("key")),
                    value: text(t.get("value")),
                    effect: kube_taint_effect(&text(t.get("effect"))),
                })
                .collect()
        })
        .unwrap_or_default();
    let labels: BTreeMap<String, String> = v
        .get("labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default();
    Some(PoolDescription {
        name: text(v.get("node_group_name")),
        cloud: CLOUD.to_string(),
        cluster: text(v.get("cluster_name")),
        instance_types,
        gpu: None,
        // CAPACITY_BLOCK is reserved capacity, paid like On-Demand.
        capacity: if text(v.get("capacity_type")) == "SPOT" { Capacity::Spot } else { Capacity::OnDemand },
        scaling: scaling(v.get("scaling_config")),
        labels,
        taints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_group_reads_as_a_pool() {
        let v = Value::from_json(&serde_json::json!({
            "node_group_name": "cpu", "cluster_name": "ml", "instance_types": ["m6i.xlarge", "m6i.2xlarge"],
            "scaling_config": [{"min_size": 1, "max_size": 3, "desired_size": 2}],
            "taint": [{"key": "dedicated", "value": "ml", "effect": "NO_EXECUTE"}]
        }));
        let p = node_group(&v).unwrap();
        assert_eq!(p.scaling, Scaling { min: 1, desired: 2, max: 3, known: true });
        assert_eq!(p.capacity, Capacity::OnDemand);
        assert_eq!(p.taints[0].effect, "NoExecute");
        let pool = p.to_pool().unwrap();
        assert_eq!((pool.name.as_str(), pool.instance_type.as_str()), ("cpu", "m6i.xlarge"));
        let pending = Value::object([("node_group_name", Value::string("gpu")), ("instance_types", Value::Unknown)]);
        assert!(node_group(&pending).unwrap().to_pool().is_none());
    }
}
