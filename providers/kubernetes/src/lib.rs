//! The `kubernetes` provider: `kubernetes_manifest` for any object, and
//! `kubernetes_manifests` for a multi-document YAML bundle.
//!
//! The provider talks to a cluster through [`gantry_core::cluster::Connection`], so
//! that its diffing, ordering and waiting logic exists once. Two connections exist:
//! real API servers through kube-rs (kubeconfig, in-cluster, or explicit `host`;
//! [`conn`]), and the embedded simulator
//! (`provider "kubernetes" { local_cluster = local_cluster.main.name }`), which the
//! binary hands in with [`KubernetesFactory::with_simulator`] so that this crate does
//! not depend on the simulator's.
//!
//! - Create and update are server-side apply with field manager `gantry`; plan asks the
//!   server for a dry run of the same apply, so defaults show in `object`.
//! - Drift is measured on the fields Gantry manages ([`fields::managed_view`]).
//! - Ordering without `depends_on`: an object whose kind or namespace does not exist yet
//!   is retried until it does (its CRD or Namespace is being applied in the same run), a
//!   CRD is waited on until Established, and on delete
//!   [`gantry_core::provider::Provider::delete_order`] puts custom resources before their
//!   CRDs and namespaced objects before their Namespace.

pub mod backend;
pub mod conn;
mod describe;
pub mod fields;
mod manifests;
mod objects;
mod plan;
mod provider;
mod retrying;
mod schema;
mod settings;
#[cfg(test)]
mod tests;

use gantry_core::analysis::describe::Description;
use gantry_core::cluster::{Connection, Simulator};
use gantry_core::provider::{Provider, ProviderError, ProviderFactory, Schema};
use gantry_core::value::Value;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub use manifests::{decode_documents, delete_order_keys, object_key, parse_import_id};
pub use schema::schema;

/// Makes Kubernetes provider instances. Without a simulator, a provider block
/// that names a `local_cluster` is an error.
#[derive(Default)]
pub struct KubernetesFactory {
    simulator: Option<Arc<dyn Simulator>>,
}

impl KubernetesFactory {
    pub fn new() -> KubernetesFactory {
        KubernetesFactory::default()
    }

    /// Lets `local_cluster` connect to the embedded simulator.
    pub fn with_simulator(mut self, simulator: Arc<dyn Simulator>) -> KubernetesFactory {
        self.simulator = Some(simulator);
        self
    }

    /// A factory without a simulator, shared.
    pub fn arc() -> Arc<dyn ProviderFactory> {
        Arc::new(KubernetesFactory::new())
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
        Box::new(KubernetesProvider { simulator: self.simulator.clone(), ..KubernetesProvider::default() })
    }
    fn describe(&self, type_name: &str, value: &Value) -> Option<Description> {
        describe::describe(type_name, value)
    }
}

/// The objects of one (apiVersion, kind, namespace) LIST, by (namespace, name).
type Listing = Arc<HashMap<(String, String), Json>>;
type ListCache = HashMap<(String, String, String), Arc<tokio::sync::OnceCell<Result<Listing, String>>>>;

#[derive(Default)]
pub struct KubernetesProvider {
    connection: RwLock<Option<Arc<dyn Connection>>>,
    lists: std::sync::Mutex<ListCache>,
    simulator: Option<Arc<dyn Simulator>>,
}

fn err(summary: &str, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(summary, detail)
}
