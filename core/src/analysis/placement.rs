//! The placement engine: decides which node each pod replica would run on, and
//! explains in plain words why a replica fits nowhere.
//!
//! It is a deliberately small model of the Kubernetes scheduler, enough to
//! answer "does this fit, and what would it cost?" before anything is applied:
//!
//! * Filtering follows Kubernetes: `NoSchedule` and `NoExecute` taints must be
//!   tolerated (`PreferNoSchedule` never blocks), every node-selector label must
//!   match, and CPU, memory and GPU requests must fit the node's free
//!   allocatable capacity. Limits, affinity and topology spread are not modelled.
//! * Scoring is replaced by a deterministic first fit: pods in input order,
//!   replicas in index order, nodes in pool order then node index. First fit
//!   packs pods onto as few nodes as possible, which is what a cluster
//!   autoscaler converges to and what makes cost estimates stable.
//! * [`NodeCount::Desired`] places onto the nodes that exist (`desired_size`
//!   per pool); [`NodeCount::Max`] also lets a pool add nodes, one at a time,
//!   up to `max_size`, as the cluster autoscaler would.
//!
//! Nothing here panics on any input; unusable input (an unknown instance type,
//! a request larger than any node) is reported as an [`Unschedulable`] reason.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::catalog::{catalog, normalize_gpu_model, Catalog, InstanceType};

/// Well-known label: the node's instance type, as Kubernetes sets it.
pub const LABEL_INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
/// Gantry's label naming the pool a node belongs to.
pub const LABEL_POOL: &str = "gantry.dev/pool";
/// The label the NVIDIA GPU feature discovery sets on GPU nodes; set on NVIDIA nodes only.
pub const LABEL_GPU_PRODUCT: &str = "nvidia.com/gpu.product";
/// Gantry's label naming the accelerator model of any accelerated node (NVIDIA or AWS).
pub const LABEL_ACCELERATOR: &str = "gantry.dev/accelerator";

/// CPU held back on every node for the kubelet, container runtime and OS.
/// Roughly what EKS reserves on small nodes (kube-reserved for the first cores).
pub const SYSTEM_RESERVED_CPU_MILLIS: u64 = 100;
/// Memory held back on every node: about EKS's kube-reserved memory for a small
/// node plus the default 100 MiB hard-eviction threshold.
pub const SYSTEM_RESERVED_MEMORY_BYTES: u64 = 512 * MIB;

/// No pool ever gets more nodes than this, so an absurd `desired_size` cannot
/// exhaust memory; real node groups are far smaller.
pub const MAX_NODES_PER_POOL: u32 = 100_000;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// A group of identical nodes (an EKS managed node group, a Karpenter pool, …).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Pool {
    pub name: String,
    /// A name from the instance [`Catalog`], e.g. `g5.12xlarge`.
    pub instance_type: String,
    /// Carried for callers; placement never removes nodes, so only
    /// `desired_size` and `max_size` affect it.
    pub min_size: u32,
    pub max_size: u32,
    pub desired_size: u32,
    /// Labels put on every node of the pool, in addition to the well-known ones.
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
}

/// A node taint, as in Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`. Any other value is
    /// treated like `NoSchedule`, the safe reading of a typo.
    pub effect: String,
}

/// A pod toleration, as in Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Toleration {
    /// `None` (or empty) with operator `Exists` tolerates every taint.
    pub key: Option<String>,
    /// `Equal` (the default when empty) or `Exists`.
    pub operator: String,
    pub value: Option<String>,
    /// `None` (or empty) matches every effect.
    pub effect: Option<String>,
}

/// The scheduling-relevant part of a workload's pod template.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PodSpec {
    /// How the workload is named in messages, e.g. `Deployment default/llm`.
    pub workload: String,
    pub replicas: u32,
    /// CPU request of one replica, in millicores (see [`parse_cpu`]).
    pub cpu_millis: u64,
    /// Memory request of one replica, in bytes (see [`parse_memory`]).
    pub memory_bytes: u64,
    /// Accelerators requested by one replica (`nvidia.com/gpu`, or Neuron devices on AWS chips).
    pub gpus: u32,
    /// Selector values for [`LABEL_GPU_PRODUCT`] and [`LABEL_ACCELERATOR`] are
    /// compared the way the catalogue compares models (`a100` matches
    /// `nvidia-a100`); every other label must match exactly.
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
}

/// Whether pools may add nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeCount {
    /// Only the `desired_size` nodes of each pool exist (what the simulator runs).
    Desired,
    /// Pools start at `desired_size` and may grow to `max_size` (the plan's fit check).
    Max,
}

/// An amount of each schedulable resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Resources {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub gpus: u32,
}

impl Resources {
    fn fits_in(&self, free: &Resources) -> bool {
        self.cpu_millis <= free.cpu_millis && self.memory_bytes <= free.memory_bytes && self.gpus <= free.gpus
    }

    /// What is missing from `free` to hold `self`.
    fn shortfall(&self, free: &Resources) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis.saturating_sub(free.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_sub(free.memory_bytes),
            gpus: self.gpus.saturating_sub(free.gpus),
        }
    }

    fn short_dimensions(&self) -> usize {
        usize::from(self.cpu_millis > 0) + usize::from(self.memory_bytes > 0) + usize::from(self.gpus > 0)
    }
}

/// A node, existing or added by scaling up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// `<pool>-<index>`, e.g. `gpu-0`.
    pub name: String,
    pub pool: String,
    pub instance_type: String,
    /// The pool's labels plus the well-known ones.
    pub labels: BTreeMap<String, String>,
    /// Capacity pods may request: the instance's, less the system reserve.
    pub allocatable: Resources,
    /// Sum of the requests of the pods placed on the node.
    pub used: Resources,
}

impl Node {
    /// Allocatable capacity not yet requested.
    pub fn free(&self) -> Resources {
        Resources {
            cpu_millis: self.allocatable.cpu_millis.saturating_sub(self.used.cpu_millis),
            memory_bytes: self.allocatable.memory_bytes.saturating_sub(self.used.memory_bytes),
            gpus: self.allocatable.gpus.saturating_sub(self.used.gpus),
        }
    }
}

/// One replica placed on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub workload: String,
    pub replica: u32,
    pub node: String,
}

