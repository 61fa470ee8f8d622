//! The `kubernetes` state backend, with the arguments of Terraform's: each workspace's
//! state in Secrets (gzip'd, split above a Secret's 1 MiB), the lock in a
//! `coordination.k8s.io/v1` Lease. The connection settings are the kubernetes
//! provider's, and the provider's connection code opens them.
//!
//! [`KubernetesBackendFactory`] registers it with core's backend registry under `kubernetes`.

mod layout;
mod store;

pub use layout::Layout;
pub use store::KubeStore;

use gantry_core::state::{BackendError, BackendFactory, BackendSettings, StateStore};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `backend "kubernetes" { … }` for the backend registry.
pub struct KubernetesBackendFactory;

impl KubernetesBackendFactory {
    pub fn arc() -> Arc<dyn BackendFactory> {
        Arc::new(KubernetesBackendFactory)
    }
}

impl BackendFactory for KubernetesBackendFactory {
    fn name(&self) -> &str {
        "kubernetes"
    }

    fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError> {
        let workspace = if settings.is_default_workspace() { DEFAULT_WORKSPACE } else { settings.workspace.as_str() };
        Ok(Box::new(open_workspace(settings, workspace)?))
    }

    fn workspaces(&self, settings: &BackendSettings) -> Result<Vec<String>, BackendError> {
        workspaces(settings)
    }

    fn delete_workspace(&self, settings: &BackendSettings, name: &str) -> Result<(), BackendError> {
        delete_workspace(settings, name)
    }
}

use gantry_core::state::DEFAULT_WORKSPACE;

/// Opens the store of one workspace.
pub fn open_workspace(settings: &BackendSettings, workspace: &str) -> Result<KubeStore, BackendError> {
    let config = KubernetesBackendConfig::from_attributes(&settings.attributes).map_err(BackendError::invalid)?;
    let layout = Layout::new(&config.namespace, workspace, &config.secret_suffix, config.labels)
        .map_err(|e| BackendError::invalid(format!("backend \"kubernetes\": {e}")))?;
    KubeStore::open(layout, &config.connection)
        .map_err(|e| BackendError::invalid(format!("backend \"kubernetes\" cannot connect: {e}")))
}

/// The workspaces that have a state under this backend's `secret_suffix`.
pub fn workspaces(settings: &BackendSettings) -> Result<Vec<String>, BackendError> {
    let store = open_workspace(settings, DEFAULT_WORKSPACE)?;
    store::workspaces::list(&store).map_err(|e| BackendError::invalid(format!("listing workspaces: {e}")))
}

/// Removes a workspace's Secrets and Lease.
pub fn delete_workspace(settings: &BackendSettings, name: &str) -> Result<(), BackendError> {
    let store = open_workspace(settings, name)?;
    store::workspaces::delete(&store).map_err(|e| BackendError::invalid(format!("deleting workspace {name}: {e}")))
}

/// The settings of `backend "kubernetes" { … }`.
#[derive(Debug, Clone)]
pub struct KubernetesBackendConfig {
    pub secret_suffix: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// What the provider's connection code reads: host, token, kubeconfig paths, context…
    pub connection: Json,
}

/// Terraform's kubernetes backend arguments. `exec` may be given as an object attribute.
const CONNECTION_KEYS: &[&str] = &[
    "in_cluster_config",
    "load_config_file",
    "host",
    "username",
    "password",
    "insecure",
    "client_certificate",
    "client_key",
    "cluster_ca_certificate",
    "config_paths",
    "config_path",
    "config_context",
    "config_context_auth_info",
    "config_context_cluster",
    "token",
    "proxy_url",
    "exec",
];

