//! The plan's cluster analysis: whether the planned workloads fit the planned
//! node pools, what the pools cost, and what the changes would evict.
//!
//! It reads neutral records only ([`Described`]: an address, what the plan
//! does to it, and the provider's description of it), so it works for any
//! provider that describes its pools and workloads, and knows nothing of
//! plans, state or providers. Pools are priced and sized by the catalogue of
//! the cloud they name. It does no I/O.

use std::collections::{BTreeMap, BTreeSet};

use super::describe::{ChangeKind, Described, Description, PoolDescription, WorkloadDescription};
use super::placement::{
    format_bytes, format_cpu, place, NodeCount, Placement, PodSpec, Pool, LABEL_ACCELERATOR, LABEL_GPU_PRODUCT,
};
use super::workloads::{flatten, workload_name, workload_pods, WorkloadPods, WORKLOAD_KINDS};
use crate::catalog::{catalog, catalogs, SpotEstimate, HOURS_PER_MONTH};
use crate::value::Value;

pub use super::report::{Analysis, CostReport, Disruption, FitError, PoolCost, SizeRange, WorkloadFit};
pub use crate::catalog::{SPOT_ESTIMATE_SOURCE, SPOT_PRICE_FACTOR};

/// A pool that can be placed and priced: its instance type is known.
struct PoolEntry {
    address: String,
    pool: Pool,
    description: PoolDescription,
}

/// The pools and workloads of one side of the plan (now, or after apply).
#[derive(Default)]
struct Side {
    pools: Vec<PoolEntry>,
    /// Kubernetes objects of every resource, read together so that an
    /// autoscaler may scale a workload another resource declares.
    objects: Vec<Value>,
    object_addresses: Vec<String>,
    /// Workloads described as pods, and the address of each.
    direct: Vec<(String, WorkloadDescription)>,
}

impl Side {
    fn collect(records: &[&Described], notes: &mut BTreeSet<String>) -> Side {
        let mut side = Side::default();
        for r in records {
            match &r.description {
                Description::Pool(p) => match p.to_pool() {
                    Some(pool) => {
                        if !p.scaling.known {
                            notes.insert(format!("{}: pool sizes are known only after apply; counted as 0", r.address));
                        }
                        side.pools.push(PoolEntry { address: r.address.clone(), pool, description: p.clone() });
                    }
                    None => {
                        notes.insert(format!(
                            "{}: the instance type is known only after apply, so the pool is left out of fit and cost",
                            r.address
                        ));
                    }
                },
                Description::Objects(objects) => {
                    for m in objects {
                        let Some(kind) = m.get("kind").and_then(Value::as_str) else { continue };
                        if WORKLOAD_KINDS.contains(&kind) && m.contains_unknown() {
                            notes.insert(format!(
                                "{}: some values are known only after apply; analysed with the values known now",
                                r.address
                            ));
                        }
                        side.objects.push(m.clone());
                        side.object_addresses.push(r.address.clone());
                    }
                }
                Description::Workload(w) => side.direct.push((r.address.clone(), w.clone())),
            }
        }
        side
    }

    fn pools(&self) -> Vec<Pool> {
        self.pools.iter().map(|p| p.pool.clone()).collect()
    }

    /// The pods of every workload: those read from objects first, then those
    /// described directly; a workload's `source` indexes [`Side::address_of`].
    fn workloads(&self, pools: &[Pool], mode: NodeCount) -> Vec<WorkloadPods> {
        let mut out = workload_pods(&self.objects, pools, mode);
        for (i, (_, w)) in self.direct.iter().enumerate() {
            let pods = w
                .pods
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    if p.workload.is_empty() {
                        p.workload = w.name.clone();
                    }
                    p
                })
                .collect();
            out.push(WorkloadPods {
                source: self.objects.len() + i,
                workload: w.name.clone(),
                pods,
                replicas_from: None,
            });
        }
        out
    }

    fn address_of(&self, source: usize) -> String {
        match self.object_addresses.get(source) {
            Some(a) => a.clone(),
            None => source
                .checked_sub(self.objects.len())
                .and_then(|i| self.direct.get(i))
                .map(|(a, _)| a.clone())
                .unwrap_or_default(),
        }
    }
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
            .find(|(k, _)| k.as_str() == LABEL_GPU_PRODUCT || k.as_str() == LABEL_ACCELERATOR)
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
        let address = side.address_of(w.source);
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