/// One replica that fits nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unschedulable {
    pub workload: String,
    pub replica: u32,
    /// Why, in words a person can act on.
    pub reason: String,
    /// The pool that came closest to accepting the replica; `None` without pools.
    pub closest_pool: Option<String>,
}

/// The outcome of [`place`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Placement {
    /// Every node, in pool order then index; in [`NodeCount::Max`] mode this
    /// includes the nodes added by scaling up, and no others.
    pub nodes: Vec<Node>,
    pub assignments: Vec<Assignment>,
    pub unschedulable: Vec<Unschedulable>,
}

impl Placement {
    /// True when every replica was placed.
    pub fn fits(&self) -> bool {
        self.unschedulable.is_empty()
    }

    /// The node a replica was placed on.
    pub fn node_of(&self, workload: &str, replica: u32) -> Option<&str> {
        self.assignments.iter().find(|a| a.workload == workload && a.replica == replica).map(|a| a.node.as_str())
    }

    /// On-Demand cost of all nodes per hour, from the catalogue; nodes of
    /// unknown instance types count as 0.
    pub fn hourly_cost_usd(&self) -> f64 {
        self.nodes.iter().filter_map(|n| catalog().get(&n.instance_type)).map(|t| t.on_demand_hourly_usd).sum()
    }
}

/// Places `pods` onto the nodes of `pools`, with instance types from the embedded catalogue.
pub fn place(pools: &[Pool], pods: &[PodSpec], mode: NodeCount) -> Placement {
    place_with_catalog(catalog(), pools, pods, mode)
}

/// [`place`] with an explicit catalogue.
pub fn place_with_catalog(catalog: &Catalog, pools: &[Pool], pods: &[PodSpec], mode: NodeCount) -> Placement {
    let mut states: Vec<PoolState> =
        pools.iter().map(|p| PoolState::new(p, catalog.get(&p.instance_type), mode)).collect();
    let mut assignments = Vec::new();
    let mut unschedulable = Vec::new();

    for pod in pods {
        let request = Resources { cpu_millis: pod.cpu_millis, memory_bytes: pod.memory_bytes, gpus: pod.gpus };
        // The static checks depend only on the pod spec and the pool, so they
        // are done once per workload, not once per replica.
        let checks: Vec<Vec<Failure>> = states.iter().map(|s| static_failures(s, pod, &request, catalog)).collect();
        for replica in 0..pod.replicas {
            match bind(&mut states, &checks, &request) {
                Some(node) => assignments.push(Assignment { workload: pod.workload.clone(), replica, node }),
                None => {
                    let (reason, closest_pool) = explain(&states, &checks, pod, &request, mode);
                    unschedulable.push(Unschedulable { workload: pod.workload.clone(), replica, reason, closest_pool });
                }
            }
        }
    }

    Placement { nodes: states.into_iter().flat_map(|s| s.nodes).collect(), assignments, unschedulable }
}

/// A pool while placing: its nodes so far and how far it may grow.
struct PoolState<'a> {
    pool: &'a Pool,
    instance: Option<&'a InstanceType>,
    labels: BTreeMap<String, String>,
    allocatable: Resources,
    nodes: Vec<Node>,
    /// The most nodes this pool may have in the current mode.
    limit: u32,
}

impl<'a> PoolState<'a> {
    fn new(pool: &'a Pool, instance: Option<&'a InstanceType>, mode: NodeCount) -> Self {
        let labels = node_labels(pool, instance);
        let allocatable = instance.map_or(Resources::default(), |t| Resources {
            cpu_millis: u64::from(t.vcpus).saturating_mul(1000).saturating_sub(SYSTEM_RESERVED_CPU_MILLIS),
            memory_bytes: t.memory_bytes().saturating_sub(SYSTEM_RESERVED_MEMORY_BYTES),
            gpus: t.gpu_count(),
        });
        let existing = pool.desired_size.min(MAX_NODES_PER_POOL);
        let limit = match mode {
            NodeCount::Desired => existing,
            // A pool never shrinks below the nodes it already has.
            NodeCount::Max => pool.max_size.max(pool.desired_size).min(MAX_NODES_PER_POOL),
        };
        let mut state = PoolState { pool, instance, labels, allocatable, nodes: Vec::new(), limit };
        for _ in 0..existing {
            state.add_node();
        }
        state
    }

    fn add_node(&mut self) -> usize {
        let index = self.nodes.len();
        self.nodes.push(Node {
            name: format!("{}-{}", self.pool.name, index),
            pool: self.pool.name.clone(),
            instance_type: self.pool.instance_type.clone(),
            labels: self.labels.clone(),
            allocatable: self.allocatable,
            used: Resources::default(),
        });
        index
    }

    fn can_grow(&self) -> bool {
        u32::try_from(self.nodes.len()).is_ok_and(|n| n < self.limit)
    }
}

/// The labels every node of `pool` carries: the pool's own, plus the
/// well-known ones, which win over pool labels of the same name as the
/// kubelet's own labels do on a real node.
pub fn node_labels(pool: &Pool, instance: Option<&InstanceType>) -> BTreeMap<String, String> {
    let mut labels = pool.labels.clone();
    labels.insert(LABEL_INSTANCE_TYPE.to_string(), pool.instance_type.clone());
    labels.insert(LABEL_POOL.to_string(), pool.name.clone());
    if let Some(gpu) = instance.and_then(|t| t.gpu.as_ref()) {
        labels.insert(LABEL_ACCELERATOR.to_string(), gpu.model.clone());
        if gpu.model.starts_with("nvidia-") {
            labels.insert(LABEL_GPU_PRODUCT.to_string(), gpu.model.clone());
        }
    }
    labels
}

/// Whether a pod may run on the nodes of `pool` at all, ignoring capacity:
/// every blocking taint tolerated and every node-selector entry matched.
/// DaemonSets use this to decide which pools get one of their pods per node.
pub fn pool_admits(pool: &Pool, pod: &PodSpec) -> bool {
    let labels = node_labels(pool, catalog().get(&pool.instance_type));
    let tolerated =
        pool.taints.iter().all(|t| !blocks_scheduling(t) || pod.tolerations.iter().any(|tol| tolerates(tol, t)));
    let selected = plain_selector(pod).all(|(k, v)| labels.get(k) == Some(v));
    let model_ok = gpu_selector(pod)
        .all(|(k, v)| labels.get(k).is_some_and(|have| normalize_gpu_model(have) == normalize_gpu_model(v)));
    tolerated && selected && model_ok
}

