//! The simulated cloud and cluster: JSON files under `.gantry/local/` of the
//! working directory, so that objects persist between runs and a hand edit is
//! drift that `plan` finds.

use gantry_core::analysis::placement::{self, NodeCount, PodSpec, Pool, Taint, Toleration};
use gantry_core::state::write_atomic;
use gantry_core::value::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folder, below the working directory, where the simulator keeps its objects.
pub const SIM_DIR: &str = ".gantry/local";

#[derive(Debug, Clone)]
pub struct Sim {
    root: PathBuf,
}

impl Sim {
    pub fn new(working_dir: &Path) -> Sim {
        Sim { root: working_dir.join(SIM_DIR) }
    }

    fn cluster_path(&self, name: &str) -> PathBuf {
        self.root.join("clusters").join(format!("{}.json", safe(name)))
    }

    fn pool_path(&self, cluster: &str, pool: &str) -> PathBuf {
        self.root.join("node_pools").join(safe(cluster)).join(format!("{}.json", safe(pool)))
    }

    fn object_path(&self, cluster: &str, key: &ObjectKey) -> PathBuf {
        self.root
            .join("objects")
            .join(safe(cluster))
            .join(if key.namespace.is_empty() { "_cluster".to_string() } else { safe(&key.namespace) })
            .join(safe(&key.kind))
            .join(format!("{}.json", safe(&key.name)))
    }

    pub fn placement_path(&self, cluster: &str) -> PathBuf {
        self.root.join("placement").join(format!("{}.json", safe(cluster)))
    }

    pub fn get_cluster(&self, name: &str) -> Result<Option<Value>, String> {
        read_json(&self.cluster_path(name))
    }

    pub fn put_cluster(&self, name: &str, v: &Value) -> Result<(), String> {
        write_json(&self.cluster_path(name), v)
    }

    pub fn delete_cluster(&self, name: &str) -> Result<(), String> {
        remove(&self.cluster_path(name))
    }

    pub fn get_pool(&self, cluster: &str, pool: &str) -> Result<Option<Value>, String> {
        read_json(&self.pool_path(cluster, pool))
    }

    pub fn put_pool(&self, cluster: &str, pool: &str, v: &Value) -> Result<(), String> {
        write_json(&self.pool_path(cluster, pool), v)
    }

    pub fn delete_pool(&self, cluster: &str, pool: &str) -> Result<(), String> {
        remove(&self.pool_path(cluster, pool))
    }

    pub fn pools(&self, cluster: &str) -> Vec<Value> {
        list_json(&self.root.join("node_pools").join(safe(cluster)))
    }

    pub fn get_object(&self, cluster: &str, key: &ObjectKey) -> Result<Option<Value>, String> {
        read_json(&self.object_path(cluster, key))
    }

    pub fn put_object(&self, cluster: &str, key: &ObjectKey, v: &Value) -> Result<(), String> {
        write_json(&self.object_path(cluster, key), v)
    }

    pub fn delete_object(&self, cluster: &str, key: &ObjectKey) -> Result<(), String> {
        remove(&self.object_path(cluster, key))
    }

    /// Every Kubernetes object stored for a cluster.
    pub fn objects(&self, cluster: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let base = self.root.join("objects").join(safe(cluster));
        let Ok(namespaces) = std::fs::read_dir(&base) else { return out };
        let mut ns_dirs: Vec<PathBuf> = namespaces.filter_map(|e| e.ok().map(|e| e.path())).collect();
        ns_dirs.sort();
        for ns in ns_dirs {
            let Ok(kinds) = std::fs::read_dir(&ns) else { continue };
            let mut kind_dirs: Vec<PathBuf> = kinds.filter_map(|e| e.ok().map(|e| e.path())).collect();
            kind_dirs.sort();
            for kind in kind_dirs {
                out.extend(list_json(&kind));
            }
        }
        out
    }

    /// Places the pods of every workload of a cluster onto its nodes and records the result.
    pub fn reschedule(&self, cluster: &str) -> Result<placement::Placement, String> {
        let pools: Vec<Pool> = self.pools(cluster).iter().filter_map(pool_from_value).collect();
        let pods: Vec<PodSpec> = self.objects(cluster).iter().filter_map(|o| pod_spec(o, &pools)).collect();
        let result = placement::place(&pools, &pods, NodeCount::Desired);
        let json = serde_json::to_value(&result).map_err(|e| e.to_string())?;
        write_json(&self.placement_path(cluster), &Value::from_json(&json))?;
        Ok(result)
    }
}

/// Identifies a Kubernetes object in a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectKey {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// Object names become file names; anything outside a safe set is replaced so no path can escape.
fn safe(s: &str) -> String {
    let cleaned: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    if cleaned.is_empty() || cleaned.starts_with('.') {
        format!("_{cleaned}")
    } else {
        cleaned
    }
}

