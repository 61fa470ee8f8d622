//! The plan's cluster analysis: whether the planned workloads fit the planned
//! node pools, what the pools cost, and what the changes would evict.
//!
//! It reads resource values only (the plan's `after` values and the refreshed
//! state), so it works for any provider whose pools and Kubernetes objects
//! have the shapes [`super::workloads`] recognises. It does no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::catalog::{catalog, HOURS_PER_MONTH, PRICING_REGION};
use super::placement::{format_bytes, format_cpu, place, NodeCount, Placement, PodSpec};
use super::workloads::{flatten, pool_from_value, workload_pods, PoolInfo, WorkloadPods, WORKLOAD_KINDS};
use crate::plan::{Action, ResourceChange};
use crate::state::State;
use crate::value::Value;

/// What spot capacity is assumed to cost, as a fraction of On-Demand.
///
/// The catalogue has On-Demand prices only, and spot prices move by the hour,
/// so spot costs are an estimate, labelled as such wherever they appear. AWS
/// advertises spot savings of "up to 90%" (https://aws.amazon.com/ec2/spot/pricing/)
/// and its Spot Instance Advisor (https://aws.amazon.com/ec2/spot/instance-advisor/)
/// lists average savings of roughly 50–90% for current general-purpose and
/// GPU families in us-east-1. We assume only 40% off, below the usual range,
/// so that a budget built on the estimate is not overrun when spot is scarce.
pub const SPOT_PRICE_FACTOR: f64 = 0.6;

/// Where [`SPOT_PRICE_FACTOR`] comes from, as shown to users.
pub const SPOT_ESTIMATE_SOURCE: &str =
    "spot estimated at 60% of On-Demand (a conservative reading of the AWS Spot Instance Advisor's 50-90% savings)";

/// The analysis section of a plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Analysis {
    /// One entry per planned workload, in address order.
    #[serde(default)]
    pub fit: Vec<WorkloadFit>,
    #[serde(default)]
    pub cost: CostReport,
    #[serde(default)]
    pub disruption: Vec<Disruption>,
    /// Things the analysis could not take into account, and why.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Analysis {
    /// True when there is nothing to show: no pools and no workloads.
    pub fn is_empty(&self) -> bool {
        self.fit.is_empty() && self.cost.pools.is_empty() && self.disruption.is_empty() && self.notes.is_empty()
    }
}

/// Whether one workload's pods fit when every pool may grow to its max size.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WorkloadFit {
    /// The resource that declares it.
    pub address: String,
    /// `Deployment serving/llm`.
    pub workload: String,
    /// Pods at their most (max replicas of autoscaled workloads, every executor, every worker).
    pub pods: u32,
    pub placed: u32,
    /// The pools its pods landed on.
    pub pools: Vec<String>,
    /// Where the pod count came from when not the object itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas_from: Option<String>,
    /// Why some pods fit nowhere; `None` when all fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Cost at the three sizes a pool can be at.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SizeRange {
    /// At `min_size`.
    pub floor: f64,
    /// At `desired_size`.
    pub desired: f64,
    /// At `max_size`.
    pub ceiling: f64,
}

impl SizeRange {
    fn add(&mut self, other: &SizeRange) {
        self.floor += other.floor;
        self.desired += other.desired;
        self.ceiling += other.ceiling;
    }

    fn monthly(&self) -> SizeRange {
        SizeRange {
            floor: self.floor * HOURS_PER_MONTH,
            desired: self.desired * HOURS_PER_MONTH,
            ceiling: self.ceiling * HOURS_PER_MONTH,
        }
    }
}