/// Puts one replica on the first node with room, growing a pool if allowed.
fn bind(states: &mut [PoolState], checks: &[Vec<Failure>], request: &Resources) -> Option<String> {
    let eligible = |i: usize| checks.get(i).is_some_and(|f| f.is_empty());
    let mut target = None;
    'search: for (i, state) in states.iter().enumerate() {
        if !eligible(i) {
            continue;
        }
        for (n, node) in state.nodes.iter().enumerate() {
            if request.fits_in(&node.free()) {
                target = Some((i, n));
                break 'search;
            }
        }
    }
    if target.is_none() {
        // Only scale up when no existing node in any pool has room, as the
        // cluster autoscaler does; the static checks guarantee an empty node fits.
        target =
            states.iter_mut().enumerate().find(|(i, s)| eligible(*i) && s.can_grow()).map(|(i, s)| (i, s.add_node()));
    }
    let (i, n) = target?;
    let node = states.get_mut(i)?.nodes.get_mut(n)?;
    node.used.cpu_millis = node.used.cpu_millis.saturating_add(request.cpu_millis);
    node.used.memory_bytes = node.used.memory_bytes.saturating_add(request.memory_bytes);
    node.used.gpus = node.used.gpus.saturating_add(request.gpus);
    Some(node.name.clone())
}

/// One reason a pool cannot take a pod, with how hard it is to fix. The
/// closest pool is the one whose failures add up to the least: a missing
/// toleration or a full pool is a one-line change; a node that is too small or
/// lacks the right GPUs needs a different instance type.
struct Failure {
    severity: u32,
    message: String,
}

const SEVERITY_TAINT: u32 = 1;
const SEVERITY_FULL: u32 = 1;
const SEVERITY_RESERVE: u32 = 2;
const SEVERITY_SELECTOR: u32 = 3;
const SEVERITY_HARDWARE: u32 = 3;

/// The checks that do not depend on what is already placed: taints, node
/// selector, instance type, and whether one empty node is big enough.
fn static_failures(state: &PoolState, pod: &PodSpec, request: &Resources, catalog: &Catalog) -> Vec<Failure> {
    let pool = state.pool;
    let mut failures = Vec::new();

    let untolerated: Vec<String> = pool
        .taints
        .iter()
        .filter(|t| blocks_scheduling(t) && !pod.tolerations.iter().any(|tol| tolerates(tol, t)))
        .map(format_taint)
        .collect();
    if !untolerated.is_empty() {
        let noun = if untolerated.len() == 1 { "taint" } else { "taints" };
        failures.push(Failure {
            severity: SEVERITY_TAINT,
            message: format!("pool {} has {noun} {} that the pod does not tolerate", pool.name, untolerated.join(", ")),
        });
    }

    let mismatched: Vec<(&String, &String)> =
        plain_selector(pod).filter(|(k, v)| state.labels.get(*k) != Some(*v)).collect();
    if !mismatched.is_empty() {
        let details: Vec<String> = mismatched
            .iter()
            .map(|(k, _)| match state.labels.get(*k) {
                Some(actual) => format!("{k}={actual}"),
                None => format!("no label {k}"),
            })
            .collect();
        failures.push(Failure {
            severity: SEVERITY_SELECTOR,
            message: format!(
                "pool {} does not match node selector {} (its nodes have {})",
                pool.name,
                format_selector(mismatched.iter().copied()),
                details.join(", ")
            ),
        });
    }

    let Some(instance) = state.instance else {
        let hint = catalog.suggest(&pool.instance_type).map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
        failures.push(Failure {
            severity: SEVERITY_HARDWARE,
            message: format!(
                "pool {} uses instance type {}, which is not in the instance catalogue{hint}",
                pool.name, pool.instance_type
            ),
        });
        return failures;
    };

    let wanted_model = gpu_selector(pod).next();
    let model_ok = gpu_selector(pod)
        .all(|(_, v)| instance.gpu.as_ref().is_some_and(|g| normalize_gpu_model(&g.model) == normalize_gpu_model(v)));
    if !model_ok || request.gpus > instance.gpu_count() {
        let wants = match (request.gpus, wanted_model) {
            (0, Some((_, model))) => format!("selects {model} GPUs"),
            (n, Some((_, model))) => format!("requests {n} × {model}"),
            (1, None) => "requests 1 GPU".to_string(),
            (n, None) => format!("requests {n} GPUs"),
        };
        let offers = match &instance.gpu {
            Some(g) => format!("{} × {}", g.count, g.model),
            None => "no GPUs".to_string(),
        };
        failures.push(Failure {
            severity: SEVERITY_HARDWARE,
            message: format!("{wants}; pool {} offers {}: {offers}", pool.name, instance.name),
        });
    }

    let capacity_cpu = u64::from(instance.vcpus).saturating_mul(1000);
    if request.cpu_millis > state.allocatable.cpu_millis {
        let (severity, has) = if request.cpu_millis > capacity_cpu {
            (SEVERITY_HARDWARE, format_cpu(capacity_cpu))
        } else {
            (
                SEVERITY_RESERVE,
                format!("{} allocatable after the system reserve", format_cpu(state.allocatable.cpu_millis)),
            )
        };
        failures.push(Failure {
            severity,
            message: format!(
                "requests {} CPU but the largest node of pool {} ({}) has {has}",
                format_cpu(request.cpu_millis),
                pool.name,
                instance.name
            ),
        });
    }

    let capacity_memory = instance.memory_bytes();
    if request.memory_bytes > state.allocatable.memory_bytes {
        let (severity, has) = if request.memory_bytes > capacity_memory {
            (SEVERITY_HARDWARE, format_bytes(capacity_memory))
        } else {
            (
                SEVERITY_RESERVE,
                format!("{} allocatable after the system reserve", format_bytes(state.allocatable.memory_bytes)),
            )
        };
        failures.push(Failure {
            severity,
            message: format!(
                "requests {} of memory but the largest node of pool {} ({}) has {has}",
                format_bytes(request.memory_bytes),
                pool.name,
                instance.name
            ),
        });
    }

    failures
}

