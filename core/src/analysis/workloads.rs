//! Reads Kubernetes workload objects (Deployment, StatefulSet, ReplicaSet,
//! Job, DaemonSet, SparkApplication, and the HorizontalPodAutoscalers that
//! scale them) into the placement engine's `PodSpec`.
//!
//! Both the `local` simulator (placing the objects it stores) and the plan's
//! analysis (placing the objects providers describe) read the same shapes, so
//! the reading lives here once. Pools are not read here: each provider
//! describes its own (see [`super::describe`]).
//!
//! Nothing here panics: a field of the wrong shape, or one that is not known
//! yet, is read as absent.

use std::collections::BTreeMap;

use super::placement::{self, pool_admits, NodeCount, PodSpec, Pool, Toleration, LABEL_POOL};

/// Kept under its old name for callers that convert AWS spellings.
pub use super::describe::kube_taint_effect as kube_effect;
use crate::value::Value;

/// The kinds whose pods the analysis places.
pub const WORKLOAD_KINDS: &[&str] =
    &["Deployment", "StatefulSet", "ReplicaSet", "Job", "DaemonSet", "SparkApplication"];

/// The pods of one workload object: usually one spec, two for a
/// SparkApplication (driver and executors), one per pool for a DaemonSet.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadPods {
    /// Index of the object in the slice given to [`workload_pods`].
    pub source: usize,
    /// How the workload is named in messages: `Deployment serving/llm`.
    pub workload: String,
    pub pods: Vec<PodSpec>,
    /// Where the replica count came from when something other than the object
    /// itself decided it (`maxReplicas of HorizontalPodAutoscaler serving/llm`).
    pub replicas_from: Option<String>,
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn number(v: Option<&Value>) -> Option<u32> {
    // Negative or fractional counts are nonsense the API server rejects; clamp
    // rather than fail, since this only estimates.
    v.and_then(Value::as_f64).filter(|n| n.is_finite()).map(|n| n.clamp(0.0, f64::from(u32::MAX)) as u32)
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// `namespace/name`, with Kubernetes' default namespace filled in; a namespace
/// that comes from a value not known until apply is not the default one.
fn namespaced_name(obj: &Value) -> String {
    let meta = obj.get("metadata");
    let raw = meta.and_then(|m| m.get("namespace"));
    let namespace = text(raw);
    let namespace = match raw {
        Some(v) if v.contains_unknown() => "(known after apply)".to_string(),
        _ if namespace.is_empty() => "default".to_string(),
        _ => namespace,
    };
    format!("{namespace}/{}", text(meta.and_then(|m| m.get("name"))))
}

/// `Kind namespace/name`, the way workloads are named in messages.
pub fn workload_name(obj: &Value) -> String {
    format!("{} {}", text(obj.get("kind")), namespaced_name(obj))
}

fn quantity(v: &Value) -> Option<String> {
    match v.unmarked() {
        Value::Number(n) => Some(crate::value::format_number(n)),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn tolerations(v: Option<&Value>) -> Vec<Toleration> {
    v.and_then(Value::as_list)
        .map(|items| {
            items
                .iter()
                .map(|t| Toleration {
                    key: t.get("key").and_then(Value::as_str).map(str::to_string),
                    operator: text(t.get("operator")),
                    value: t.get("value").and_then(Value::as_str).map(str::to_string),
                    effect: t.get("effect").and_then(Value::as_str).map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The scheduling view of a pod spec (`template.spec`): requests summed over
/// its containers (limits stand in for a missing request, as Kubernetes
/// defaults them), node selector and tolerations.
fn pod_from_spec(workload: String, replicas: u32, pod: &Value) -> PodSpec {
    let mut spec = PodSpec { workload, replicas, ..PodSpec::default() };
    for c in pod.get("containers").and_then(Value::as_list).map(Vec::as_slice).unwrap_or_default() {
        let resources = c.get("resources");
        let requests = resources.and_then(|r| r.get("requests"));
        let limits = resources.and_then(|r| r.get("limits"));
        let q = |k: &str| requests.and_then(|r| r.get(k)).or_else(|| limits.and_then(|l| l.get(k))).and_then(quantity);
        spec.cpu_millis =
            spec.cpu_millis.saturating_add(q("cpu").and_then(|s| placement::parse_cpu(&s).ok()).unwrap_or(0));
        spec.memory_bytes =
            spec.memory_bytes.saturating_add(q("memory").and_then(|s| placement::parse_memory(&s).ok()).unwrap_or(0));
        spec.gpus = spec.gpus.saturating_add(q("nvidia.com/gpu").and_then(|s| s.parse::<u32>().ok()).unwrap_or(0));
    }
    spec.node_selector = string_map(pod.get("nodeSelector"));
    spec.tolerations = tolerations(pod.get("tolerations"));
    spec
}

/// Spark writes memory the JVM way: `512m`, `4g` (binary units, lower case).
fn spark_memory(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits.parse().ok()?;
    let factor: u64 = match unit.trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// One Spark role (driver or executor) as a pod. The operator asks Kubernetes
/// for the JVM memory plus Spark's overhead, by default the larger of 10% and
/// 384 MiB (`spark.kubernetes.memoryOverheadFactor`), so that is what is placed.
fn spark_pod(workload: String, replicas: u32, role: &Value, app: &Value) -> PodSpec {
    let cores = role.get("cores").and_then(Value::as_f64).unwrap_or(1.0).max(0.0);
    let memory = role.get("memory").and_then(Value::as_str).and_then(spark_memory).unwrap_or(1 << 30);
    let overhead = (memory / 10).max(384 << 20);
    let mut node_selector = string_map(app.get("nodeSelector"));
    node_selector.extend(string_map(role.get("nodeSelector")));
    let gpus = role.get("gpu").and_then(|g| g.get("quantity")).and_then(Value::as_f64).unwrap_or(0.0);
    PodSpec {
        workload,
        replicas,
        cpu_millis: (cores * 1000.0).round() as u64,
        memory_bytes: memory.saturating_add(overhead),
        gpus: gpus.clamp(0.0, f64::from(u32::MAX)) as u32,
        node_selector,
        tolerations: tolerations(role.get("tolerations")),
    }
}

/// The pods of every workload among `objects` (Kubernetes objects as values).
///
/// `mode` decides replica counts: [`NodeCount::Desired`] uses what the object
/// asks for now; [`NodeCount::Max`] uses the most an autoscaler may run (a
/// HorizontalPodAutoscaler's `maxReplicas` for the object it targets). A
/// DaemonSet gets one pod per node of every pool it may run on (its taints
/// tolerated, its selector matched), counted at desired size; they come first,
/// as the kubelet starts them before anything else lands on a node.
pub fn workload_pods(objects: &[Value], pools: &[Pool], mode: NodeCount) -> Vec<WorkloadPods> {
    // (kind, namespace/name) of the target → (maxReplicas, minReplicas, HPA name)
    let mut autoscaled: BTreeMap<(String, String), (Option<u32>, Option<u32>, String)> = BTreeMap::new();
    for obj in objects.iter().filter(|o| text(o.get("kind")) == "HorizontalPodAutoscaler") {
        let Some(spec) = obj.get("spec") else { continue };
        let target = spec.get("scaleTargetRef");
        let hpa = namespaced_name(obj);
        // The target is in the autoscaler's own namespace.
        let namespace = hpa.split('/').next().unwrap_or("default");
        let key = (
            text(target.and_then(|t| t.get("kind"))),
            format!("{namespace}/{}", text(target.and_then(|t| t.get("name")))),
        );
        autoscaled.insert(key, (number(spec.get("maxReplicas")), number(spec.get("minReplicas")), hpa));
    }

    let mut daemons = Vec::new();
    let mut others = Vec::new();
    for (source, obj) in objects.iter().enumerate() {
        let kind = text(obj.get("kind"));
        if !WORKLOAD_KINDS.contains(&kind.as_str()) {
            continue;
        }
        let workload = workload_name(obj);
        let Some(spec) = obj.get("spec") else { continue };
        let pod = spec.get("template").and_then(|t| t.get("spec"));
        let mut replicas_from = None;
        let pods = match kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" => {
                let Some(pod) = pod else { continue };
                let mut replicas = number(spec.get("replicas")).unwrap_or(1);
                if let Some((max, min, hpa)) = autoscaled.get(&(kind.clone(), namespaced_name(obj))) {
                    let scaled = match mode {
                        NodeCount::Max => max.map(|m| m.max(replicas)),
                        NodeCount::Desired => min.map(|m| m.max(replicas)),
                    };
                    if let Some(n) = scaled.filter(|n| *n != replicas) {
                        replicas = n;
                        let field = if mode == NodeCount::Max { "maxReplicas" } else { "minReplicas" };
                        replicas_from = Some(format!("{field} of HorizontalPodAutoscaler {hpa}"));
                    }
                }
                vec![pod_from_spec(workload.clone(), replicas, pod)]
            }
            "Job" => {
                let Some(pod) = pod else { continue };
                // Pods running at once: parallelism (default 1), never more
                // than the completions still to do.
                let parallelism = number(spec.get("parallelism")).unwrap_or(1);
                let replicas = number(spec.get("completions")).map_or(parallelism, |c| c.min(parallelism));
                vec![pod_from_spec(workload.clone(), replicas, pod)]
            }
            "DaemonSet" => {
                let Some(pod) = pod else { continue };
                let template = pod_from_spec(workload.clone(), 0, pod);
                let per_pool: Vec<PodSpec> = pools
                    .iter()
                    .filter(|p| p.desired_size > 0 && pool_admits(p, &template))
                    .map(|p| {
                        let mut spec = template.clone();
                        spec.replicas = p.desired_size;
                        spec.node_selector.insert(LABEL_POOL.to_string(), p.name.clone());
                        spec
                    })
                    .collect();
                daemons.push(WorkloadPods { source, workload, pods: per_pool, replicas_from });
                continue;
            }
            "SparkApplication" => {
                let driver = spec.get("driver").cloned().unwrap_or(Value::Null);
                let executor = spec.get("executor").cloned().unwrap_or(Value::Null);
                let instances = number(executor.get("instances")).unwrap_or(1);
                vec![
                    spark_pod(format!("{workload} driver"), 1, &driver, spec),
                    spark_pod(format!("{workload} executor"), instances, &executor, spec),
                ]
            }
            _ => continue,
        };
        others.push(WorkloadPods { source, workload, pods, replicas_from });
    }
    daemons.extend(others);
    daemons
}

/// Every pod spec, in placement order.
pub fn flatten(workloads: &[WorkloadPods]) -> Vec<PodSpec> {
    workloads.iter().flat_map(|w| w.pods.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::placement::Taint;

    fn json(v: serde_json::Value) -> Value {
        Value::from_json(&v)
    }

    #[test]
    fn a_namespace_known_only_after_apply_is_not_called_default() {
        let meta = Value::object([("name", Value::string("llm")), ("namespace", Value::Unknown)]);
        let deployment = Value::object([("kind", Value::string("Deployment")), ("metadata", meta)]);
        assert_eq!(workload_name(&deployment), "Deployment (known after apply)/llm");
        let unnamespaced = json(serde_json::json!({"kind": "Job", "metadata": {"name": "train"}}));
        assert_eq!(workload_name(&unnamespaced), "Job default/train");
    }

    #[test]
    fn autoscaler_spark_and_jobs() {
        let objects = vec![
            json(serde_json::json!({"kind": "Deployment", "metadata": {"name": "llm", "namespace": "s"},
                "spec": {"replicas": 2, "template": {"spec": {"containers": [{"resources": {"requests": {"cpu": "500m", "nvidia.com/gpu": 1}}}]}}}})),
            json(serde_json::json!({"kind": "HorizontalPodAutoscaler", "metadata": {"name": "llm", "namespace": "s"},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "llm"}, "minReplicas": 2, "maxReplicas": 6}})),
            json(serde_json::json!({"kind": "Job", "metadata": {"name": "t"},
                "spec": {"parallelism": 4, "completions": 3, "template": {"spec": {"containers": [{}]}}}})),
            json(serde_json::json!({"kind": "SparkApplication", "metadata": {"name": "etl", "namespace": "spark"},
                "spec": {"driver": {"cores": 1, "memory": "2g"}, "executor": {"instances": 3, "cores": 2, "memory": "4g"}}})),
        ];
        let max = workload_pods(&objects, &[], NodeCount::Max);
        assert_eq!(max[0].pods[0].replicas, 6);
        assert_eq!(max[0].pods[0].cpu_millis, 500);
        assert_eq!(max[0].replicas_from.as_deref(), Some("maxReplicas of HorizontalPodAutoscaler s/llm"));
        assert_eq!(max[1].pods[0].replicas, 3);
        assert_eq!(max[2].pods[1].replicas, 3);
        assert_eq!(max[2].pods[1].memory_bytes, (4u64 << 30) + (4u64 << 30) / 10);
        assert_eq!(max[2].pods[0].memory_bytes, (2u64 << 30) + (384 << 20));
        let desired = workload_pods(&objects, &[], NodeCount::Desired);
        assert_eq!(desired[0].pods[0].replicas, 2);
    }

    #[test]
    fn daemonsets_run_on_admitting_pools() {
        let pools = vec![
            Pool {
                name: "cpu".into(),
                instance_type: "m6i.xlarge".into(),
                max_size: 3,
                desired_size: 2,
                ..Pool::default()
            },
            Pool {
                name: "gpu".into(),
                instance_type: "g5.xlarge".into(),
                max_size: 2,
                desired_size: 1,
                taints: vec![Taint { key: "nvidia.com/gpu".into(), value: "true".into(), effect: "NoSchedule".into() }],
                ..Pool::default()
            },
        ];
        let ds = json(serde_json::json!({"kind": "DaemonSet", "metadata": {"name": "agent"},
            "spec": {"template": {"spec": {"containers": [{}]}}}}));
        let w = workload_pods(&[ds], &pools, NodeCount::Desired);
        assert_eq!(w[0].pods.len(), 1);
        assert_eq!(w[0].pods[0].replicas, 2);
        let gpu_ds = json(serde_json::json!({"kind": "DaemonSet", "metadata": {"name": "dcgm"},
            "spec": {"template": {"spec": {"nodeSelector": {"nvidia.com/gpu.product": "a10g"},
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}], "containers": [{}]}}}}));
        let w = workload_pods(&[gpu_ds], &pools, NodeCount::Desired);
        assert_eq!(w[0].pods.len(), 1);
        assert_eq!(w[0].pods[0].node_selector.get(LABEL_POOL).map(String::as_str), Some("gpu"));
    }

    #[test]
    fn odd_values_do_not_panic() {
        let odd = [
            Value::Null,
            Value::Unknown,
            json(
                serde_json::json!({"kind": "Deployment", "spec": {"replicas": -3, "template": {"spec": {"containers": "x"}}}}),
            ),
            json(
                serde_json::json!({"kind": "SparkApplication", "spec": {"executor": {"instances": 1e300, "memory": "99999999999999999999g"}}}),
            ),
            json(serde_json::json!({"kind": "HorizontalPodAutoscaler", "spec": {"maxReplicas": "many"}})),
        ];
        let w = workload_pods(&odd, &[], NodeCount::Max);
        assert_eq!(w[0].pods[0].replicas, 0);
    }
}
