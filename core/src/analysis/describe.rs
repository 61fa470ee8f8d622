//! What the analysis reads: neutral descriptions of node pools and workloads,
//! and the records that say which resource instance each belongs to and what
//! the plan does to it.
//!
//! Providers describe their own resource types (a provider knows that its
//! `scaling_config` is a pool's size; the analysis should not have to guess
//! from attribute names), and the engine turns a plan into these records. The
//! analysis itself never sees a provider, a plan or a state, so a new cloud or
//! workload source reaches fit and cost without touching it.

use std::collections::BTreeMap;

use super::placement::{PodSpec, Pool, Taint};
use crate::catalog::catalogs;
use crate::value::Value;

/// How the analysis sees one resource instance.
#[derive(Debug, Clone, PartialEq)]
pub enum Description {
    /// A group of identical nodes.
    Pool(PoolDescription),
    /// Kubernetes objects the resource puts into a cluster. The workloads among
    /// them are read by [`super::workloads::workload_pods`] together with the
    /// objects of every other resource, because an autoscaler in one resource
    /// may scale a Deployment in another.
    Objects(Vec<Value>),
    /// A workload whose pods the provider describes itself, for sources that
    /// are not Kubernetes objects.
    Workload(WorkloadDescription),
}

/// On-demand or spot (preemptible) capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Capacity {
    #[default]
    OnDemand,
    Spot,
}

impl Capacity {
    /// The spelling the plan's JSON has always used.
    pub fn as_str(self) -> &'static str {
        match self {
            Capacity::OnDemand => "ON_DEMAND",
            Capacity::Spot => "SPOT",
        }
    }
}

/// A pool's size bounds, in nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scaling {
    pub min: u32,
    pub desired: u32,
    pub max: u32,
    /// False when some size is known only after apply (then it counts as 0).
    pub known: bool,
}

/// Accelerators a pool asks for instead of naming an instance type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuRequest {
    pub model: String,
    pub count: u32,
}

/// A node pool, as its provider describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolDescription {
    pub name: String,
    /// The cloud whose catalogue describes and prices the instance types (`aws`).
    pub cloud: String,
    /// The cluster the pool belongs to, when known.
    pub cluster: String,
    /// Candidate instance types; nodes are placed and priced as the first.
    /// Empty when not known until apply.
    pub instance_types: Vec<String>,
    /// Used when `instance_types` is empty: the cheapest type of the cloud's
    /// catalogue with exactly these accelerators.
    pub gpu: Option<GpuRequest>,
    pub capacity: Capacity,
    pub scaling: Scaling,
    /// Labels on every node, besides the well-known ones.
    pub labels: BTreeMap<String, String>,
    /// Taints with Kubernetes' effect spelling (see [`kube_taint_effect`]).
    pub taints: Vec<Taint>,
}

impl PoolDescription {
    /// The instance type nodes are placed and priced as, if it can be told yet.
    pub fn instance_type(&self) -> Option<String> {
        if let Some(first) = self.instance_types.first().filter(|t| !t.is_empty()) {
            return Some(first.clone());
        }
        let gpu = self.gpu.as_ref()?;
        let catalog = catalogs().for_cloud(&self.cloud)?;
        catalog.cheapest_gpu(&gpu.model, gpu.count).map(|t| t.name.clone())
    }

    /// The placement engine's view of the pool; `None` while its instance type is unknown.
    pub fn to_pool(&self) -> Option<Pool> {
        let instance_type = self.instance_type()?;
        Some(Pool {
            name: if self.name.is_empty() { instance_type.clone() } else { self.name.clone() },
            instance_type,
            min_size: self.scaling.min,
            max_size: self.scaling.max,
            desired_size: self.scaling.desired,
            labels: self.labels.clone(),
            taints: self.taints.clone(),
            cloud: self.cloud.clone(),
        })
    }
}

/// A workload described as its pods.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkloadDescription {
    /// How it is named in messages: `Batch training/llm`.
    pub name: String,
    /// One entry per kind of pod (one for most workloads), with its replica
    /// count at the most the workload may run.
    pub pods: Vec<PodSpec>,
}

/// What the plan does to a resource instance, in the analysis' terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Create,
    Update,
    /// Deleted and created again, in either order.
    Replace,
    Delete,
    Unchanged,
}

/// One described resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    /// The resource instance's address, as shown to users.
    pub address: String,
    pub change: ChangeKind,
    pub description: Description,
}

/// Clouds spell taint effects their own way (AWS: `NO_SCHEDULE`); the
/// placement engine speaks Kubernetes (`NoSchedule`). Other spellings pass through.
pub fn kube_taint_effect(effect: &str) -> String {
    match effect {
        "NO_SCHEDULE" => "NoSchedule".into(),
        "NO_EXECUTE" => "NoExecute".into(),
        "PREFER_NO_SCHEDULE" => "PreferNoSchedule".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gpu_request_picks_the_cheapest_type_of_the_pools_cloud() {
        let mut p = PoolDescription {
            name: "gpu".into(),
            cloud: "aws".into(),
            gpu: Some(GpuRequest { model: "a10g".into(), count: 1 }),
            ..PoolDescription::default()
        };
        assert_eq!(p.instance_type().as_deref(), Some("g5.xlarge"));
        p.instance_types = vec!["g5.2xlarge".into(), "g5.4xlarge".into()];
        assert_eq!(p.to_pool().map(|p| p.instance_type), Some("g5.2xlarge".to_string()));
        p.cloud = "nowhere".into();
        p.instance_types.clear();
        assert_eq!(p.instance_type(), None, "an unknown cloud has no catalogue to pick from");
    }
}
