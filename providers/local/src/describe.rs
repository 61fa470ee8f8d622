//! How the plan's analysis sees `local_node_pool`: a pool priced from the AWS
//! catalogue, because the simulator's instance types are AWS's.

use gantry_core::analysis::describe::{kube_taint_effect, Capacity, GpuRequest, PoolDescription, Scaling};
use gantry_core::analysis::placement::Taint;
use gantry_core::value::Value;
use std::collections::BTreeMap;

/// The catalogue the simulator's node pools are priced from.
pub const CLOUD: &str = "aws";

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn count(v: Option<&Value>) -> Option<u32> {
    // Negative or fractional sizes are rejected by validation; clamp rather
    // than fail, since this only estimates.
    v.and_then(Value::as_f64).filter(|n| n.is_finite()).map(|n| n.clamp(0.0, f64::from(u32::MAX)) as u32)
}

/// A single nested block may be stored as an object or as a one-element list.
pub(crate) fn single_block(v: Option<&Value>) -> Option<&Value> {
    match v {
        Some(x) if x.as_object().is_some() => Some(x),
        Some(x) => x.as_list().and_then(|l| l.first()).filter(|f| f.as_object().is_some()),
        None => None,
    }
}

/// Scaling bounds of a `scaling_config` block; unknown sizes count as 0.
pub(crate) fn scaling(v: Option<&Value>) -> Scaling {
    let block = single_block(v);
    let n = |k: &str| block.and_then(|b| count(b.get(k))).unwrap_or(0);
    Scaling {
        min: n("min_size"),
        desired: n("desired_size"),
        max: n("max_size"),
        known: block.is_some() && !v.is_some_and(Value::contains_unknown),
    }
}

/// `taint` blocks, with AWS's effect spelling turned into Kubernetes'.
pub(crate) fn taints(v: Option<&Value>) -> Vec<Taint> {
    v.and_then(Value::as_list)
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
        .unwrap_or_default()
}

fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// Instance types in preference order: the one the provider resolved, else
/// the configured list; empty while any is known only after apply.
fn instance_types(v: &Value) -> Vec<String> {
    if let Some(t) = v.get("instance_type").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        return vec![t.to_string()];
    }
    v.get("instance_types")
        .and_then(Value::as_list)
        .and_then(|l| l.iter().map(|t| t.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
        .unwrap_or_default()
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
        capacity: if text(v.get("capacity_type")) == "SPOT" { Capacity::Spot } else { Capacity::OnDemand },
        scaling: scaling(v.get("scaling_config")),
        labels: labels(v.get("labels")),
        taints: taints(v.get("taint")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