/// Why a replica could not be bound, and the pool that came closest.
fn explain(
    states: &[PoolState],
    checks: &[Vec<Failure>],
    pod: &PodSpec,
    request: &Resources,
    mode: NodeCount,
) -> (String, Option<String>) {
    if states.is_empty() {
        return ("there are no node pools".to_string(), None);
    }
    // A pool the pod explicitly selects is closer than one it rules out, so
    // when the selector matches some pools only those are candidates.
    let selected: Vec<usize> = (0..states.len())
        .filter(|&i| states.get(i).is_some_and(|s| plain_selector(pod).all(|(k, v)| s.labels.get(k) == Some(v))))
        .collect();
    let no_pool_selected = selected.is_empty();
    let candidates: Vec<usize> = if no_pool_selected { (0..states.len()).collect() } else { selected };

    let mut best: Option<(u32, usize, usize, Vec<String>)> = None;
    for i in candidates {
        let (Some(state), Some(static_fail)) = (states.get(i), checks.get(i)) else {
            continue;
        };
        let mut failures: Vec<(u32, String)> = static_fail.iter().map(|f| (f.severity, f.message.clone())).collect();
        if failures.is_empty() {
            // The pod would fit an empty node of this pool: the pool is full.
            failures.push((SEVERITY_FULL, full_pool_message(state, request, mode)));
        }
        let severity: u32 = failures.iter().map(|(s, _)| *s).sum();
        let key = (severity, failures.len(), i);
        if best.as_ref().is_none_or(|(s, n, j, _)| key < (*s, *n, *j)) {
            best = Some((severity, failures.len(), i, failures.into_iter().map(|(_, m)| m).collect()));
        }
    }

    let closest = best.as_ref().and_then(|(_, _, i, _)| states.get(*i)).map(|s| s.pool.name.clone());
    let reason = if no_pool_selected {
        format!("node selector {} matches no pool", format_selector(plain_selector(pod)))
    } else {
        best.map(|(_, _, _, messages)| messages.join("; ")).unwrap_or_else(|| "no pool can run the pod".to_string())
    };
    (reason, closest)
}

fn full_pool_message(state: &PoolState, request: &Resources, mode: NodeCount) -> String {
    let size_kind = match mode {
        NodeCount::Desired => "desired",
        NodeCount::Max => "max",
    };
    let count = state.nodes.len();
    if count == 0 {
        return format!("pool {} has no nodes (its {size_kind} size is 0)", state.pool.name);
    }
    // Report the shortfall on the node that is nearest to having room.
    let shortfall = state
        .nodes
        .iter()
        .map(|n| request.shortfall(&n.free()))
        .min_by_key(|s| (s.short_dimensions(), s.gpus, s.cpu_millis, s.memory_bytes))
        .unwrap_or(*request);
    let mut needs = Vec::new();
    if shortfall.cpu_millis > 0 {
        needs.push(format!("{} CPU", format_cpu(shortfall.cpu_millis)));
    }
    if shortfall.memory_bytes > 0 {
        needs.push(format_bytes(shortfall.memory_bytes));
    }
    if shortfall.gpus > 0 {
        needs.push(plural(u64::from(shortfall.gpus), "GPU", "GPUs"));
    }
    format!(
        "pool {} is full at its {size_kind} size of {} (needs {} more)",
        state.pool.name,
        plural(count as u64, "node", "nodes"),
        needs.join(", ")
    )
}

/// Whether a taint keeps pods that do not tolerate it off the node.
fn blocks_scheduling(taint: &Taint) -> bool {
    taint.effect != "PreferNoSchedule"
}

/// Kubernetes toleration matching: the effect must match unless the toleration
/// leaves it empty; `Exists` matches any value (and any key when the key is
/// empty); `Equal` needs the same key and value.
fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = toleration.effect.as_deref() {
        if !effect.is_empty() && effect != taint.effect {
            return false;
        }
    }
    let key = toleration.key.as_deref().unwrap_or("");
    match toleration.operator.as_str() {
        "Exists" => key.is_empty() || key == taint.key,
        "Equal" | "" => !key.is_empty() && key == taint.key && toleration.value.as_deref().unwrap_or("") == taint.value,
        // An unknown operator tolerates nothing, as the API server would reject it.
        _ => false,
    }
}

fn is_gpu_model_key(key: &str) -> bool {
    key == LABEL_GPU_PRODUCT || key == LABEL_ACCELERATOR
}

/// Selector entries matched exactly against node labels.
fn plain_selector(pod: &PodSpec) -> impl Iterator<Item = (&String, &String)> {
    pod.node_selector.iter().filter(|(k, _)| !is_gpu_model_key(k))
}

/// Selector entries naming an accelerator model, matched loosely.
fn gpu_selector(pod: &PodSpec) -> impl Iterator<Item = (&String, &String)> {
    pod.node_selector.iter().filter(|(k, _)| is_gpu_model_key(k))
}

fn format_selector<'a>(entries: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    entries.map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

