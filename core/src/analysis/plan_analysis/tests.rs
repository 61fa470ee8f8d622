//! The analysis on plain records, with no plan, state or provider in sight.

use super::*;
use crate::analysis::describe::{Capacity, GpuRequest, Scaling};

fn pool(address: &str, name: &str, cloud: &str, instance_type: &str, desired: u32, max: u32) -> Described {
    Described {
        address: address.into(),
        change: ChangeKind::Create,
        description: Description::Pool(PoolDescription {
            name: name.into(),
            cloud: cloud.into(),
            instance_types: vec![instance_type.into()],
            scaling: Scaling { min: 0, desired, max, known: true },
            ..PoolDescription::default()
        }),
    }
}

fn objects(address: &str, change: ChangeKind, objs: Vec<serde_json::Value>) -> Described {
    Described {
        address: address.into(),
        change,
        description: Description::Objects(objs.iter().map(Value::from_json).collect()),
    }
}

fn deployment(name: &str, replicas: u32, cpu: &str) -> serde_json::Value {
    serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "ml"},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"resources": {"requests": {"cpu": cpu}}}]}}}})
}

#[test]
fn an_autoscaler_in_one_resource_scales_a_workload_in_another() {
    let hpa = serde_json::json!({"kind": "HorizontalPodAutoscaler", "metadata": {"name": "api", "namespace": "ml"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"}, "maxReplicas": 5}});
    let planned = vec![
        pool("x_pool.cpu", "cpu", "aws", "m6i.xlarge", 1, 3),
        objects("x_app.api", ChangeKind::Create, vec![deployment("api", 1, "1")]),
        objects("x_app.hpa", ChangeKind::Create, vec![hpa]),
    ];
    let (a, errors) = analyse(&[], &planned);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(a.fit.len(), 1);
    assert_eq!((a.fit[0].pods, a.fit[0].placed), (5, 5));
    assert_eq!(a.fit[0].address, "x_app.api");
    assert_eq!(a.fit[0].replicas_from.as_deref(), Some("maxReplicas of HorizontalPodAutoscaler ml/api"));
}

#[test]
fn a_pool_of_a_cloud_without_a_catalogue_is_noted_and_costed_at_zero() {
    let planned = vec![
        pool("x_pool.a", "a", "elsewhere", "n2-standard-4", 1, 1),
        objects("x_app.api", ChangeKind::Create, vec![deployment("api", 1, "1")]),
    ];
    let (a, errors) = analyse(&[], &planned);
    assert_eq!(a.cost.pools.len(), 1);
    assert_eq!(a.cost.hourly_usd.desired, 0.0);
    assert!(a.notes.iter().any(|n| n.contains("no instance catalogue for cloud elsewhere")), "{:?}", a.notes);
    assert_eq!(errors.len(), 1, "nothing is known about the node, so nothing fits");
}

#[test]
fn spot_pools_are_estimated_from_their_catalogue_and_gpu_requests_resolve() {
    let mut p = pool("x_pool.gpu", "gpu", "aws", "", 1, 2);
    if let Description::Pool(d) = &mut p.description {
        d.instance_types.clear();
        d.gpu = Some(GpuRequest { model: "a10g".into(), count: 1 });
        d.capacity = Capacity::Spot;
    }
    let (a, _) = analyse(&[], &[p]);
    let cost = &a.cost.pools[0];
    let on_demand = catalog().get("g5.xlarge").map(|t| t.on_demand_hourly_usd).unwrap_or_default();
    assert_eq!((cost.instance_type.as_str(), cost.capacity_type.as_str()), ("g5.xlarge", "SPOT"));
    assert!((cost.node_spot_estimate_hourly_usd - on_demand * SPOT_PRICE_FACTOR).abs() < 1e-12);
    assert_eq!(a.cost.spot_estimate.as_deref(), Some(SPOT_ESTIMATE_SOURCE));
    assert_eq!(a.cost.region, "us-east-1");
}

#[test]
fn updates_disrupt_only_when_the_pod_template_changes() {
    let pools = pool("x_pool.cpu", "cpu", "aws", "m6i.xlarge", 2, 2);
    let current = vec![
        Described { change: ChangeKind::Unchanged, ..pools.clone() },
        objects("x_app.a", ChangeKind::Update, vec![deployment("a", 2, "1")]),
        objects("x_app.b", ChangeKind::Update, vec![deployment("b", 1, "1")]),
    ];
    let planned = vec![
        Described { change: ChangeKind::Unchanged, ..pools },
        // Only the replica count changes: no restart.
        objects("x_app.a", ChangeKind::Update, vec![deployment("a", 3, "1")]),
        objects("x_app.b", ChangeKind::Update, vec![deployment("b", 1, "2")]),
    ];
    let (a, _) = analyse(&current, &planned);
    assert_eq!(a.disruption.len(), 1, "{:?}", a.disruption);
    assert_eq!(a.disruption[0].address, "x_app.b");
    assert_eq!(a.disruption[0].evicts, vec!["Deployment ml/b (1 pod)".to_string()]);
}

#[test]
fn a_workload_described_as_pods_is_fitted_and_its_deletion_evicts_them() {
    let train = Described {
        address: "x_batch.train".into(),
        change: ChangeKind::Create,
        description: Description::Workload(WorkloadDescription {
            name: "Batch train".into(),
            pods: vec![PodSpec { replicas: 3, cpu_millis: 1000, ..PodSpec::default() }],
        }),
    };
    let cpu = pool("x_pool.cpu", "cpu", "aws", "m6i.xlarge", 1, 2);
    let (a, errors) = analyse(&[], &[cpu.clone(), train.clone()]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((a.fit[0].workload.as_str(), a.fit[0].placed), ("Batch train", 3));
    let current = vec![
        Described { change: ChangeKind::Unchanged, ..cpu.clone() },
        Described { change: ChangeKind::Delete, ..train },
    ];
    let (a, _) = analyse(&current, &[cpu]);
    assert_eq!(a.disruption.len(), 1);
    assert_eq!(a.disruption[0].evicts, vec!["Batch train (3 pods)".to_string()]);
}

#[test]
fn unknown_pool_values_are_noted_not_guessed() {
    let mut p = pool("x_pool.later", "later", "aws", "", 0, 0);
    if let Description::Pool(d) = &mut p.description {
        d.instance_types.clear();
        d.scaling.known = false;
    }
    let (a, errors) = analyse(&[], &[p]);
    assert!(errors.is_empty());
    assert!(a.cost.pools.is_empty());
    assert!(a.notes.iter().any(|n| n.contains("x_pool.later: the instance type is known only after apply")));
}