/// One planned pool's cost, USD.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PoolCost {
    pub address: String,
    pub pool: String,
    pub instance_type: String,
    /// `4 × nvidia-a10g`, for accelerated instance types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<String>,
    /// `ON_DEMAND` or `SPOT`.
    pub capacity_type: String,
    pub min_size: u32,
    pub desired_size: u32,
    pub max_size: u32,
    /// One node, On-Demand, from the catalogue.
    pub node_on_demand_hourly_usd: f64,
    /// One node on spot: an estimate (see [`SPOT_PRICE_FACTOR`]).
    pub node_spot_estimate_hourly_usd: f64,
    /// The pool at its capacity type: per hour and per month (730 hours).
    pub hourly_usd: SizeRange,
    pub monthly_usd: SizeRange,
    /// The same pool at desired size on each capacity type, for comparison.
    pub on_demand_monthly_usd: f64,
    pub spot_estimate_monthly_usd: f64,
    /// True when the figures are estimates (spot capacity).
    pub estimate: bool,
}

/// The cost of all pools, and how it moves with this plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CostReport {
    pub region: String,
    pub pools: Vec<PoolCost>,
    /// All planned pools.
    pub hourly_usd: SizeRange,
    pub monthly_usd: SizeRange,
    /// The pools in the current (refreshed) state, at their desired size.
    pub current_hourly_usd: f64,
    pub current_monthly_usd: f64,
    /// Planned minus current, at desired size.
    pub delta_hourly_usd: f64,
    pub delta_monthly_usd: f64,
    /// How spot figures were estimated, when any pool uses spot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot_estimate: Option<String>,
}

/// What one change would evict or restart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Disruption {
    pub address: String,
    /// `replace`, `delete` or `update`.
    pub action: String,
    /// The pool's name when the change is to a node pool; `None` for a workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// `Deployment serving/llm (2 pods)`, for every workload affected.
    pub evicts: Vec<String>,
    /// Plain words: "its 3 nodes are drained", "rolling restart of the pods".
    pub effect: String,
}

/// A workload that could never be scheduled: an error in plan.
#[derive(Debug, Clone, PartialEq)]
pub struct FitError {
    pub address: String,
    pub detail: String,
}

/// One resource instance's value, by address.
struct Entry {
    address: String,
    value: Value,
}

struct Side {
    pools: Vec<(String, PoolInfo)>,
    /// Kubernetes objects and the address of the resource that declares each.
    objects: Vec<Value>,
    object_addresses: Vec<String>,
}

fn manifest_of(v: &Value) -> Option<&Value> {
    [v.get("manifest"), v.get("object")].into_iter().flatten().find(|m| m.get("kind").and_then(Value::as_str).is_some())
}

fn collect(entries: &[Entry], notes: &mut BTreeSet<String>) -> Side {
    let mut side = Side { pools: Vec::new(), objects: Vec::new(), object_addresses: Vec::new() };
    for e in entries {
        if e.value.get("scaling_config").is_some() {
            match pool_from_value(&e.value) {
                Some(p) => {
                    if e.value.get("scaling_config").is_some_and(Value::contains_unknown) {
                        notes.insert(format!("{}: pool sizes are known only after apply; counted as 0", e.address));
                    }
                    side.pools.push((e.address.clone(), p));
                }
                None => {
                    notes.insert(format!(
                        "{}: the instance type is known only after apply, so the pool is left out of fit and cost",
                        e.address
                    ));
                }
            }
        } else if let Some(m) = manifest_of(&e.value) {
            let kind = m.get("kind").and_then(Value::as_str).unwrap_or_default();
            if WORKLOAD_KINDS.contains(&kind) && m.contains_unknown() {
                notes.insert(format!(
                    "{}: some values are known only after apply; analysed with the values known now",
                    e.address
                ));
            }
            side.objects.push(m.clone());
            side.object_addresses.push(e.address.clone());
        }
    }
    side
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What one pod asks for, in words: `8 GPUs, 32 CPU, 256Gi memory`.
fn describe_request(pod: &PodSpec) -> String {
    let mut parts = Vec::new();
    if pod.gpus > 0 {
        let model = pod
            .node_selector
            .iter()
            .find(|(k, _)| {
                k.as_str() == super::placement::LABEL_GPU_PRODUCT || k.as_str() == super::placement::LABEL_ACCELERATOR
            })
            .map(|(_, v)| format!(" × {v}"))
            .unwrap_or_default();
        parts.push(format!("{}{model}", plural(u64::from(pod.gpus), "GPU", "GPUs")));
    }
    if pod.cpu_millis > 0 {
        parts.push(format!("{} CPU", format_cpu(pod.cpu_millis)));
    }
    if pod.memory_bytes > 0 {
        parts.push(format!("{} memory", format_bytes(pod.memory_bytes)));
    }
    if parts.is_empty() {
        return "no resources".to_string();
    }
    parts.join(", ")
}

/// A next step for the reasons the placement engine gives.
fn hint(reason: &str) -> &'static str {
    if reason.contains("does not tolerate") {
        "add a toleration for the pool's taint to the pod template (for GPU pools: key \"nvidia.com/gpu\", operator \"Exists\", effect \"NoSchedule\")"
    } else if reason.contains("is full at its max size") || reason.contains("has no nodes") {
        "raise the pool's scaling_config.max_size, or lower the workload's replicas (or its autoscaler's maxReplicas)"
    } else if reason.contains("offers") || reason.contains("largest node") {
        "lower the pod's requests, or give it a pool whose instance type is big enough (a gpu { model, count } block picks one)"
    } else if reason.contains("node selector") {
        "make the pod's nodeSelector match the labels of the pool it should run on"
    } else {
        "change the workload's requests, selector or tolerations, or add a pool that can run it"
    }
}