fn format_taint(t: &Taint) -> String {
    if t.value.is_empty() {
        format!("{}:{}", t.key, t.effect)
    } else {
        format!("{}={}:{}", t.key, t.value, t.effect)
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Millicores as CPUs: `2000` → `2`, `1500` → `1.5`, `100` → `0.1`.
pub fn format_cpu(millis: u64) -> String {
    let whole = millis / 1000;
    let frac = millis % 1000;
    if frac == 0 {
        return whole.to_string();
    }
    let mut s = format!("{whole}.{frac:03}");
    while s.ends_with('0') {
        s.pop();
    }
    s
}

/// Bytes in the largest binary unit that keeps the number at least 1:
/// `536870912` → `512 MiB`, `1610612736` → `1.5 GiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u32); 6] = [("EiB", 60), ("PiB", 50), ("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)];
    for (unit, shift) in UNITS {
        let size = 1u64 << shift;
        if bytes >= size {
            // `size` is a power of two, so masking tests divisibility (and
            // keeps the crate building on Rust 1.85, before `is_multiple_of`).
            if bytes & (size - 1) == 0 {
                return format!("{} {unit}", bytes >> shift);
            }
            let mut s = String::new();
            let _ = write!(s, "{:.2}", bytes as f64 / size as f64);
            while s.ends_with('0') {
                s.pop();
            }
            if s.ends_with('.') {
                s.pop();
            }
            return format!("{s} {unit}");
        }
    }
    format!("{bytes} B")
}

/// Parses a Kubernetes CPU quantity into millicores: `"500m"` → 500,
/// `"2"` → 2000, `"1.5"` → 1500. Fractions of a millicore round up, as in
/// Kubernetes (`"100u"` → 1).
pub fn parse_cpu(s: &str) -> Result<u64, String> {
    let q = parse_quantity(s).map_err(|why| format!("{s:?} is not a valid CPU quantity: {why}"))?;
    q.to_units(3).map_err(|why| format!("{s:?} is not a valid CPU quantity: {why}"))
}

/// Parses a Kubernetes memory quantity into bytes: `"512Mi"`, `"4Gi"`,
/// `"1G"` (10⁹), `"1000"`, `"1e3"`. Fractions of a byte round up.
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let q = parse_quantity(s).map_err(|why| format!("{s:?} is not a valid memory quantity: {why}"))?;
    q.to_units(0).map_err(|why| format!("{s:?} is not a valid memory quantity: {why}"))
}

/// A parsed quantity: `mantissa × 10^scale10 × 1024^pow1024`. Kept exact in
/// integers because quantities are compared byte for byte.
struct Quantity {
    mantissa: u128,
    scale10: i32,
    pow1024: u32,
}

/// At most this many significant digits, so the arithmetic stays within u128.
const MAX_DIGITS: usize = 20;

fn parse_quantity(s: &str) -> Result<Quantity, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("it is empty".into());
    }
    let unsigned = match s.strip_prefix('-') {
        Some(_) => return Err("it is negative".into()),
        None => s.strip_prefix('+').unwrap_or(s),
    };
    let number_len = unsigned.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_len);
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if frac_part.contains('.') {
        return Err("it has more than one decimal point".into());
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err("it does not start with a number".into());
    }
    let digits = format!("{int_part}{frac_part}");
    let significant = digits.trim_start_matches('0');
    if significant.len() > MAX_DIGITS {
        return Err(format!("it has more than {MAX_DIGITS} significant digits"));
    }
    let mantissa = if significant.is_empty() {
        0
    } else {
        significant.parse::<u128>().map_err(|_| "it is not a number".to_string())?
    };
    let frac_len = i32::try_from(frac_part.len()).map_err(|_| "it is too long".to_string())?;

    let (suffix_scale, pow1024) = match suffix {
        "" => (0, 0),
        "Ki" => (0, 1),
        "Mi" => (0, 2),
        "Gi" => (0, 3),
        "Ti" => (0, 4),
        "Pi" => (0, 5),
        "Ei" => (0, 6),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        _ => {
            // A decimal exponent: e or E followed by a signed integer ("1e3").
            let exponent = suffix
                .strip_prefix(['e', 'E'])
                .filter(|rest| {
                    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
                    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
                })
                .and_then(|rest| rest.parse::<i32>().ok())
                .filter(|e| e.abs() <= 100)
                .ok_or_else(|| {
                    format!("{suffix:?} is not a known unit (use m, k, M, G, Ki, Mi, Gi, … or an exponent like e3)")
                })?;
            (exponent, 0)
        }
    };
    Ok(Quantity { mantissa, scale10: suffix_scale - frac_len, pow1024 })
}

