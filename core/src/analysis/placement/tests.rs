//! The placement engine against the scheduler behaviour it models.

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
        cloud: String::new(),
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
    let a100 =
        tolerate(select(pod("Job ml/train", 1, "8", "64Gi", 8), LABEL_GPU_PRODUCT, "nvidia-a100"), gpu_toleration());
    let a10g_x8 = tolerate(select(pod("Job ml/big", 1, "8", "64Gi", 8), LABEL_GPU_PRODUCT, "A10G"), gpu_toleration());
    let any_x8 = tolerate(pod("Job ml/any", 1, "8", "64Gi", 8), gpu_toleration());
    let a10g_x4 = tolerate(select(pod("Job ml/fits", 1, "8", "64Gi", 4), LABEL_GPU_PRODUCT, "a10g"), gpu_toleration());
    let out = place(&pools, &[a100, a10g_x8, any_x8, a10g_x4], NodeCount::Max);
    assert_eq!(
        reasons(&out),
        vec![
            ("Job ml/train", 0, "requests 8 × nvidia-a100; pool gpu offers g5.12xlarge: 4 × nvidia-a10g", Some("gpu")),
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
        (pod("Job a/huge", 1, "64", "1Gi", 0), "requests 64 CPU but the largest node of pool cpu (m6i.large) has 2"),
        (
            pod("Job a/edge", 1, "2", "1Gi", 0),
            "requests 2 CPU but the largest node of pool cpu (m6i.large) has 1.9 allocatable after the system reserve",
        ),
        (
            pod("Job a/mem", 1, "1", "16Gi", 0),
            "requests 16 GiB of memory but the largest node of pool cpu (m6i.large) has 8 GiB",
        ),
        (pod("Job a/gpu", 1, "1", "1Gi", 1), "requests 1 GPU; pool cpu offers m6i.large: no GPUs"),
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
    let pools =
        vec![pool("cpu", "m6i.large", 1, 1), pool("train", "p4d.24xlarge", 1, 1), pool("infer", "inf2.xlarge", 1, 1)];
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
