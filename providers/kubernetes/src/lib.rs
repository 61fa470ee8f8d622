//! The `kubernetes` provider: `kubernetes_manifest` for any object.
//!
//! The provider talks to a cluster through [`Connection`], so that its diffing
//! and ordering logic exists once. This build connects to the embedded `local`
//! simulator (`provider "kubernetes" { local_cluster = local_cluster.main.name }`);
//! connecting to real API servers through kubeconfig is not built yet.

use gantry_core::provider::{
    plan_by_schema, ApplyRequest, AttributeSchema as A, BlockSchema, ConfigureRequest, ImportRequest, PlanRequest, PlanResponse,
    Provider, ProviderError, ProviderFactory, ReadRequest, Schema, ValidateRequest,
};
use gantry_core::types::Type;
use gantry_core::value::{PathStep, Value};
use gantry_provider_local::sim::{ObjectKey, Sim};
use std::sync::{Arc, OnceLock, RwLock};

pub struct KubernetesFactory;

impl KubernetesFactory {
    pub fn arc() -> Arc<dyn ProviderFactory> {
        Arc::new(KubernetesFactory)
    }
}

impl ProviderFactory for KubernetesFactory {
    fn name(&self) -> &str {
        "kubernetes"
    }
    fn schema(&self) -> &Schema {
        schema()
    }
    fn instantiate(&self) -> Box<dyn Provider> {
        Box::new(KubernetesProvider::default())
    }
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let provider = BlockSchema::default()
            .attr("local_cluster", A::optional(Type::String).describe("Name of a local_cluster to store objects in."))
            .attr("config_path", A::optional(Type::String))
            .attr("config_context", A::optional(Type::String));
        let manifest = BlockSchema::default()
            .attr("manifest", A::required(Type::Any).describe("The object, as an HCL object or yamldecode(file(...))."))
            .attr("object", A::computed(Type::Any).describe("The object as stored in the cluster."));
        let mut s = Schema { provider, ..Default::default() };
        s.resources.insert("kubernetes_manifest".into(), manifest);
        s
    })
}

/// What the provider needs from a cluster. The simulator implements it here; a kube-rs client is the other implementation to come.
pub trait Connection: Send + Sync {
    fn get(&self, key: &ObjectKey) -> Result<Option<Value>, String>;
    fn apply(&self, key: &ObjectKey, object: &Value) -> Result<Value, String>;
    fn delete(&self, key: &ObjectKey) -> Result<(), String>;
}

struct LocalConnection {
    sim: Sim,
    cluster: String,
}

impl Connection for LocalConnection {
    fn get(&self, key: &ObjectKey) -> Result<Option<Value>, String> {
        self.sim.get_object(&self.cluster, key)
    }

    fn apply(&self, key: &ObjectKey, object: &Value) -> Result<Value, String> {
        if self.sim.get_cluster(&self.cluster)?.is_none() {
            return Err(format!("local cluster \"{}\" does not exist", self.cluster));
        }
        if !key.namespace.is_empty() && key.kind != "Namespace" && !builtin_namespace(&key.namespace) {
            let ns = ObjectKey { kind: "Namespace".into(), namespace: String::new(), name: key.namespace.clone() };
            if self.sim.get_object(&self.cluster, &ns)?.is_none() {
                return Err(format!("namespaces \"{}\" not found: create the Namespace first", key.namespace));
            }
        }
        self.sim.put_object(&self.cluster, key, object)?;
        self.sim.reschedule(&self.cluster)?;
        Ok(object.clone())
    }

    fn delete(&self, key: &ObjectKey) -> Result<(), String> {
        self.sim.delete_object(&self.cluster, key)?;
        self.sim.reschedule(&self.cluster).map(|_| ())
    }
}

fn builtin_namespace(ns: &str) -> bool {
    matches!(ns, "default" | "kube-system" | "kube-public" | "kube-node-lease")
}

/// Kinds that live outside namespaces; everything else defaults to namespace "default".
fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace" | "Node" | "PersistentVolume" | "StorageClass" | "ClusterRole" | "ClusterRoleBinding" | "CustomResourceDefinition"
            | "PriorityClass" | "IngressClass" | "RuntimeClass" | "APIService" | "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration"
    )
}

/// The identity of a manifest, or what is missing from it.
pub fn object_key(manifest: &Value) -> Result<ObjectKey, String> {
    let text = |v: Option<&Value>| v.and_then(|x| x.as_str()).unwrap_or_default().to_string();
    let api_version = text(manifest.get("apiVersion"));
    let kind = text(manifest.get("kind"));
    let meta = manifest.get("metadata");
    let name = text(meta.and_then(|m| m.get("name")));
    let missing: Vec<&str> = [("apiVersion", &api_version), ("kind", &kind), ("metadata.name", &name)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        return Err(format!("the manifest has no {}; every object needs apiVersion, kind and metadata.name", missing.join(", ")));
    }
    let namespace = if cluster_scoped(&kind) {
        String::new()
    } else {
        let ns = text(meta.and_then(|m| m.get("namespace")));
        if ns.is_empty() {
            "default".into()
        } else {
            ns
        }
    };
    Ok(ObjectKey { kind, namespace, name })
}

