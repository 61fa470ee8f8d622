//! The simulated cloud and cluster: JSON files under `.gantry/local/` of the
//! working directory, so that objects persist between runs and a hand edit is
//! drift that `plan` finds.

use crate::token_log::TokenLog;
use gantry_core::analysis::placement::{self, NodeCount, Pool};
use gantry_core::analysis::workloads::{flatten, workload_pods};
use gantry_core::state::replace_file;
use gantry_core::value::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folder, below the working directory, where the simulator keeps its objects.
pub const SIM_DIR: &str = ".gantry/local";

#[derive(Clone)]
pub struct Sim {
    root: PathBuf,
    tokens: Arc<TokenLog>,
    /// Held across a pool's write and its cluster's rescheduling: changes now run on
    /// several threads, and a placement computed without a pool written alongside would
    /// be written last and stand.
    schedule: Arc<std::sync::Mutex<()>>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("root", &self.root).finish()
    }
}

impl Sim {
    pub fn new(working_dir: &Path) -> Sim {
        let root = working_dir.join(SIM_DIR);
        Sim { tokens: Arc::new(TokenLog::new(root.join("network_tokens.log"))), root, schedule: Arc::default() }
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

    fn network_path(&self, id: &str) -> PathBuf {
        self.root.join("networks").join(format!("{}.json", safe(id)))
    }

    pub fn get_network(&self, id: &str) -> Result<Option<Value>, String> {
        read_json(&self.network_path(id))
    }

    pub fn put_network(&self, id: &str, v: &Value) -> Result<(), String> {
        write_json(&self.network_path(id), v)
    }

    pub fn delete_network(&self, id: &str) -> Result<(), String> {
        remove(&self.network_path(id))
    }

    fn token_path(&self, token: &str) -> PathBuf {
        self.root.join("network_tokens").join(format!("{}.json", safe(token)))
    }

    /// The network a client token made, as the cloud's idempotency index knows it.
    pub fn network_by_token(&self, token: &str) -> Result<Option<Value>, String> {
        let logged =
            self.tokens.get(token).map_err(|e| format!("cannot read {}: {e}", self.tokens.path().display()))?;
        let id = match logged {
            Some(id) => id,
            // Simulators from before the log kept a file per token.
            None => match read_json(&self.token_path(token))? {
                Some(entry) => entry.get("id").and_then(|i| i.as_str()).unwrap_or_default().to_string(),
                None => return Ok(None),
            },
        };
        self.get_network(&id)
    }

    pub fn delete_network_token(&self, token: &str) -> Result<(), String> {
        remove(&self.token_path(token))
    }

    pub fn put_network_token(&self, token: &str, id: &str) -> Result<(), String> {
        self.tokens.append(token, id).map_err(|e| format!("cannot write {}: {e}", self.tokens.path().display()))
    }

    /// Every network of the simulated cloud, as stored (with what it keeps for itself).
    pub fn networks(&self) -> Vec<Value> {
        list_json(&self.root.join("networks"))
    }

    /// Removes what writers killed mid-write left behind in the simulator's folders.
    pub fn remove_stale_temporaries(&self) {
        fn walk(dir: &Path) {
            gantry_core::state::remove_stale_temporaries(dir);
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(&entry.path());
                }
            }
        }
        walk(&self.root);
    }

    /// Serialises changes to node pools and the placement computed from them.
    pub fn schedule_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.schedule.lock().unwrap_or_else(|e| e.into_inner())
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
        let pools: Vec<Pool> =
            self.pools(cluster).iter().filter_map(crate::describe::pool).filter_map(|p| p.to_pool()).collect();
        let workloads = workload_pods(&self.objects(cluster), &pools, NodeCount::Desired);
        let result = placement::place(&pools, &flatten(&workloads), NodeCount::Desired);
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
    let cleaned: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
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
    replace_file(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
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
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| read_json(p).ok().flatten()).collect()
}

/// AWS writes taint effects as NO_SCHEDULE; Kubernetes as NoSchedule.
pub use gantry_core::analysis::workloads::kube_effect;
