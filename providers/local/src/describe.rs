//! How the plan's analysis sees `local_node_pool`: a pool priced from the AWS
//! catalogue, because the simulator's instance types are AWS's.

use gantry_core::analysis::describe::{GpuRequest, PoolDescription};
pub(crate) use gantry_core::analysis::fields::{capacity, count, labels, scaling, single_block, strings, taints, text};
use gantry_core::value::Value;

/// The catalogue the simulator's node pools are priced from.
pub const CLOUD: &str = "aws";

/// Instance types in preference order: the one the provider resolved, else
/// the configured list; empty while any is known only after apply.
fn instance_types(v: &Value) -> Vec<String> {
    if let Some(t) = v.get("instance_type").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        return vec![t.to_string()];
    }
    strings(v.get("instance_types"))
}

/// A `local_node_pool` value (planned or stored) as a pool.
pub fn pool(v: &Value) -> Option<PoolDescription> {
    v.as_object()?;
    let gpu = single_block(v.get("gpu"))
        .and_then(|g| Some(GpuRequest { model: g.get("model")?.as_str()?.to_string(), count: count(g.get("count"))? }));
    Some(PoolDescription {
        name: [v.get("node_group_name"), v.get("name")]
            .into_iter()
            .flatten()
            .find_map(|n| n.as_str().filter(|s| !s.is_empty()))
            .unwrap_or_default()
            .to_string(),
        cloud: CLOUD.to_string(),
        cluster: text(v.get("cluster_name")),
        instance_types: instance_types(v),
        gpu,
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
    fn a_local_pool_reads_as_a_pool() {
        let v = Value::from_json(&serde_json::json!({
            "node_group_name": "gpu", "instance_type": "g5.xlarge", "capacity_type": "SPOT", "cluster_name": "ml",
            "scaling_config": {"min_size": 0, "max_size": 4, "desired_size": 1},
            "labels": {"workload": "inference"},
            "taint": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
        }));
        let p = pool(&v).unwrap();
        assert_eq!(p.instance_types, vec!["g5.xlarge".to_string()]);
        assert_eq!(p.capacity, Capacity::Spot);
        assert_eq!(p.taints[0].effect, "NoSchedule");
        assert_eq!(p.scaling, Scaling { min: 0, desired: 1, max: 4, known: true });
        let pool = p.to_pool().unwrap();
        assert_eq!((pool.name.as_str(), pool.cloud.as_str()), ("gpu", "aws"));
    }

    #[test]
    fn unknown_values_are_not_guessed() {
        let v = Value::object([
            ("node_group_name", Value::string("gpu")),
            ("instance_types", Value::Unknown),
            ("scaling_config", Value::object([("min_size", Value::Unknown)])),
        ]);
        let p = pool(&v).unwrap();
        assert!(p.instance_types.is_empty() && p.to_pool().is_none());
        assert!(!p.scaling.known);
        assert!(pool(&Value::Unknown).is_none());
    }
}