/// The catalogue that prices a pool, if its cloud has one.
fn pool_catalog(p: &PoolEntry) -> Option<&'static crate::catalog::Catalog> {
    catalogs().for_cloud(&p.pool.cloud)
}

fn spot_of(p: &PoolEntry) -> SpotEstimate {
    pool_catalog(p).map(|c| c.spot()).unwrap_or_default()
}

fn pool_cost(entry: &PoolEntry) -> PoolCost {
    let p = &entry.pool;
    let instance = pool_catalog(entry).and_then(|c| c.get(&p.instance_type));
    let on_demand = instance.map_or(0.0, |t| t.on_demand_hourly_usd);
    let spot = on_demand * spot_of(entry).factor;
    let capacity = entry.description.capacity;
    let spot_capacity = capacity == super::describe::Capacity::Spot;
    let node = if spot_capacity { spot } else { on_demand };
    let hourly = SizeRange {
        floor: node * f64::from(p.min_size),
        desired: node * f64::from(p.desired_size),
        ceiling: node * f64::from(p.max_size),
    };
    PoolCost {
        address: entry.address.clone(),
        pool: p.name.clone(),
        instance_type: p.instance_type.clone(),
        gpus: instance.and_then(|t| t.gpu.as_ref()).map(|g| format!("{} × {}", g.count, g.model)),
        capacity_type: capacity.as_str().to_string(),
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

/// Distinct values in first-seen order, joined.
fn joined<'a>(items: impl Iterator<Item = &'a str>, separator: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for i in items {
        if !seen.contains(&i) {
            seen.push(i);
        }
    }
    seen.join(separator)
}

fn cost(before: &Side, after: &Side, notes: &mut BTreeSet<String>) -> CostReport {
    let pools: Vec<PoolCost> = after.pools.iter().map(pool_cost).collect();
    for p in &after.pools {
        match pool_catalog(p) {
            None => {
                notes.insert(format!(
                    "{}: no instance catalogue for cloud {}; costed at 0",
                    p.address, p.description.cloud
                ));
            }
            Some(c) if c.get(&p.pool.instance_type).is_none() => {
                notes.insert(format!(
                    "{}: instance type {} is not in the catalogue; costed at 0",
                    p.address, p.pool.instance_type
                ));
            }
            Some(_) => {}
        }
    }
    let mut hourly = SizeRange::default();
    for p in &pools {
        hourly.add(&p.hourly_usd);
    }
    // A fold from +0.0, because an empty f64 sum is -0.0.
    let current = before.pools.iter().map(|p| pool_cost(p).hourly_usd.desired).fold(0.0, |a, b| a + b);
    let mut region = joined(after.pools.iter().filter_map(pool_catalog).map(|c| c.region()), ", ");
    if region.is_empty() {
        region = catalog().region().to_string();
    }
    let spot_sources = joined(
        after
            .pools
            .iter()
            .filter(|p| p.description.capacity == super::describe::Capacity::Spot)
            .map(|p| spot_of(p).source),
        "; ",
    );
    CostReport {
        region,
        spot_estimate: (!spot_sources.is_empty()).then_some(spot_sources),
        pools,
        hourly_usd: hourly,
        monthly_usd: hourly.monthly(),
        current_hourly_usd: current,
        current_monthly_usd: current * HOURS_PER_MONTH,
        delta_hourly_usd: hourly.desired - current,
        delta_monthly_usd: (hourly.desired - current) * HOURS_PER_MONTH,
    }
}

fn template_of(m: &Value) -> Option<&Value> {
    m.get("spec").and_then(|s| s.get("template"))
}

/// The object of `after` that is `before` changed: the only one, or the one
/// with the same kind and name.
fn counterpart<'a>(before: &Value, objects: &[Value], after: Option<&'a Description>) -> Option<&'a Value> {
    let Some(Description::Objects(after)) = after else { return None };
    if objects.len() == 1 && after.len() == 1 {
        return after.first();
    }
    after.iter().find(|a| workload_name(a) == workload_name(before))
}

