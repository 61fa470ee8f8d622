//! Turns a plan's changes and the refreshed state into the neutral records the
//! analysis reads, asking each resource's provider to describe it.
//!
//! This adapter sits in the engine, not in `analysis`, so that the analysis
//! depends on no plan, state or provider type: the direction of the arrows is
//! engine → analysis, never back.

use std::collections::HashMap;

use crate::addr::{Mode, ResourceInstanceAddr};
use crate::analysis::describe::{ChangeKind, Described};
use crate::analysis::plan_analysis::{analyse, Analysis, FitError};
use crate::plan::{Action, ResourceChange};
use crate::provider::Registry;
use crate::state::State;
use crate::value::Value;

fn change_kind(action: Action) -> ChangeKind {
    match action {
        Action::Create => ChangeKind::Create,
        Action::Update => ChangeKind::Update,
        Action::DeleteThenCreate | Action::CreateThenDelete => ChangeKind::Replace,
        Action::Delete => ChangeKind::Delete,
        // A forgotten object keeps running; it only leaves Gantry's management.
        Action::NoOp | Action::Read | Action::Forget => ChangeKind::Unchanged,
    }
}

fn described(
    registry: &Registry,
    address: &ResourceInstanceAddr,
    change: ChangeKind,
    value: &Value,
) -> Option<Described> {
    // Data sources read what exists; only managed resources are planned pools or workloads.
    let res = &address.resource;
    if res.mode != Mode::Managed {
        return None;
    }
    registry.describe(&res.type_name, value).map(|description| Described {
        address: address.to_string(),
        change,
        description,
    })
}

