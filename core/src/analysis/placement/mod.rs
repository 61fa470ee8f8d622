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

mod filter;
mod quantity;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{catalogs, normalize_gpu_model, Catalog, InstanceType};
use filter::{blocks_scheduling, explain, gpu_selector, plain_selector, static_failures, tolerates, Failure};
pub use quantity::{format_bytes, format_cpu, parse_cpu, parse_memory};

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

pub(super) const KIB: u64 = 1024;
pub(super) const MIB: u64 = 1024 * KIB;

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
    /// The cloud whose catalogue describes `instance_type` (`aws`); empty for
    /// the default one. Pools of different clouds can be placed together.
    #[serde(default)]
    pub cloud: String,
}

impl Pool {
    /// The catalogue entry of the pool's instance type, from its cloud's catalogue.
    pub fn instance(&self) -> Option<&'static InstanceType> {
        catalogs().for_cloud(&self.cloud).and_then(|c| c.get(&self.instance_type))
    }
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
    pub(super) fn fits_in(&self, free: &Resources) -> bool {
        self.cpu_millis <= free.cpu_millis && self.memory_bytes <= free.memory_bytes && self.gpus <= free.gpus
    }

    /// What is missing from `free` to hold `self`.
    pub(super) fn shortfall(&self, free: &Resources) -> Resources {
        Resources {
            cpu_millis: self.cpu_millis.saturating_sub(free.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_sub(free.memory_bytes),
            gpus: self.gpus.saturating_sub(free.gpus),
        }
    }

    pub(super) fn short_dimensions(&self) -> usize {
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

    /// On-Demand cost of all nodes per hour, from the default cloud's
    /// catalogue; nodes of unknown instance types count as 0.
    pub fn hourly_cost_usd(&self) -> f64 {
        let catalog = crate::catalog::catalog();
        self.nodes.iter().filter_map(|n| catalog.get(&n.instance_type)).map(|t| t.on_demand_hourly_usd).sum()
    }
}

/// Places `pods` onto the nodes of `pools`, each pool's instance type looked
/// up in its own cloud's catalogue.
pub fn place(pools: &[Pool], pods: &[PodSpec], mode: NodeCount) -> Placement {
    let empty = Catalog::default();
    let per_pool: Vec<&Catalog> = pools.iter().map(|p| catalogs().for_cloud(&p.cloud).unwrap_or(&empty)).collect();
    place_in(&per_pool, pools, pods, mode)
}

/// [`place`] with one explicit catalogue for every pool.
pub fn place_with_catalog(catalog: &Catalog, pools: &[Pool], pods: &[PodSpec], mode: NodeCount) -> Placement {
    place_in(&vec![catalog; pools.len()], pools, pods, mode)
}

/// `catalogs[i]` describes the instance type of `pools[i]`.
fn place_in(catalogs: &[&Catalog], pools: &[Pool], pods: &[PodSpec], mode: NodeCount) -> Placement {
    let empty = Catalog::default();
    let catalog_of = |i: usize| catalogs.get(i).copied().unwrap_or(&empty);
    let mut states: Vec<PoolState> =
        pools.iter().enumerate().map(|(i, p)| PoolState::new(p, catalog_of(i).get(&p.instance_type), mode)).collect();
    let mut assignments = Vec::new();
    let mut unschedulable = Vec::new();

    for pod in pods {
        let request = Resources { cpu_millis: pod.cpu_millis, memory_bytes: pod.memory_bytes, gpus: pod.gpus };
        // The static checks depend only on the pod spec and the pool, so they
        // are done once per workload, not once per replica.
        let checks: Vec<Vec<Failure>> =
            states.iter().enumerate().map(|(i, s)| static_failures(s, pod, &request, catalog_of(i))).collect();
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
pub(super) struct PoolState<'a> {
    pub(super) pool: &'a Pool,
    pub(super) instance: Option<&'a InstanceType>,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) allocatable: Resources,
    pub(super) nodes: Vec<Node>,
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
    let labels = node_labels(pool, pool.instance());
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