fn fit(side: &Side, workloads: &[WorkloadPods], placement: &Placement) -> (Vec<WorkloadFit>, Vec<FitError>) {
    let pool_of_node: BTreeMap<&str, &str> =
        placement.nodes.iter().map(|n| (n.name.as_str(), n.pool.as_str())).collect();
    let mut fits = Vec::new();
    let mut errors = Vec::new();
    for w in workloads {
        let names: BTreeSet<&str> = w.pods.iter().map(|p| p.workload.as_str()).collect();
        let pods: u32 = w.pods.iter().map(|p| p.replicas).fold(0, u32::saturating_add);
        let pools: BTreeSet<String> = placement
            .assignments
            .iter()
            .filter(|a| names.contains(a.workload.as_str()))
            .filter_map(|a| pool_of_node.get(a.node.as_str()).map(|p| p.to_string()))
            .collect();
        let failed: Vec<_> = placement.unschedulable.iter().filter(|u| names.contains(u.workload.as_str())).collect();
        let address = side.object_addresses.get(w.source).cloned().unwrap_or_default();
        let problem = failed.first().map(|u| {
            let pod = w.pods.iter().find(|p| p.workload == u.workload);
            let asks = pod.map(describe_request).unwrap_or_default();
            let from = w.replicas_from.as_ref().map(|f| format!(" ({f})")).unwrap_or_default();
            let closest = u.closest_pool.as_ref().map(|p| format!("closest pool {p}: ")).unwrap_or_default();
            let role = u.workload.strip_prefix(w.workload.as_str()).unwrap_or_default();
            format!(
                "{} of {}{from} cannot be scheduled even with every pool at its max size; each{role} pod requests {asks}; {closest}{}",
                failed.len(),
                plural(u64::from(pods), "pod", "pods"),
                u.reason
            )
        });
        if let (Some(p), Some(u)) = (&problem, failed.first()) {
            errors.push(FitError {
                address: address.clone(),
                detail: format!("{} can never be scheduled: {p}.\n\nHint: {}.", w.workload, hint(&u.reason)),
            });
        }
        fits.push(WorkloadFit {
            address,
            workload: w.workload.clone(),
            pods,
            placed: pods.saturating_sub(failed.len() as u32),
            pools: pools.into_iter().collect(),
            replicas_from: w.replicas_from.clone(),
            problem,
        });
    }
    (fits, errors)
}