fn disruption(current: &[Described], planned: &[&Described], before: &Side) -> Vec<Disruption> {
    let pools = before.pools();
    let running = before.workloads(&pools, NodeCount::Desired);
    let placement = place(&pools, &flatten(&running), NodeCount::Desired);
    let after_of = |address: &str| planned.iter().find(|r| r.address == address).map(|r| &r.description);
    let pods_of = |source: Option<usize>| -> u32 {
        running
            .iter()
            .filter(|w| Some(w.source) == source)
            .flat_map(|w| w.pods.iter().map(|p| p.replicas))
            .fold(0, u32::saturating_add)
    };
    let effect_of = |action: &str| match action {
        "replace" => "the workload is deleted and created again: its pods restart",
        "delete" => "the workload and its pods are deleted",
        _ => "the pod template changes: its pods are replaced (a rolling restart)",
    };
    let mut out = Vec::new();
    for r in current {
        let action = match r.change {
            ChangeKind::Replace => "replace",
            ChangeKind::Delete => "delete",
            ChangeKind::Update => "update",
            ChangeKind::Create | ChangeKind::Unchanged => continue,
        };
        match &r.description {
            Description::Pool(p) => {
                let Some(pool) = p.to_pool() else { continue };
                if action == "update" {
                    continue;
                }
                let nodes: BTreeSet<&str> =
                    placement.nodes.iter().filter(|n| n.pool == pool.name).map(|n| n.name.as_str()).collect();
                let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
                for a in placement.assignments.iter().filter(|a| nodes.contains(a.node.as_str())) {
                    *counts.entry(a.workload.as_str()).or_default() += 1;
                }
                let evicts =
                    counts.iter().map(|(w, n)| format!("{w} ({})", plural(u64::from(*n), "pod", "pods"))).collect();
                out.push(Disruption {
                    address: r.address.clone(),
                    action: action.to_string(),
                    pool: Some(pool.name.clone()),
                    evicts,
                    effect: format!("its {} drained", plural(nodes.len() as u64, "node is", "nodes are")),
                });
            }
            Description::Objects(objects) => {
                for m in objects {
                    let kind = m.get("kind").and_then(Value::as_str).unwrap_or_default();
                    if !WORKLOAD_KINDS.contains(&kind) {
                        continue;
                    }
                    if action == "update"
                        && counterpart(m, objects, after_of(&r.address)).and_then(template_of) == template_of(m)
                    {
                        continue;
                    }
                    let pods = pods_of(before.objects.iter().position(|o| o == m));
                    out.push(Disruption {
                        address: r.address.clone(),
                        action: action.to_string(),
                        pool: None,
                        evicts: vec![format!("{} ({})", workload_name(m), plural(u64::from(pods), "pod", "pods"))],
                        effect: effect_of(action).to_string(),
                    });
                }
            }
            Description::Workload(w) => {
                if action == "update" {
                    if let Some(Description::Workload(after)) = after_of(&r.address) {
                        if after.pods == w.pods {
                            continue;
                        }
                    }
                }
                let source = before.direct.iter().position(|(a, d)| *a == r.address && d == w);
                let pods = pods_of(source.map(|i| before.objects.len() + i));
                out.push(Disruption {
                    address: r.address.clone(),
                    action: action.to_string(),
                    pool: None,
                    evicts: vec![format!("{} ({})", w.name, plural(u64::from(pods), "pod", "pods"))],
                    effect: effect_of(action).to_string(),
                });
            }
        }
    }
    out
}

/// Analyses a plan. `current` is every resource instance as it is now (the
/// refreshed state, in address order), each with the change the plan makes to
/// it; `planned` is every instance as it will be after apply, untouched ones
/// included. Returns the analysis and the workloads that could never be
/// scheduled.
pub fn analyse(current: &[Described], planned: &[Described]) -> (Analysis, Vec<FitError>) {
    let mut notes = BTreeSet::new();
    let mut after_records: Vec<&Described> = planned.iter().collect();
    after_records.sort_by(|a, b| a.address.cmp(&b.address));
    let before_records: Vec<&Described> = current.iter().collect();

    // Notes about the current state are not about this plan, so they are dropped.
    let before = Side::collect(&before_records, &mut BTreeSet::new());
    let after = Side::collect(&after_records, &mut notes);

    let pools = after.pools();
    let clusters: BTreeSet<&str> =
        after.pools.iter().map(|p| p.description.cluster.as_str()).filter(|c| !c.is_empty()).collect();
    if clusters.len() > 1 {
        notes.insert(format!(
            "pools of {} clusters ({}) are analysed as one; per-cluster fit is not modelled yet",
            clusters.len(),
            clusters.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let workloads = after.workloads(&pools, NodeCount::Max);
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
    let disruption = disruption(current, &after_records, &before);
    (Analysis { fit, cost, disruption, notes: notes.into_iter().collect() }, errors)
}

#[cfg(test)]
mod tests;