/// Analyses a plan's changes against the state it was made from. Returns the
/// analysis and the workloads that could never be scheduled.
pub(crate) fn analyse_plan(
    registry: &Registry,
    changes: &[ResourceChange],
    refreshed: &State,
) -> (Analysis, Vec<FitError>) {
    let by_address: HashMap<&ResourceInstanceAddr, &ResourceChange> = changes.iter().map(|c| (&c.address, c)).collect();
    let current: Vec<Described> = refreshed
        .resources
        .iter()
        .filter_map(|r| {
            let change = by_address.get(&r.address).map_or(ChangeKind::Unchanged, |c| change_kind(c.action));
            described(registry, &r.address, change, &r.value())
        })
        .collect();
    let mut planned: Vec<Described> = changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .filter_map(|c| described(registry, &c.address, change_kind(c.action), c.after.as_ref()?))
        .collect();
    // Instances the plan does not touch (outside -target) stay as they are.
    planned.extend(
        refreshed
            .resources
            .iter()
            .filter(|r| !by_address.contains_key(&r.address))
            .filter_map(|r| described(registry, &r.address, ChangeKind::Unchanged, &r.value())),
    );
    analyse(&current, &planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::describe::{Capacity, Description, PoolDescription, Scaling, WorkloadDescription};
    use crate::analysis::placement::PodSpec;
    use crate::catalog::catalog;
    use crate::provider::{Provider, ProviderFactory, Schema};
    use crate::state::ResourceInstanceState;
    use std::sync::Arc;

    /// A provider whose types have made-up names and shapes: only its
    /// descriptions tell the analysis what they are.
    struct Fake;

    impl ProviderFactory for Fake {
        fn name(&self) -> &str {
            "fake"
        }
        fn schema(&self) -> &Schema {
            static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
            SCHEMA.get_or_init(Schema::default)
        }
        fn instantiate(&self) -> Box<dyn Provider> {
            unreachable!("the analysis never instantiates providers")
        }
        fn describe(&self, type_name: &str, value: &Value) -> Option<Description> {
            let n = |k: &str| value.get(k).and_then(Value::as_f64).unwrap_or(0.0) as u32;
            match type_name {
                "fake_fleet" => Some(Description::Pool(PoolDescription {
                    name: value.get("title").and_then(Value::as_str).unwrap_or_default().to_string(),
                    cloud: "aws".into(),
                    instance_types: vec![value.get("machine").and_then(Value::as_str).unwrap_or_default().to_string()],
                    capacity: Capacity::OnDemand,
                    scaling: Scaling { min: 0, desired: n("size"), max: n("size"), known: true },
                    ..PoolDescription::default()
                })),
                "fake_batch" => Some(Description::Workload(WorkloadDescription {
                    name: "Batch train".into(),
                    pods: vec![PodSpec { replicas: n("workers"), gpus: n("gpus"), ..PodSpec::default() }],
                })),
                _ => None,
            }
        }
    }

    fn registry() -> Registry {
        let mut r = Registry::default();
        r.register(Arc::new(Fake));
        r
    }

    fn create(address: &str, after: serde_json::Value) -> ResourceChange {
        ResourceChange {
            deposed: None,
            address: address.parse().expect("address"),
            provider: "fake".into(),
            action: Action::Create,
            before: None,
            after: Some(Value::from_marked_json(&after)),
            requires_replace: Vec::new(),
            reason: None,
            dependencies: Vec::new(),
            deferred: false,
            importing: None,
        }
    }

    #[test]
    fn a_provider_declared_pool_is_priced_and_fitted() {
        let changes = vec![
            create("fake_fleet.gpu", serde_json::json!({"title": "gpu", "machine": "g5.xlarge", "size": 2})),
            create("fake_batch.train", serde_json::json!({"workers": 2, "gpus": 1})),
        ];
        let (analysis, errors) = analyse_plan(&registry(), &changes, &State::new());
        assert!(errors.is_empty(), "{errors:?}");
        let price = catalog().get("g5.xlarge").map(|t| t.on_demand_hourly_usd).unwrap_or_default();
        assert_eq!(analysis.cost.pools.len(), 1);
        assert_eq!(analysis.cost.pools[0].address, "fake_fleet.gpu");
        assert!((analysis.cost.hourly_usd.desired - 2.0 * price).abs() < 1e-9);
        assert_eq!(analysis.fit.len(), 1);
        assert_eq!((analysis.fit[0].pods, analysis.fit[0].placed), (2, 2));
        assert_eq!(analysis.fit[0].pools, vec!["gpu".to_string()]);
        assert_eq!(analysis.fit[0].address, "fake_batch.train");
    }

    #[test]
    fn a_provider_declared_workload_that_cannot_fit_is_an_error() {
        let changes = vec![
            create("fake_fleet.gpu", serde_json::json!({"title": "gpu", "machine": "g5.xlarge", "size": 1})),
            create("fake_batch.train", serde_json::json!({"workers": 1, "gpus": 8})),
        ];
        let (_, errors) = analyse_plan(&registry(), &changes, &State::new());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].address, "fake_batch.train");
    }

    #[test]
    fn deleting_a_described_pool_drains_it_and_lowers_the_cost() {
        let mut state = State::new();
        state.set(ResourceInstanceState {
            address: "fake_fleet.gpu".parse().expect("address"),
            provider: "fake".into(),
            attributes: serde_json::json!({"title": "gpu", "machine": "g5.xlarge", "size": 3}),
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            tainted: false,
        });
        let delete = ResourceChange {
            deposed: None,
            action: Action::Delete,
            before: state.resources.first().map(|r| r.value()),
            after: None,
            ..create("fake_fleet.gpu", serde_json::Value::Null)
        };
        let (analysis, _) = analyse_plan(&registry(), &[delete], &state);
        assert!(analysis.cost.pools.is_empty());
        assert!(analysis.cost.current_hourly_usd > 0.0);
        assert_eq!(analysis.disruption.len(), 1);
        assert_eq!(analysis.disruption[0].effect, "its 3 nodes are drained");
    }

    #[test]
    fn undescribed_types_are_left_out() {
        let changes = vec![create("other_thing.x", serde_json::json!({"scaling_config": {"max_size": 3}}))];
        let (analysis, errors) = analyse_plan(&registry(), &changes, &State::new());
        assert!(analysis.is_empty() && errors.is_empty(), "{analysis:?}");
    }
}
