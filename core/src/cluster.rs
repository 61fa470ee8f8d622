//! The one interface through which a provider talks to a Kubernetes cluster.
//!
//! The Kubernetes provider's diffing, ordering and waiting logic is written
//! once, against [`Connection`]; a real API server (through a client library,
//! in the provider's crate) and the embedded simulator (in the `local`
//! provider's crate) each implement it. It lives in `core`, below both, so
//! that neither provider crate depends on the other: the binary hands the
//! simulator to the Kubernetes provider as a [`Simulator`].

use serde_json::Value as Json;
use std::path::Path;
use std::sync::Arc;

/// Which object: apiVersion, kind, namespace ("" when cluster-scoped or not given) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjRef {
    pub fn of(manifest: &Json) -> Result<ObjRef, String> {
        let text = |p: &str| manifest.pointer(p).and_then(Json::as_str).unwrap_or_default().to_string();
        let r = ObjRef {
            api_version: text("/apiVersion"),
            kind: text("/kind"),
            namespace: text("/metadata/namespace"),
            name: text("/metadata/name"),
        };
        let missing: Vec<&str> = [("apiVersion", &r.api_version), ("kind", &r.kind), ("metadata.name", &r.name)]
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, _)| *k)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the manifest has no {}; every object needs apiVersion, kind and metadata.name",
                missing.join(", ")
            ));
        }
        Ok(r)
    }
}

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

#[derive(Debug, Clone)]
pub enum ConnError {
    /// The server does not serve this apiVersion/kind (yet: its CRD may still be on the way).
    UnknownKind(String),
    /// The namespace does not exist (yet).
    NoNamespace(String),
    /// A server-side apply conflict with other field managers (message names them).
    Conflict(String),
    /// Throttled (429), a server failure (5xx) or a lost connection: the same call may succeed later.
    Transient(String),
    Other(String),
}

impl std::fmt::Display for ConnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnError::UnknownKind(m)
            | ConnError::NoNamespace(m)
            | ConnError::Conflict(m)
            | ConnError::Transient(m)
            | ConnError::Other(m) => f.write_str(m),
        }
    }
}

impl crate::retry::Retryable for ConnError {
    fn is_transient(&self) -> bool {
        matches!(self, ConnError::Transient(_))
    }
    fn kind_name(&self) -> &'static str {
        if self.is_transient() {
            "transient"
        } else {
            "permanent"
        }
    }
    /// The server's message: it names objects and reasons, never a field's value.
    fn log_summary(&self) -> String {
        self.to_string()
    }
    fn gave_up(self, note: &str) -> Self {
        match self {
            ConnError::Transient(m) => ConnError::Transient(format!("{m} ({note})")),
            other => other,
        }
    }
}

pub struct ApplyOptions<'a> {
    pub field_manager: &'a str,
    pub force: bool,
    pub dry_run: bool,
}

/// What the provider needs from a cluster. Diffing, ordering and waiting are written once, above it.
#[async_trait::async_trait]
pub trait Connection: Send + Sync {
    /// The object as stored, or none.
    async fn get(&self, r: &ObjRef) -> Result<Option<Json>, ConnError>;
    /// Every object of a kind in a namespace ("" = cluster-scoped or all), for batched refresh.
    async fn list(&self, api_version: &str, kind: &str, namespace: &str) -> Result<Vec<Json>, ConnError>;
    /// Creates or updates by server-side apply; a dry run changes nothing.
    async fn apply(&self, manifest: &Json, opts: &ApplyOptions<'_>) -> Result<Json, ConnError>;
    /// Deletes; false when it was already gone.
    async fn delete(&self, r: &ObjRef) -> Result<bool, ConnError>;
    /// Whether plan can ask the server for the result of an apply (server-side dry run).
    fn supports_dry_run(&self) -> bool;
    /// The namespace an object lives in ("" when the kind is cluster-scoped), after the server's scope rules.
    async fn namespace_of(&self, r: &ObjRef) -> Result<String, ConnError>;
    /// Forget cached discovery (after CRDs change).
    fn refresh_discovery(&self) {}
    /// Whether the server enforces waits (the simulator has no controllers to wait for).
    fn waits(&self) -> bool {
        true
    }
}

/// Opens connections to the embedded simulator's clusters, which live below
/// the working directory. The `local` provider's crate provides one; the
/// binary gives it to the Kubernetes provider.
pub trait Simulator: Send + Sync {
    /// A connection to the simulated cluster `cluster`. The cluster need not
    /// exist yet: applying to a missing cluster fails, reading finds nothing.
    fn connect(&self, working_dir: &Path, cluster: &str) -> Arc<dyn Connection>;
}

/// Kinds that live outside namespaces, for when no server says so in
/// discovery (the simulator, and checks made before any connection exists).
pub fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "StorageClass"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "PriorityClass"
            | "IngressClass"
            | "RuntimeClass"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
    )
}
