//! Capacity analysis: the pod placement engine, the reading of Kubernetes
//! workloads, and the plan's fit, cost and disruption report.
//!
//! Shared by the embedded cluster simulator (which places pods onto the nodes
//! that exist) and by the plan's fit and cost analysis (which asks whether the
//! workloads could fit if every pool scaled to its maximum, and what it costs).
//!
//! Depends on nothing in `core` but the value layer and the instance
//! catalogues: providers describe their resources to it ([`describe`]), and
//! the engine turns a plan into those descriptions. That keeps the arrows
//! pointing one way, so plan, state, engine and providers can change without
//! touching the analysis, and the analysis can be tested on plain records.

/// The catalogues moved below the analysis; this path is kept for callers.
pub use crate::catalog;

pub mod describe;
pub mod fields;
pub mod placement;
pub mod plan_analysis;
pub mod report;
pub mod workloads;

pub use crate::catalog::{catalog, catalogs, Catalog, Catalogs, Gpu, InstanceType, Pricing};
pub use describe::{
    Capacity, ChangeKind, Described, Description, GpuRequest, PoolDescription, Scaling, WorkloadDescription,
};
pub use placement::{
    parse_cpu, parse_memory, place, place_with_catalog, Assignment, Node, NodeCount, Placement, PodSpec, Pool,
    Resources, Taint, Toleration, Unschedulable,
};