fn read_json(path: &Path) -> Result<Option<Value>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice::<serde_json::Value>(&bytes)
            .map(|j| Some(Value::from_json(&j)))
            .map_err(|e| format!("{} is not valid JSON ({e}); fix or delete it", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn write_json(path: &Path, v: &Value) -> Result<(), String> {
    let mut bytes = serde_json::to_vec_pretty(&v.to_json()).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    write_atomic(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn remove(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot delete {}: {e}", path.display())),
    }
}

fn list_json(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    paths.sort();
    paths.iter().filter_map(|p| read_json(p).ok().flatten()).collect()
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(|x| x.as_str()).unwrap_or_default().to_string()
}

/// AWS writes taint effects as NO_SCHEDULE; Kubernetes as NoSchedule.
pub fn kube_effect(aws: &str) -> String {
    match aws {
        "NO_SCHEDULE" => "NoSchedule".into(),
        "NO_EXECUTE" => "NoExecute".into(),
        "PREFER_NO_SCHEDULE" => "PreferNoSchedule".into(),
        other => other.into(),
    }
}

fn pool_from_value(v: &Value) -> Option<Pool> {
    let scaling = v.get("scaling_config")?;
    let n = |k: &str| scaling.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0) as u32;
    let labels = v
        .get("labels")
        .and_then(|l| l.as_object())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let taints = v
        .get("taint")
        .and_then(|t| t.as_list())
        .map(|items| {
            items
                .iter()
                .map(|t| Taint { key: str_of(t, "key"), value: str_of(t, "value"), effect: kube_effect(&str_of(t, "effect")) })
                .collect()
        })
        .unwrap_or_default();
    Some(Pool {
        name: str_of(v, "node_group_name"),
        instance_type: str_of(v, "instance_type"),
        min_size: n("min_size"),
        max_size: n("max_size"),
        desired_size: n("desired_size"),
        labels,
        taints,
    })
}

/// The scheduling view of a workload object: its pod template's requests, selector and tolerations.
fn pod_spec(obj: &Value, pools: &[Pool]) -> Option<PodSpec> {
    let kind = str_of(obj, "kind");
    let meta = obj.get("metadata")?;
    let workload = format!("{kind} {}/{}", str_of(meta, "namespace").if_empty("default"), str_of(meta, "name"));
    let spec = obj.get("spec")?;
    let (template, replicas) = match kind.as_str() {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            (spec.get("template")?, spec.get("replicas").and_then(|r| r.as_f64()).unwrap_or(1.0) as u32)
        }
        "Job" => (spec.get("template")?, spec.get("parallelism").and_then(|r| r.as_f64()).unwrap_or(1.0) as u32),
        "DaemonSet" => (spec.get("template")?, 0),
        _ => return None,
    };
    let pod = template.get("spec")?;
    let mut cpu = 0;
    let mut memory = 0;
    let mut gpus = 0;
    for c in pod.get("containers").and_then(|c| c.as_list()).cloned().unwrap_or_default() {
        let requests = c.get("resources").and_then(|r| r.get("requests").or_else(|| r.get("limits")));
        let limits = c.get("resources").and_then(|r| r.get("limits"));
        let q = |k: &str| requests.and_then(|r| r.get(k)).or_else(|| limits.and_then(|l| l.get(k))).map(quantity);
        cpu += q("cpu").and_then(|s| placement::parse_cpu(&s).ok()).unwrap_or(0);
        memory += q("memory").and_then(|s| placement::parse_memory(&s).ok()).unwrap_or(0);
        gpus += q("nvidia.com/gpu").and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    }
    let node_selector: BTreeMap<String, String> = pod
        .get("nodeSelector")
        .and_then(|s| s.as_object())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let tolerations: Vec<Toleration> = pod
        .get("tolerations")
        .and_then(|t| t.as_list())
        .map(|items| {
            items
                .iter()
                .map(|t| Toleration {
                    key: t.get("key").and_then(|k| k.as_str()).map(str::to_string),
                    operator: str_of(t, "operator"),
                    value: t.get("value").and_then(|k| k.as_str()).map(str::to_string),
                    effect: t.get("effect").and_then(|k| k.as_str()).map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut spec = PodSpec { workload, replicas, cpu_millis: cpu, memory_bytes: memory, gpus, node_selector, tolerations };
    if kind == "DaemonSet" {
        // One pod per node it may run on: approximate by the desired nodes of pools whose taints it tolerates.
        spec.replicas = pools
            .iter()
            .filter(|p| p.taints.iter().all(|t| t.effect == "PreferNoSchedule" || spec.tolerations.iter().any(|tol| tolerates(tol, t))))
            .map(|p| p.desired_size)
            .sum();
    }
    Some(spec)
}

fn tolerates(tol: &Toleration, taint: &Taint) -> bool {
    let key_ok = match tol.key.as_deref() {
        None | Some("") => tol.operator == "Exists",
        Some(k) => k == taint.key,
    };
    let value_ok = tol.operator == "Exists" || tol.value.as_deref().unwrap_or("") == taint.value;
    let effect_ok = tol.effect.as_deref().is_none_or(|e| e.is_empty() || e == taint.effect);
    key_ok && value_ok && effect_ok
}

fn quantity(v: &Value) -> String {
    match v.unmarked() {
        Value::Number(n) => gantry_core::value::format_number(*n),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

trait IfEmpty {
    fn if_empty(self, other: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, other: &str) -> String {
        if self.is_empty() {
            other.to_string()
        } else {
            self
        }
    }
}
