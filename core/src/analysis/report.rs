//! The analysis' results as data: the plan's `analysis` section (fit, cost,
//! disruption, notes) and the fit errors that stop a plan. Its JSON shape is
//! part of `plan -json`, so fields are only ever added.

use serde::{Deserialize, Serialize};

use crate::catalog::HOURS_PER_MONTH;

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
    pub(super) fn add(&mut self, other: &SizeRange) {
        self.floor += other.floor;
        self.desired += other.desired;
        self.ceiling += other.ceiling;
    }

    pub(super) fn monthly(&self) -> SizeRange {
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
    /// One node on spot: an estimate (see [`crate::catalog::SpotEstimate`]).
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
