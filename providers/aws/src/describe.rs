//! How the plan's analysis sees `aws_eks_node_group`: a pool of EC2 instances,
//! priced from the AWS catalogue.

use gantry_core::analysis::describe::PoolDescription;
use gantry_core::analysis::fields::{capacity, labels, scaling, strings, taints, text};
use gantry_core::value::Value;

/// The catalogue EKS node groups are priced from.
pub const CLOUD: &str = "aws";

/// A node group value (planned or read from EKS) as a pool. EKS launches the
/// first instance type it can get; the analysis places and prices the first.
pub fn node_group(v: &Value) -> Option<PoolDescription> {
    v.as_object()?;
    Some(PoolDescription {
        name: text(v.get("node_group_name")),
        cloud: CLOUD.to_string(),
        cluster: text(v.get("cluster_name")),
        instance_types: strings(v.get("instance_types")),
        gpu: None,
        capacity: capacity(v.get("capacity_type")),
        scaling: scaling(v.get("scaling_config")),
        labels: labels(v.get("labels")),
        taints: taints(v.get("taint")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gantry_core::analysis::describe::{Capacity, Scaling};

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