fn pool_cost(address: &str, info: &PoolInfo) -> PoolCost {
    let p = &info.pool;
    let instance = catalog().get(&p.instance_type);
    let on_demand = instance.map_or(0.0, |t| t.on_demand_hourly_usd);
    let spot = on_demand * SPOT_PRICE_FACTOR;
    let spot_capacity = info.capacity_type == "SPOT";
    let node = if spot_capacity { spot } else { on_demand };
    let hourly = SizeRange {
        floor: node * f64::from(p.min_size),
        desired: node * f64::from(p.desired_size),
        ceiling: node * f64::from(p.max_size),
    };
    PoolCost {
        address: address.to_string(),
        pool: p.name.clone(),
        instance_type: p.instance_type.clone(),
        gpus: instance.and_then(|t| t.gpu.as_ref()).map(|g| format!("{} × {}", g.count, g.model)),
        capacity_type: info.capacity_type.clone(),
        min_size: p.min_size,
        desired_size: p.desired_size,
        max_size: p.max_size,
        node_on_demand_hourly_usd: on_demand,
        node_spot_estimate_hourly_usd: spot,
        hourly_usd: hourly,
        monthly_usd: hourly.monthly(),
        on_demand_monthly_usd: on_demand * f64::from(p.desired_size) * HOURS_PER_MONTH,
        spot_estimate_monthly_usd: spot * f64::from(p.desired_size) * HOURS_PER_MONTH,
        estimate: spot_capacity,
    }
}

fn cost(before: &Side, after: &Side, notes: &mut BTreeSet<String>) -> CostReport {
    let pools: Vec<PoolCost> = after.pools.iter().map(|(a, p)| pool_cost(a, p)).collect();
    for (a, p) in &after.pools {
        if catalog().get(&p.pool.instance_type).is_none() {
            notes.insert(format!("{a}: instance type {} is not in the catalogue; costed at 0", p.pool.instance_type));
        }
    }
    let mut hourly = SizeRange::default();
    for p in &pools {
        hourly.add(&p.hourly_usd);
    }
    // A fold from +0.0, because an empty f64 sum is -0.0.
    let current = before.pools.iter().map(|(a, p)| pool_cost(a, p).hourly_usd.desired).fold(0.0, |a, b| a + b);
    CostReport {
        region: PRICING_REGION.to_string(),
        spot_estimate: pools.iter().any(|p| p.estimate).then(|| SPOT_ESTIMATE_SOURCE.to_string()),
        pools,
        hourly_usd: hourly,
        monthly_usd: hourly.monthly(),
        current_hourly_usd: current,
        current_monthly_usd: current * HOURS_PER_MONTH,
        delta_hourly_usd: hourly.desired - current,
        delta_monthly_usd: (hourly.desired - current) * HOURS_PER_MONTH,
    }
}

fn template_of(v: &Value) -> Option<&Value> {
    manifest_of(v).and_then(|m| m.get("spec")).and_then(|s| s.get("template"))
}

