//! The simulator as a Kubernetes cluster: the connection the Kubernetes
//! provider uses for `provider "kubernetes" { local_cluster = ... }`, so that
//! the provider's diffing, ordering and waiting are the same for simulated and
//! real clusters.

use crate::sim::{ObjectKey, Sim};
use gantry_core::cluster::{cluster_scoped, ApplyOptions, ConnError, Connection, ObjRef, Simulator};
use gantry_core::value::Value;
use serde_json::Value as Json;
use std::path::Path;
use std::sync::Arc;

/// Opens connections to simulated clusters; hand it to the Kubernetes provider.
pub struct KubernetesSimulator;

impl KubernetesSimulator {
    pub fn arc() -> Arc<dyn Simulator> {
        Arc::new(KubernetesSimulator)
    }
}

impl Simulator for KubernetesSimulator {
    fn connect(&self, working_dir: &Path, cluster: &str) -> Arc<dyn Connection> {
        Arc::new(SimConnection { sim: Sim::new(working_dir), cluster: cluster.to_string() })
    }
}

/// One simulated cluster.
pub struct SimConnection {
    pub sim: Sim,
    pub cluster: String,
}

fn builtin_namespace(ns: &str) -> bool {
    matches!(ns, "default" | "kube-system" | "kube-public" | "kube-node-lease")
}

impl SimConnection {
    fn key(r: &ObjRef) -> ObjectKey {
        let namespace = if cluster_scoped(&r.kind) {
            String::new()
        } else if r.namespace.is_empty() {
            "default".into()
        } else {
            r.namespace.clone()
        };
        ObjectKey { kind: r.kind.clone(), namespace, name: r.name.clone() }
    }
}

#[async_trait::async_trait]
impl Connection for SimConnection {
    async fn get(&self, r: &ObjRef) -> Result<Option<Json>, ConnError> {
        self.sim.get_object(&self.cluster, &Self::key(r)).map(|o| o.map(|v| v.to_json())).map_err(ConnError::Other)
    }

    async fn list(&self, api_version: &str, kind: &str, namespace: &str) -> Result<Vec<Json>, ConnError> {
        Ok(self
            .sim
            .objects(&self.cluster)
            .into_iter()
            .map(|v| v.to_json())
            .filter(|o| {
                o.get("kind").and_then(Json::as_str) == Some(kind)
                    && o.get("apiVersion").and_then(Json::as_str) == Some(api_version)
                    && (namespace.is_empty()
                        || o.pointer("/metadata/namespace").and_then(Json::as_str).unwrap_or("default") == namespace)
            })
            .collect())
    }

    async fn apply(&self, manifest: &Json, opts: &ApplyOptions<'_>) -> Result<Json, ConnError> {
        let r = ObjRef::of(manifest).map_err(ConnError::Other)?;
        let key = Self::key(&r);
        if opts.dry_run {
            return Ok(manifest.clone());
        }
        if self.sim.get_cluster(&self.cluster).map_err(ConnError::Other)?.is_none() {
            return Err(ConnError::Other(format!("local cluster \"{}\" does not exist", self.cluster)));
        }
        if !key.namespace.is_empty() && !builtin_namespace(&key.namespace) {
            let ns = ObjectKey { kind: "Namespace".into(), namespace: String::new(), name: key.namespace.clone() };
            if self.sim.get_object(&self.cluster, &ns).map_err(ConnError::Other)?.is_none() {
                return Err(ConnError::NoNamespace(format!(
                    "namespaces \"{}\" not found: create the Namespace first",
                    key.namespace
                )));
            }
        }
        let value = Value::from_json(manifest);
        self.sim.put_object(&self.cluster, &key, &value).map_err(ConnError::Other)?;
        self.sim.reschedule(&self.cluster).map_err(ConnError::Other)?;
        Ok(manifest.clone())
    }

    async fn delete(&self, r: &ObjRef) -> Result<bool, ConnError> {
        let key = Self::key(r);
        let existed = self.sim.get_object(&self.cluster, &key).map_err(ConnError::Other)?.is_some();
        self.sim.delete_object(&self.cluster, &key).map_err(ConnError::Other)?;
        self.sim.reschedule(&self.cluster).map_err(ConnError::Other)?;
        Ok(existed)
    }

    fn supports_dry_run(&self) -> bool {
        false
    }

    async fn namespace_of(&self, r: &ObjRef) -> Result<String, ConnError> {
        Ok(Self::key(r).namespace)
    }

    fn waits(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn objects_round_trip_and_need_their_cluster_and_namespace() {
        let dir = tempfile::tempdir().unwrap();
        let conn = KubernetesSimulator.connect(dir.path(), "ml");
        let opts = ApplyOptions { field_manager: "gantry", force: false, dry_run: false };
        let cm =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ml"}});
        assert!(matches!(conn.apply(&cm, &opts).await, Err(ConnError::Other(_))), "no cluster yet");
        Sim::new(dir.path()).put_cluster("ml", &Value::object([("name", Value::string("ml"))])).unwrap();
        assert!(matches!(conn.apply(&cm, &opts).await, Err(ConnError::NoNamespace(_))));
        let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}});
        conn.apply(&ns, &opts).await.unwrap();
        conn.apply(&cm, &opts).await.unwrap();
        let r = ObjRef::of(&cm).unwrap();
        assert_eq!(conn.get(&r).await.unwrap(), Some(cm.clone()));
        assert_eq!(conn.list("v1", "ConfigMap", "ml").await.unwrap().len(), 1);
        assert_eq!(conn.namespace_of(&ObjRef::of(&ns).unwrap()).await.unwrap(), "");
        assert!(conn.delete(&r).await.unwrap());
        assert!(!conn.delete(&r).await.unwrap());
    }

    #[tokio::test]
    async fn repeating_an_apply_whose_answer_was_lost_keeps_one_object() {
        let dir = tempfile::tempdir().unwrap();
        Sim::new(dir.path()).put_cluster("ml", &Value::object([("name", Value::string("ml"))])).unwrap();
        let conn = KubernetesSimulator.connect(dir.path(), "ml");
        let opts = ApplyOptions { field_manager: "gantry", force: false, dry_run: false };
        let cm =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
        conn.apply(&cm, &opts).await.unwrap();
        conn.apply(&cm, &opts).await.unwrap();
        assert_eq!(conn.list("v1", "ConfigMap", "").await.unwrap(), vec![cm]);
        assert_eq!(Sim::new(dir.path()).objects("ml").len(), 1);
    }
}
