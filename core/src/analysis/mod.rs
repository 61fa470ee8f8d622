//! Capacity analysis: the instance catalogue and the pod placement engine.
//!
//! Shared by the embedded cluster simulator (which places pods onto the nodes
//! that exist) and by the plan's fit and cost analysis (which asks whether the
//! workloads could fit if every pool scaled to its maximum, and what it costs).

pub mod catalog;
pub mod placement;
pub mod plan_analysis;
pub mod workloads;

pub use catalog::{catalog, Catalog, Gpu, InstanceType, Pricing};
pub use placement::{
    parse_cpu, parse_memory, place, place_with_catalog, Assignment, Node, NodeCount, Placement, PodSpec, Pool,
    Resources, Taint, Toleration, Unschedulable,
};