impl KubernetesBackendConfig {
    /// Reads the block's attributes (already evaluated as constants); unset ones fall
    /// back to Terraform's environment variables (`KUBE_NAMESPACE`, `KUBE_CONFIG_PATH`…).
    pub fn from_attributes(attrs: &BTreeMap<String, Json>) -> Result<KubernetesBackendConfig, String> {
        Self::from_attributes_and_env(attrs, |k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    fn from_attributes_and_env(
        attrs: &BTreeMap<String, Json>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<KubernetesBackendConfig, String> {
        for k in attrs.keys() {
            if !["secret_suffix", "namespace", "labels"].contains(&k.as_str()) && !CONNECTION_KEYS.contains(&k.as_str())
            {
                let mut all = vec!["secret_suffix", "namespace", "labels"];
                all.extend(CONNECTION_KEYS);
                return Err(format!(
                    "backend \"kubernetes\" has no argument \"{k}\"; it takes {}{}",
                    all.join(", "),
                    gantry_core::diag::did_you_mean(k, all.iter().copied())
                ));
            }
        }
        let text = |k: &str| -> Result<Option<String>, String> {
            match attrs.get(k) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::String(s)) if s.is_empty() => Ok(None),
                Some(Json::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(format!("backend \"kubernetes\" argument \"{k}\" must be a string, not {other}")),
            }
        };
        let secret_suffix = text("secret_suffix")?.ok_or_else(|| {
            "backend \"kubernetes\" needs \"secret_suffix\": the state Secret is named gantry-state-WORKSPACE-SUFFIX"
                .to_string()
        })?;
        let namespace = match text("namespace")? {
            Some(ns) => ns,
            None => env("KUBE_NAMESPACE").unwrap_or_else(|| "default".into()),
        };
        let labels = match attrs.get("labels") {
            None | Some(Json::Null) => BTreeMap::new(),
            Some(Json::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Json::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(format!("backend \"kubernetes\" labels: \"{k}\" must be a string, not {other}")),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!("backend \"kubernetes\" argument \"labels\" must be a map of strings, not {other}"))
            }
        };
        let mut connection = serde_json::Map::new();
        for k in CONNECTION_KEYS {
            if let Some(v) = attrs.get(*k).filter(|v| !v.is_null()) {
                connection.insert(k.to_string(), v.clone());
            }
        }
        for (key, var) in [("config_path", "KUBE_CONFIG_PATH"), ("host", "KUBE_HOST"), ("token", "KUBE_TOKEN")] {
            if !connection.contains_key(key) {
                if let Some(v) = env(var) {
                    connection.insert(key.into(), Json::String(v));
                }
            }
        }
        if !connection.contains_key("config_paths") {
            if let Some(v) = env("KUBE_CONFIG_PATHS") {
                let paths: Vec<Json> =
                    std::env::split_paths(&v).map(|p| Json::String(p.to_string_lossy().into_owned())).collect();
                connection.insert("config_paths".into(), Json::Array(paths));
            }
        }
        Ok(KubernetesBackendConfig { secret_suffix, namespace, labels, connection: Json::Object(connection) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Json) -> BTreeMap<String, Json> {
        v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn terraforms_arguments_are_read_and_the_namespace_defaults() {
        let a = attrs(json!({"secret_suffix": "ml", "labels": {"team": "ml"}, "config_path": "~/k", "insecure": true}));
        let c = KubernetesBackendConfig::from_attributes_and_env(&a, |_| None).unwrap();
        assert_eq!(c.secret_suffix, "ml");
        assert_eq!(c.namespace, "default");
        assert_eq!(c.labels["team"], "ml");
        assert_eq!(c.connection, json!({"insecure": true, "config_path": "~/k"}));
        let env = |k: &str| (k == "KUBE_NAMESPACE").then(|| "state".to_string());
        assert_eq!(KubernetesBackendConfig::from_attributes_and_env(&a, env).unwrap().namespace, "state");
    }

    #[test]
    fn a_missing_suffix_or_an_unknown_argument_is_refused_before_connecting() {
        let settings = BackendSettings { attributes: attrs(json!({"namespace": "x"})), ..BackendSettings::default() };
        match KubernetesBackendFactory.open(&settings) {
            Err(BackendError::Invalid { message, .. }) => {
                assert!(message.contains("needs \"secret_suffix\""), "{message}")
            }
            Err(other) => panic!("expected the settings to be refused, got {other}"),
            Ok(_) => panic!("expected the settings to be refused"),
        }
        let err = KubernetesBackendConfig::from_attributes(&attrs(json!({"secret_sufix": "x"}))).unwrap_err();
        assert!(err.contains("no argument \"secret_sufix\"") && err.contains("secret_suffix"), "{err}");
        let err =
            KubernetesBackendConfig::from_attributes(&attrs(json!({"secret_suffix": "x", "labels": "a"}))).unwrap_err();
        assert!(err.contains("map of strings"), "{err}");
    }
}