#[derive(Default)]
pub struct KubernetesProvider {
    connection: RwLock<Option<Arc<dyn Connection>>>,
}

fn err(summary: &str, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(summary, detail)
}

impl KubernetesProvider {
    fn conn(&self) -> Result<Arc<dyn Connection>, ProviderError> {
        self.connection
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| err("Provider not configured", "the kubernetes provider has no cluster connection"))
    }
}

fn manifest_of(v: &Value) -> Result<Value, ProviderError> {
    match v.get("manifest") {
        Some(m) if m.as_object().is_some() => Ok(m.clone().deep_unmarked()),
        _ => Err(err("Invalid manifest", "manifest must be an object with apiVersion, kind and metadata")),
    }
}

#[async_trait::async_trait]
impl Provider for KubernetesProvider {
    fn schema(&self) -> &Schema {
        schema()
    }

    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        match req.config.get("local_cluster").and_then(|v| v.as_str()) {
            Some(cluster) => {
                let conn = LocalConnection { sim: Sim::new(&req.working_dir), cluster: cluster.to_string() };
                *self.connection.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(conn));
                Ok(())
            }
            None => Err(err(
                "No cluster connection",
                "set local_cluster = local_cluster.NAME.name to use the embedded simulator; connections through a kubeconfig are not available in this build",
            )),
        }
    }

    fn validate(&self, req: ValidateRequest<'_>) -> Vec<ProviderError> {
        match req.config.get("manifest") {
            Some(m) if m.contains_unknown() || m.is_null() => Vec::new(),
            Some(m) if m.as_object().is_none() => vec![err(
                "Invalid manifest",
                format!("manifest must be an object, but this is a {}. For YAML text, use yamldecode(...).", m.type_name()),
            )
            .at(vec![PathStep::Key("manifest".into())])],
            Some(m) => match object_key(m) {
                Ok(_) => Vec::new(),
                Err(e) => vec![err("Invalid manifest", e).at(vec![PathStep::Key("manifest".into())])],
            },
            None => Vec::new(),
        }
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let conn = self.conn()?;
        let manifest = manifest_of(req.state)?;
        let key = object_key(&manifest).map_err(|e| err("Invalid manifest", e))?;
        let live = conn.get(&key).map_err(|e| err("Read failed", e))?;
        Ok(live.map(|obj| Value::object([("manifest", obj.clone()), ("object", obj)])))
    }

    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let schema = &schema().resources["kubernetes_manifest"];
        let mut resp = plan_by_schema(schema, req.prior, req.config);
        let manifest = req.config.get("manifest").cloned().unwrap_or(Value::Null);
        if manifest.contains_unknown() {
            return Ok(resp);
        }
        if let Value::Object(m) = &mut resp.planned {
            m.insert("object".into(), manifest.clone());
        }
        // A different identity (kind, namespace, name) is a different object.
        if let Some(prior) = req.prior {
            let before = prior.get("manifest").and_then(|m| object_key(m).ok());
            let after = object_key(&manifest).ok();
            if before != after {
                resp.requires_replace.push(vec![PathStep::Key("manifest".into())]);
            }
        }
        Ok(resp)
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let conn = self.conn()?;
        match req.planned {
            None => {
                let manifest = manifest_of(req.prior.unwrap_or(&Value::Null))?;
                let key = object_key(&manifest).map_err(|e| err("Invalid manifest", e))?;
                conn.delete(&key).map_err(|e| err("Delete failed", e))?;
                Ok(None)
            }
            Some(planned) => {
                let manifest = manifest_of(planned)?;
                let key = object_key(&manifest).map_err(|e| err("Invalid manifest", e))?;
                let stored = conn.apply(&key, &manifest).map_err(|e| err("Apply failed", e))?;
                Ok(Some(Value::object([("manifest", manifest), ("object", stored)])))
            }
        }
    }

    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let conn = self.conn()?;
        // apiVersion/kind/namespace/name, or apiVersion/kind/name for cluster-scoped objects.
        let parts: Vec<&str> = req.id.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [_, kind, name] | [_, _, kind, name] if cluster_scoped(kind) => (kind.to_string(), String::new(), name.to_string()),
            [_, kind, ns, name] => (kind.to_string(), ns.to_string(), name.to_string()),
            [_, _, kind, ns, name] => (kind.to_string(), ns.to_string(), name.to_string()),
            _ => return Err(err("Invalid import ID", "use apiVersion/kind/namespace/name")),
        };
        let live = conn.get(&ObjectKey { kind, namespace, name }).map_err(|e| err("Read failed", e))?;
        Ok(live.map(|obj| Value::object([("manifest", obj.clone()), ("object", obj)])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_default_namespace_and_cluster_scope() {
        let m = Value::from_json(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}));
        assert_eq!(object_key(&m).unwrap().namespace, "default");
        let ns = Value::from_json(&serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}}));
        assert_eq!(object_key(&ns).unwrap().namespace, "");
        assert!(object_key(&Value::object([("kind", Value::string("X"))])).is_err());
    }
}
