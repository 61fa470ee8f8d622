//! Readers for the attribute shapes that node-pool resources share — EKS's
//! `scaling_config` block, `taint` blocks with AWS's effect spelling, label maps,
//! instance-type lists — so that each provider's description of its pool type
//! reads them the same way.

use super::describe::{kube_taint_effect, Capacity, Scaling};
use super::placement::Taint;
use crate::value::Value;
use std::collections::BTreeMap;

/// A string attribute, empty when absent or not a string.
pub fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// A node count. Negative or fractional sizes are rejected by validation; clamp
/// rather than fail, since the analysis only estimates.
pub fn count(v: Option<&Value>) -> Option<u32> {
    v.and_then(Value::as_f64).filter(|n| n.is_finite()).map(|n| n.clamp(0.0, f64::from(u32::MAX)) as u32)
}

/// A single nested block may be stored as an object or as a one-element list.
pub fn single_block(v: Option<&Value>) -> Option<&Value> {
    match v {
        Some(x) if x.as_object().is_some() => Some(x),
        Some(x) => x.as_list().and_then(|l| l.first()).filter(|f| f.as_object().is_some()),
        None => None,
    }
}

/// Scaling bounds of a `scaling_config` block; unknown sizes count as 0 and make it not `known`.
pub fn scaling(v: Option<&Value>) -> Scaling {
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
pub fn taints(v: Option<&Value>) -> Vec<Taint> {
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

/// `capacity_type`: `SPOT` is spot; anything else (On-Demand, AWS's reserved
/// `CAPACITY_BLOCK`) is paid like On-Demand.
pub fn capacity(v: Option<&Value>) -> Capacity {
    if text(v) == "SPOT" {
        Capacity::Spot
    } else {
        Capacity::OnDemand
    }
}

/// A map of strings (labels); entries that are not strings are left out.
pub fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// A list of strings; empty while any element is not a known string.
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_list)
        .and_then(|l| l.iter().map(|t| t.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
        .unwrap_or_default()
}