fn disruption(changes: &[ResourceChange], before: &Side) -> Vec<Disruption> {
    let pools: Vec<_> = before.pools.iter().map(|(_, p)| p.pool.clone()).collect();
    let current = workload_pods(&before.objects, &pools, NodeCount::Desired);
    let placement = place(&pools, &flatten(&current), NodeCount::Desired);
    let mut out = Vec::new();
    for c in changes {
        let action = match c.action {
            Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
            Action::Delete => "delete",
            Action::Update => "update",
            _ => continue,
        };
        let Some(old) = c.before_value() else { continue };
        let address = c.address.to_string();
        if let Some(info) = pool_from_value(&old) {
            if action == "update" {
                continue;
            }
            let nodes: BTreeSet<&str> =
                placement.nodes.iter().filter(|n| n.pool == info.pool.name).map(|n| n.name.as_str()).collect();
            let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
            for a in placement.assignments.iter().filter(|a| nodes.contains(a.node.as_str())) {
                *counts.entry(a.workload.as_str()).or_default() += 1;
            }
            let evicts =
                counts.iter().map(|(w, n)| format!("{w} ({})", plural(u64::from(*n), "pod", "pods"))).collect();
            out.push(Disruption {
                address,
                action: action.to_string(),
                pool: Some(info.pool.name.clone()),
                evicts,
                effect: format!("its {} drained", plural(nodes.len() as u64, "node is", "nodes are")),
            });
            continue;
        }
        let Some(manifest) = manifest_of(&old) else { continue };
        let kind = manifest.get("kind").and_then(Value::as_str).unwrap_or_default();
        if !WORKLOAD_KINDS.contains(&kind) {
            continue;
        }
        if action == "update" {
            let after = c.after_value();
            if after.as_ref().and_then(template_of) == template_of(&old) {
                continue;
            }
        }
        let source = before.objects.iter().position(|o| o == manifest);
        let pods: u32 = current
            .iter()
            .filter(|w| Some(w.source) == source)
            .flat_map(|w| w.pods.iter().map(|p| p.replicas))
            .fold(0, u32::saturating_add);
        let name = super::workloads::workload_name(manifest);
        let effect = match action {
            "replace" => "the workload is deleted and created again: its pods restart",
            "delete" => "the workload and its pods are deleted",
            _ => "the pod template changes: its pods are replaced (a rolling restart)",
        };
        out.push(Disruption {
            address,
            action: action.to_string(),
            pool: None,
            evicts: vec![format!("{name} ({})", plural(u64::from(pods), "pod", "pods"))],
            effect: effect.to_string(),
        });
    }
    out
}

/// Analyses a plan's changes against the state it was made from. Returns the
/// analysis and the workloads that could never be scheduled.
pub fn analyse(changes: &[ResourceChange], prior: &State) -> (Analysis, Vec<FitError>) {
    let mut notes = BTreeSet::new();
    let before_entries: Vec<Entry> =
        prior.resources.iter().map(|r| Entry { address: r.address.to_string(), value: r.value() }).collect();
    let changed: BTreeSet<String> = changes.iter().map(|c| c.address.to_string()).collect();
    let mut after_entries: Vec<Entry> = changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .filter_map(|c| c.after_value().map(|value| Entry { address: c.address.to_string(), value }))
        .collect();
    // Instances the plan does not touch (outside -target) stay as they are.
    after_entries.extend(
        prior
            .resources
            .iter()
            .filter(|r| !changed.contains(&r.address.to_string()))
            .map(|r| Entry { address: r.address.to_string(), value: r.value() }),
    );
    after_entries.sort_by(|a, b| a.address.cmp(&b.address));

    // Notes about the current state are not about this plan, so they are dropped.
    let before = collect(&before_entries, &mut BTreeSet::new());
    let after = collect(&after_entries, &mut notes);

    let pools: Vec<_> = after.pools.iter().map(|(_, p)| p.pool.clone()).collect();
    let clusters: BTreeSet<&str> =
        after.pools.iter().map(|(_, p)| p.cluster.as_str()).filter(|c| !c.is_empty()).collect();
    if clusters.len() > 1 {
        notes.insert(format!(
            "pools of {} clusters ({}) are analysed as one; per-cluster fit is not modelled yet",
            clusters.len(),
            clusters.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let workloads = workload_pods(&after.objects, &pools, NodeCount::Max);
    let (fit, errors) = if pools.is_empty() {
        if !workloads.is_empty() {
            notes
                .insert("the configuration declares no node pools, so whether the workloads fit is not checked".into());
        }
        (Vec::new(), Vec::new())
    } else {
        let placement = place(&pools, &flatten(&workloads), NodeCount::Max);
        fit(&after, &workloads, &placement)
    };
    let cost = cost(&before, &after, &mut notes);
    let disruption = disruption(changes, &before);
    (Analysis { fit, cost, disruption, notes: notes.into_iter().collect() }, errors)
}