impl Quantity {
    /// The quantity in units of 10^-`extra_scale10`, rounded up to a whole unit.
    fn to_units(&self, extra_scale10: i32) -> Result<u64, String> {
        const TOO_LARGE: &str = "it is too large";
        let numerator =
            1024u128.checked_pow(self.pow1024).and_then(|m| m.checked_mul(self.mantissa)).ok_or(TOO_LARGE)?;
        let scale = self.scale10.saturating_add(extra_scale10);
        let value = if scale >= 0 {
            let factor = 10u128.checked_pow(scale.unsigned_abs()).ok_or(TOO_LARGE)?;
            numerator.checked_mul(factor).ok_or(TOO_LARGE)?
        } else {
            match 10u128.checked_pow(scale.unsigned_abs()) {
                Some(divisor) => numerator / divisor + u128::from(numerator % divisor != 0),
                // The divisor exceeds any numerator: a tiny positive amount rounds up to 1.
                None => u128::from(numerator != 0),
            }
        };
        u64::try_from(value).map_err(|_| TOO_LARGE.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * MIB;

    fn pool(name: &str, instance_type: &str, desired: u32, max: u32) -> Pool {
        Pool {
            name: name.into(),
            instance_type: instance_type.into(),
            min_size: 0,
            max_size: max,
            desired_size: desired,
            labels: BTreeMap::from([("pool".to_string(), name.to_string())]),
            taints: Vec::new(),
        }
    }

    fn gpu_taint() -> Taint {
        Taint { key: "nvidia.com/gpu".into(), value: "true".into(), effect: "NoSchedule".into() }
    }

    fn gpu_toleration() -> Toleration {
        Toleration {
            key: Some("nvidia.com/gpu".into()),
            operator: "Exists".into(),
            value: None,
            effect: Some("NoSchedule".into()),
        }
    }

    fn pod(workload: &str, replicas: u32, cpu: &str, memory: &str, gpus: u32) -> PodSpec {
        PodSpec {
            workload: workload.into(),
            replicas,
            cpu_millis: parse_cpu(cpu).unwrap_or(u64::MAX),
            memory_bytes: parse_memory(memory).unwrap_or(u64::MAX),
            gpus,
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
        }
    }

    fn select(mut p: PodSpec, key: &str, value: &str) -> PodSpec {
        p.node_selector.insert(key.into(), value.into());
        p
    }

    fn tolerate(mut p: PodSpec, t: Toleration) -> PodSpec {
        p.tolerations.push(t);
        p
    }

    fn tainted(mut p: Pool, t: Taint) -> Pool {
        p.taints.push(t);
        p
    }

    /// The standard small cluster: a CPU pool and a tainted single-GPU pool.
    fn cluster() -> Vec<Pool> {
        vec![pool("cpu", "m6i.xlarge", 2, 4), tainted(pool("gpu", "g5.xlarge", 1, 2), gpu_taint())]
    }

    fn reasons(p: &Placement) -> Vec<(&str, u32, &str, Option<&str>)> {
        p.unschedulable
            .iter()
            .map(|u| (u.workload.as_str(), u.replica, u.reason.as_str(), u.closest_pool.as_deref()))
            .collect()
    }

    #[test]
    fn analysis_placement_parse_cpu() {
        let ok: &[(&str, u64)] = &[
            ("500m", 500),
            ("2", 2000),
            ("1.5", 1500),
            ("0.1", 100),
            (".5", 500),
            ("1.", 1000),
            ("+3", 3000),
            (" 250m ", 250),
            ("100u", 1),
            ("1500000n", 2),
            ("0", 0),
            ("1e3", 1_000_000),
            ("2k", 2_000_000),
            ("0.0001", 1),
        ];
        for &(input, want) in ok {
            assert_eq!(parse_cpu(input), Ok(want), "parse_cpu({input:?})");
        }
        for bad in ["", "  ", "-1", "abc", "m", "1.2.3", "5 cores", "1e", "2Zi", "1x", "99999999999999999999999"] {
            let err = parse_cpu(bad).err().unwrap_or_default();
            assert!(err.contains("not a valid CPU quantity"), "parse_cpu({bad:?}) gave {err:?}");
        }
    }

    #[test]
    fn analysis_placement_parse_memory() {
        let ok: &[(&str, u64)] = &[
            ("512Mi", 512 * MIB),
            ("4Gi", 4 * GIB),
            ("1.5Gi", 3 * GIB / 2),
            ("1G", 1_000_000_000),
            ("1000", 1000),
            ("1e3", 1000),
            ("1E3", 1000),
            ("1e+3", 1000),
            ("1E", 1_000_000_000_000_000_000),
            ("128974848", 128_974_848),
            ("129e6", 129_000_000),
            ("123Mi", 123 * MIB),
            ("1Ki", 1024),
            ("1k", 1000),
            ("1500m", 2),
            ("1Ti", 1 << 40),
            ("8Ei", 8 << 60),
            ("1e-3", 1),
        ];
        for &(input, want) in ok {
            assert_eq!(parse_memory(input), Ok(want), "parse_memory({input:?})");
        }
        for bad in ["", "-1Gi", "Gi", "1GB", "1gi", "1.0.0Mi", "16Ei", "1e400", "1e99"] {
            let err = parse_memory(bad).err().unwrap_or_default();
            assert!(err.contains("not a valid memory quantity"), "parse_memory({bad:?}) gave {err:?}");
        }
    }

    #[test]
    fn analysis_placement_formats() {
        assert_eq!(format_cpu(2000), "2");
        assert_eq!(format_cpu(1500), "1.5");
        assert_eq!(format_cpu(100), "0.1");
        assert_eq!(format_cpu(3900), "3.9");
        assert_eq!(format_bytes(512 * MIB), "512 MiB");
        assert_eq!(format_bytes(3 * GIB / 2), "1.5 GiB");
        assert_eq!(format_bytes(100), "100 B");
        assert_eq!(format_bytes(8 * GIB), "8 GiB");
    }

    #[test]
    fn analysis_placement_gpu_pod_needs_toleration() {
        let pools = cluster();
        let untolerated = pod("Deployment default/llm", 1, "2", "8Gi", 1);
        let tolerated = tolerate(untolerated.clone(), gpu_toleration());
        let plain = pod("Deployment default/web", 1, "1", "1Gi", 0);

        // Data-driven: (pod, expected node or reason, closest pool)
        let cases: Vec<(PodSpec, Result<&str, &str>, Option<&str>)> = vec![
            (
                untolerated,
                Err("pool gpu has taint nvidia.com/gpu=true:NoSchedule that the pod does not tolerate"),
                Some("gpu"),
            ),
            (tolerated, Ok("gpu-0"), None),
            // A CPU pod never lands on the tainted GPU pool.
            (plain, Ok("cpu-0"), None),
        ];
        for (p, expected, closest) in cases {
            for mode in [NodeCount::Desired, NodeCount::Max] {
                let out = place(&pools, std::slice::from_ref(&p), mode);
                match expected {
                    Ok(node) => {
                        assert_eq!(out.node_of(&p.workload, 0), Some(node), "{}", p.workload)
                    }
                    Err(reason) => {
                        assert_eq!(reasons(&out), vec![(p.workload.as_str(), 0, reason, closest)], "{mode:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn analysis_placement_toleration_semantics() {
        let taint = gpu_taint();
        let t = |key: Option<&str>, op: &str, value: Option<&str>, effect: Option<&str>| Toleration {
            key: key.map(Into::into),
            operator: op.into(),
            value: value.map(Into::into),
            effect: effect.map(Into::into),
        };
        let cases = [
            (t(Some("nvidia.com/gpu"), "Exists", None, None), true),
            (t(Some("nvidia.com/gpu"), "Equal", Some("true"), Some("NoSchedule")), true),
            (t(Some("nvidia.com/gpu"), "", Some("true"), None), true),
            (t(Some("nvidia.com/gpu"), "Equal", Some("false"), None), false),
            (t(Some("nvidia.com/gpu"), "Exists", None, Some("NoExecute")), false),
            (t(None, "Exists", None, None), true),
            (t(None, "Equal", Some("true"), None), false),
            (t(Some("other"), "Exists", None, None), false),
            (t(Some("nvidia.com/gpu"), "In", Some("true"), None), false),
        ];
        for (toleration, want) in cases {
            assert_eq!(tolerates(&toleration, &taint), want, "{toleration:?}");
        }
        // PreferNoSchedule never blocks, so an untolerating pod still lands.
        let soft = Taint { effect: "PreferNoSchedule".into(), ..gpu_taint() };
        let pools = vec![tainted(pool("gpu", "g5.xlarge", 1, 1), soft)];
        let out = place(&pools, &[pod("Job ml/train", 1, "1", "1Gi", 1)], NodeCount::Desired);
        assert_eq!(out.node_of("Job ml/train", 0), Some("gpu-0"));
    }

    #[test]
    fn analysis_placement_gpu_model_and_count_reason() {
        let pools = vec![pool("cpu", "m6i.large", 1, 3), tainted(pool("gpu", "g5.12xlarge", 1, 2), gpu_taint())];
        let a100 = tolerate(
            select(pod("Job ml/train", 1, "8", "64Gi", 8), LABEL_GPU_PRODUCT, "nvidia-a100"),
            gpu_toleration(),
        );
        let a10g_x8 =
            tolerate(select(pod("Job ml/big", 1, "8", "64Gi", 8), LABEL_GPU_PRODUCT, "A10G"), gpu_toleration());
        let any_x8 = tolerate(pod("Job ml/any", 1, "8", "64Gi", 8), gpu_toleration());
        let a10g_x4 =
            tolerate(select(pod("Job ml/fits", 1, "8", "64Gi", 4), LABEL_GPU_PRODUCT, "a10g"), gpu_toleration());
        let out = place(&pools, &[a100, a10g_x8, any_x8, a10g_x4], NodeCount::Max);
        assert_eq!(
            reasons(&out),
            vec![
                (
                    "Job ml/train",
                    0,
                    "requests 8 × nvidia-a100; pool gpu offers g5.12xlarge: 4 × nvidia-a10g",
                    Some("gpu")
                ),
                ("Job ml/big", 0, "requests 8 × A10G; pool gpu offers g5.12xlarge: 4 × nvidia-a10g", Some("gpu")),
                ("Job ml/any", 0, "requests 8 GPUs; pool gpu offers g5.12xlarge: 4 × nvidia-a10g", Some("gpu")),
            ]
        );
        assert_eq!(out.node_of("Job ml/fits", 0), Some("gpu-0"));
    }

    #[test]
    fn analysis_placement_selector_mismatch() {
        let pools = cluster();
        let cases: Vec<(PodSpec, &str, Option<&str>)> = vec![
            (
                select(pod("Deployment a/x", 1, "1", "1Gi", 0), "pool", "cpux"),
                "node selector pool=cpux matches no pool",
                Some("cpu"),
            ),
            (
                select(select(pod("Deployment a/y", 1, "1", "1Gi", 0), "pool", "cpu"), "zone", "b"),
                "node selector pool=cpu, zone=b matches no pool",
                Some("cpu"),
            ),
            // Selecting the GPU pool without tolerating its taint names the taint.
            (
                select(pod("Deployment a/z", 1, "1", "1Gi", 0), LABEL_POOL, "gpu"),
                "pool gpu has taint nvidia.com/gpu=true:NoSchedule that the pod does not tolerate",
                Some("gpu"),
            ),
        ];
        for (p, reason, closest) in cases {
            let out = place(&pools, std::slice::from_ref(&p), NodeCount::Max);
            assert_eq!(reasons(&out), vec![(p.workload.as_str(), 0, reason, closest)]);
        }
        // A matching selector steers the pod, including via well-known labels.
        let steered = select(pod("Deployment a/w", 1, "1", "1Gi", 0), LABEL_INSTANCE_TYPE, "m6i.xlarge");
        let out = place(&pools, &[steered], NodeCount::Desired);
        assert_eq!(out.node_of("Deployment a/w", 0), Some("cpu-0"));
    }

    #[test]
    fn analysis_placement_max_mode_scales_to_max_and_desired_does_not() {
        // m6i.large: 2 vCPU, 8 GiB; allocatable 1.9 CPU, 7.5 GiB. One 1.5-CPU pod per node.
        let pools = vec![pool("cpu", "m6i.large", 1, 3)];
        let pods = [pod("Deployment default/api", 5, "1.5", "512Mi", 0)];

        let desired = place(&pools, &pods, NodeCount::Desired);
        assert_eq!(desired.nodes.len(), 1);
        assert_eq!(desired.assignments.len(), 1);
        assert_eq!(desired.unschedulable.len(), 4);
        assert_eq!(
            desired.unschedulable.first().map(|u| u.reason.as_str()),
            Some("pool cpu is full at its desired size of 1 node (needs 1.1 CPU more)")
        );

        let max = place(&pools, &pods, NodeCount::Max);
        let nodes: Vec<&str> = max.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(nodes, ["cpu-0", "cpu-1", "cpu-2"]);
        let placed: Vec<&str> = max.assignments.iter().map(|a| a.node.as_str()).collect();
        assert_eq!(placed, ["cpu-0", "cpu-1", "cpu-2"]);
        assert_eq!(
            reasons(&max),
            vec![
                (
                    "Deployment default/api",
                    3,
                    "pool cpu is full at its max size of 3 nodes (needs 1.1 CPU more)",
                    Some("cpu")
                ),
                (
                    "Deployment default/api",
                    4,
                    "pool cpu is full at its max size of 3 nodes (needs 1.1 CPU more)",
                    Some("cpu")
                ),
            ]
        );
        let cost = max.hourly_cost_usd();
        assert!((cost - 3.0 * 0.096).abs() < 1e-9, "{cost}");

        // Shortfall in two resources, and a pool with no nodes at all.
        let both = place(&pools, &[pod("Job a/b", 2, "1.5", "7Gi", 0)], NodeCount::Desired);
        assert_eq!(
            both.unschedulable.first().map(|u| u.reason.as_str()),
            Some("pool cpu is full at its desired size of 1 node (needs 1.1 CPU, 6.5 GiB more)")
        );
        let empty = place(&[pool("cpu", "m6i.large", 0, 2)], &[pod("Job a/c", 1, "1", "1Gi", 0)], NodeCount::Desired);
        assert_eq!(
            empty.unschedulable.first().map(|u| u.reason.as_str()),
            Some("pool cpu has no nodes (its desired size is 0)")
        );
    }

    #[test]
    fn analysis_placement_bin_packs_first_fit() {
        // m6i.xlarge: 4 vCPU → 3.9 allocatable: three 1-CPU pods share cpu-0.
        let pools = vec![pool("cpu", "m6i.xlarge", 2, 2)];
        let out = place(&pools, &[pod("Deployment default/web", 3, "1", "1Gi", 0)], NodeCount::Desired);
        assert!(out.fits());
        let placed: Vec<&str> = out.assignments.iter().map(|a| a.node.as_str()).collect();
        assert_eq!(placed, ["cpu-0", "cpu-0", "cpu-0"]);
        let used = out.nodes.first().map(|n| n.used);
        assert_eq!(used, Some(Resources { cpu_millis: 3000, memory_bytes: 3 * GIB, gpus: 0 }));
        assert_eq!(out.nodes.get(1).map(|n| n.used), Some(Resources::default()));

        // A later small pod back-fills the first node with room (pool order, then index).
        let pods = [pod("Deployment default/a", 2, "3", "1Gi", 0), pod("Deployment default/b", 1, "0.5", "1Gi", 0)];
        let out = place(&pools, &pods, NodeCount::Desired);
        let placed: Vec<(&str, u32, &str)> =
            out.assignments.iter().map(|a| (a.workload.as_str(), a.replica, a.node.as_str())).collect();
        assert_eq!(
            placed,
            [
                ("Deployment default/a", 0, "cpu-0"),
                ("Deployment default/a", 1, "cpu-1"),
                ("Deployment default/b", 0, "cpu-0"),
            ]
        );
    }

    #[test]
    fn analysis_placement_node_too_small_and_unknown_type() {
        let pools = vec![pool("cpu", "m6i.large", 1, 3)];
        let cases: Vec<(PodSpec, &str)> = vec![
            (
                pod("Job a/huge", 1, "64", "1Gi", 0),
                "requests 64 CPU but the largest node of pool cpu (m6i.large) has 2",
            ),
            (
                pod("Job a/edge", 1, "2", "1Gi", 0),
                "requests 2 CPU but the largest node of pool cpu (m6i.large) has 1.9 allocatable after the system reserve",
            ),
            (
                pod("Job a/mem", 1, "1", "16Gi", 0),
                "requests 16 GiB of memory but the largest node of pool cpu (m6i.large) has 8 GiB",
            ),
            (
                pod("Job a/gpu", 1, "1", "1Gi", 1),
                "requests 1 GPU; pool cpu offers m6i.large: no GPUs",
            ),
        ];
        for (p, reason) in cases {
            let out = place(&pools, std::slice::from_ref(&p), NodeCount::Max);
            assert_eq!(reasons(&out), vec![(p.workload.as_str(), 0, reason, Some("cpu"))]);
        }

        let typo = vec![pool("cpu", "m6i.larg", 1, 1)];
        let out = place(&typo, &[pod("Job a/b", 1, "1", "1Gi", 0)], NodeCount::Desired);
        assert_eq!(
            out.unschedulable.first().map(|u| u.reason.as_str()),
            Some("pool cpu uses instance type m6i.larg, which is not in the instance catalogue (did you mean m6i.large?)")
        );
        assert_eq!(out.nodes.len(), 1, "the node exists even if nothing fits on it");

        let none = place(&[], &[pod("Job a/b", 1, "1", "1Gi", 0)], NodeCount::Max);
        assert_eq!(reasons(&none), vec![("Job a/b", 0, "there are no node pools", None)]);
    }

    #[test]
    fn analysis_placement_node_labels_and_closest_pool() {
        let pools = vec![
            pool("cpu", "m6i.large", 1, 1),
            pool("train", "p4d.24xlarge", 1, 1),
            pool("infer", "inf2.xlarge", 1, 1),
        ];
        let out = place(&pools, &[], NodeCount::Desired);
        let labels = |i: usize| out.nodes.get(i).map(|n| n.labels.clone()).unwrap_or_default();
        let train = labels(1);
        assert_eq!(train.get(LABEL_INSTANCE_TYPE).map(String::as_str), Some("p4d.24xlarge"));
        assert_eq!(train.get(LABEL_POOL).map(String::as_str), Some("train"));
        assert_eq!(train.get(LABEL_GPU_PRODUCT).map(String::as_str), Some("nvidia-a100"));
        assert_eq!(train.get("pool").map(String::as_str), Some("train"));
        assert_eq!(labels(0).get(LABEL_GPU_PRODUCT), None);
        assert_eq!(labels(2).get(LABEL_GPU_PRODUCT), None, "not an NVIDIA device");
        assert_eq!(labels(2).get(LABEL_ACCELERATOR).map(String::as_str), Some("aws-inferentia2"));
        assert_eq!(
            out.nodes.get(1).map(|n| n.allocatable),
            Some(Resources { cpu_millis: 95_900, memory_bytes: 1152 * GIB - 512 * MIB, gpus: 8 })
        );

        // The accelerator selector matches loosely and steers to the right pool.
        let neuron = select(pod("Deployment a/n", 1, "1", "1Gi", 1), LABEL_ACCELERATOR, "inferentia2");
        let out = place(&pools, &[neuron], NodeCount::Desired);
        assert_eq!(out.node_of("Deployment a/n", 0), Some("infer-0"));

        // Closest pool: a full pool beats one that is too small.
        let pools = vec![pool("small", "m6i.large", 1, 1), pool("big", "m6i.4xlarge", 1, 1)];
        let out = place(&pools, &[pod("Job a/x", 2, "12", "1Gi", 0)], NodeCount::Max);
        assert_eq!(
            reasons(&out),
            vec![("Job a/x", 1, "pool big is full at its max size of 1 node (needs 8.1 CPU more)", Some("big"))]
        );
    }

    #[test]
    fn analysis_placement_is_deterministic_and_total() {
        // Odd inputs never panic: zero-sized pools, saturating requests, huge sizes.
        let pools = vec![
            pool("", "", 0, 0),
            pool("cpu", "c7i.large", 2, u32::MAX),
            Pool { desired_size: 3, max_size: 1, ..pool("odd", "r7i.large", 0, 0) },
        ];
        let pods = [
            pod("a", 3, "0", "0", 0),
            PodSpec { cpu_millis: u64::MAX, memory_bytes: u64::MAX, gpus: u32::MAX, ..pod("b", 1, "1", "1", 0) },
            pod("c", 0, "1", "1Gi", 0),
        ];
        let first = place(&pools, &pods, NodeCount::Max);
        let second = place(&pools, &pods, NodeCount::Max);
        assert_eq!(first, second);
        assert_eq!(first.assignments.len(), 3);
        assert_eq!(first.unschedulable.len(), 1);
        assert_eq!(first.nodes.iter().filter(|n| n.pool == "odd").count(), 3);
    }
}
