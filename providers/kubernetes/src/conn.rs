//! The connection to a real API server, through kube-rs: discovery, server-side
//! apply, and building a client from the provider's settings. It implements the
//! cluster interface that lives in `core` (re-exported here), which the
//! simulator implements too.

use crate::fields;
pub use gantry_core::cluster::{cluster_scoped, ApplyOptions, ConnError, Connection, ObjRef};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersion;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct KubeConnection {
    pub client: kube::Client,
    pub default_namespace: String,
    /// The resource types of each group-version, fetched once however many kinds and
    /// concurrent callers ask; an entry is dropped when a CRD changes.
    discovery: Mutex<HashMap<String, GroupVersionCell>>,
}

type Resources = Arc<Vec<(ApiResource, ApiCapabilities)>>;
type GroupVersionCell = Arc<tokio::sync::OnceCell<Resources>>;

fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

impl KubeConnection {
    pub fn new(client: kube::Client, default_namespace: String) -> KubeConnection {
        KubeConnection { client, default_namespace, discovery: Mutex::new(HashMap::new()) }
    }

    /// Maps apiVersion/kind to a resource by discovery of its group-version. A kind missing
    /// from a group-version read earlier asks the server again, so a kind whose CRD was
    /// created a moment ago is found.
    async fn resolve(&self, api_version: &str, kind: &str) -> Result<(ApiResource, ApiCapabilities), ConnError> {
        let unknown = |detail: String| {
            ConnError::UnknownKind(format!("the server has no resource type for {api_version} {kind}{detail}"))
        };
        for _ in 0..2 {
            let (resources, fetched_now) = self.group_version(api_version).await.map_err(|e| match e {
                kube::Error::Api(s) if s.code == 404 => unknown(String::new()),
                kube::Error::Discovery(e) => unknown(format!(": {e}")),
                e => match api_error(e, "gantry") {
                    ConnError::Transient(m) => {
                        ConnError::Transient(format!("discovery of {api_version} {kind} failed: {m}"))
                    }
                    other => ConnError::Other(format!("discovery of {api_version} {kind} failed: {other}")),
                },
            })?;
            if let Some(found) = resources.iter().find(|(ar, _)| ar.kind == kind) {
                return Ok(found.clone());
            }
            if fetched_now {
                break;
            }
            self.discovery.lock().unwrap_or_else(|e| e.into_inner()).remove(api_version);
        }
        Err(unknown(String::new()))
    }

    /// The resource types of one group-version, and whether this call is the one that fetched them.
    async fn group_version(&self, api_version: &str) -> Result<(Resources, bool), kube::Error> {
        let cell = self
            .discovery
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(api_version.to_string())
            .or_default()
            .clone();
        let fetched_now = std::sync::atomic::AtomicBool::new(false);
        let resources = cell
            .get_or_try_init(|| async {
                fetched_now.store(true, std::sync::atomic::Ordering::Relaxed);
                let (group, version) = split_api_version(api_version);
                let gv = GroupVersion::gv(group, version);
                let found = kube::discovery::pinned_group(&self.client, &gv).await?;
                Ok::<_, kube::Error>(Arc::new(found.versioned_resources(version)))
            })
            .await?
            .clone();
        Ok((resources, fetched_now.load(std::sync::atomic::Ordering::Relaxed)))
    }

    async fn api(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
    ) -> Result<(Api<DynamicObject>, bool), ConnError> {
        let (ar, caps) = self.resolve(api_version, kind).await?;
        Ok(match caps.scope {
            Scope::Cluster => (Api::all_with(self.client.clone(), &ar), false),
            Scope::Namespaced if namespace.is_empty() => (Api::all_with(self.client.clone(), &ar), true),
            Scope::Namespaced => (Api::namespaced_with(self.client.clone(), namespace, &ar), true),
        })
    }

    async fn api_for(&self, r: &ObjRef) -> Result<Api<DynamicObject>, ConnError> {
        let ns = self.namespace_of(r).await?;
        Ok(self.api(&r.api_version, &r.kind, &ns).await?.0)
    }
}

fn to_json(o: DynamicObject) -> Result<Json, ConnError> {
    serde_json::to_value(o).map_err(|e| ConnError::Other(e.to_string()))
}

fn api_error(e: kube::Error, manager: &str) -> ConnError {
    match e {
        kube::Error::Api(s) if s.code == 409 && s.reason == "Conflict" => {
            let status = serde_json::to_value(&*s).unwrap_or(Json::Null);
            ConnError::Conflict(fields::conflict_message(&status, manager))
        }
        kube::Error::Api(s) if s.code == 404 && s.message.contains("namespaces") => {
            ConnError::NoNamespace(s.message.clone())
        }
        kube::Error::Api(s) if transient_status(s.code) => {
            ConnError::Transient(format!("{} ({}, HTTP {})", s.message, s.reason, s.code))
        }
        kube::Error::Api(s) => ConnError::Other(format!("{} ({}, HTTP {})", s.message, s.reason, s.code)),
        e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => ConnError::Transient(e.to_string()),
        other => ConnError::Other(other.to_string()),
    }
}

/// Throttled (429) or a server failure (5xx): the same request may succeed later.
fn transient_status(code: u16) -> bool {
    gantry_core::provider::ErrorKind::of_status(code).is_transient()
}

fn not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

#[async_trait::async_trait]
impl Connection for KubeConnection {
    async fn get(&self, r: &ObjRef) -> Result<Option<Json>, ConnError> {
        let api = match self.api_for(r).await {
            Ok(a) => a,
            // No such kind (its CRD is gone): then no such object either.
            Err(ConnError::UnknownKind(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        match api.get(&r.name).await {
            Ok(o) => to_json(o).map(Some),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(api_error(e, "gantry")),
        }
    }

    async fn list(&self, api_version: &str, kind: &str, namespace: &str) -> Result<Vec<Json>, ConnError> {
        let (api, _) = match self.api(api_version, kind, namespace).await {
            Ok(a) => a,
            Err(ConnError::UnknownKind(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        match api.list(&ListParams::default()).await {
            Ok(list) => list.items.into_iter().map(to_json).collect(),
            Err(e) if not_found(&e) => Ok(Vec::new()),
            Err(e) => Err(api_error(e, "gantry")),
        }
    }

    async fn apply(&self, manifest: &Json, opts: &ApplyOptions<'_>) -> Result<Json, ConnError> {
        let r = ObjRef::of(manifest).map_err(ConnError::Other)?;
        let api = self.api_for(&r).await?;
        let mut params = PatchParams::apply(opts.field_manager);
        if opts.force {
            params = params.force();
        }
        if opts.dry_run {
            params = params.dry_run();
        }
        let body = fields::apply_body(manifest);
        let out =
            api.patch(&r.name, &params, &Patch::Apply(&body)).await.map_err(|e| api_error(e, opts.field_manager))?;
        if !opts.dry_run && r.kind == "CustomResourceDefinition" {
            self.refresh_discovery();
        }
        to_json(out)
    }

    async fn delete(&self, r: &ObjRef) -> Result<bool, ConnError> {
        let api = match self.api_for(r).await {
            Ok(a) => a,
            Err(ConnError::UnknownKind(_)) => return Ok(false),
            Err(e) => return Err(e),
        };
        let res = api.delete(&r.name, &DeleteParams::background()).await;
        if r.kind == "CustomResourceDefinition" {
            self.refresh_discovery();
        }
        match res {
            Ok(_) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(api_error(e, "gantry")),
        }
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    async fn namespace_of(&self, r: &ObjRef) -> Result<String, ConnError> {
        let (_, caps) = self.resolve(&r.api_version, &r.kind).await?;
        Ok(match caps.scope {
            Scope::Cluster => String::new(),
            Scope::Namespaced if r.namespace.is_empty() => self.default_namespace.clone(),
            Scope::Namespaced => r.namespace.clone(),
        })
    }

    fn refresh_discovery(&self) {
        self.discovery.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// The kubeconfig `exec` entry for the provider's `exec` block (a single block may arrive as
/// an object or a one-element list). A token from a plugin is fetched when the client needs
/// one and refreshed when it expires, which a `token` computed once at plan time cannot be:
/// an EKS token lives fifteen minutes, shorter than a cluster takes to create.
fn exec_plugin(block: Option<&Json>) -> Option<Json> {
    let block = match block? {
        Json::Array(items) => items.first()?,
        other => other,
    };
    let command = block.get("command").and_then(Json::as_str)?;
    let env: Vec<Json> = block
        .get("env")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter().map(|(k, v)| serde_json::json!({ "name": k, "value": v.as_str().unwrap_or_default() })).collect()
        })
        .unwrap_or_default();
    Some(serde_json::json!({
        "apiVersion": block.get("api_version").and_then(Json::as_str).unwrap_or("client.authentication.k8s.io/v1beta1"),
        "command": command,
        "args": block.get("args").filter(|a| a.is_array()).cloned().unwrap_or(Json::Array(Vec::new())),
        "env": env,
        "interactiveMode": "Never",
    }))
}

/// Builds a client from the provider's configuration: explicit `host` (with token, certificates,
/// `insecure`), else a kubeconfig (`config_path`, `~` expanded, else `KUBECONFIG`, else
/// `~/.kube/config`) with `config_context`, else the in-cluster service account.
pub async fn connect(cfg: &Json) -> Result<KubeConnection, String> {
    let s = |k: &str| cfg.get(k).and_then(Json::as_str).filter(|x| !x.is_empty()).map(str::to_string);
    let context = s("config_context");
    let options = kube::config::KubeConfigOptions {
        context: context.clone(),
        cluster: s("config_context_cluster"),
        user: s("config_context_auth_info"),
    };
    let config = if cfg.get("in_cluster_config").and_then(Json::as_bool) == Some(true) {
        kube::Config::incluster().map_err(|e| format!("in_cluster_config is set, but: {e}"))?
    } else if let Some(host) = s("host") {
        let mut cluster = serde_json::json!({ "server": host });
        if let Some(proxy) = s("proxy_url") {
            cluster["proxy-url"] = Json::String(proxy);
        }
        if cfg.get("insecure").and_then(Json::as_bool) == Some(true) {
            cluster["insecure-skip-tls-verify"] = Json::Bool(true);
        }
        if let Some(ca) = s("cluster_ca_certificate") {
            cluster["certificate-authority-data"] = Json::String(base64(ca.as_bytes()));
        }
        let mut user = serde_json::json!({});
        if let Some(t) = s("token") {
            user["token"] = Json::String(t);
        }
        if let (Some(name), Some(password)) = (s("username"), s("password")) {
            user["username"] = Json::String(name);
            user["password"] = Json::String(password);
        }
        if let Some(c) = s("client_certificate") {
            user["client-certificate-data"] = Json::String(base64(c.as_bytes()));
        }
        if let Some(k) = s("client_key") {
            user["client-key-data"] = Json::String(base64(k.as_bytes()));
        }
        if let Some(exec) = exec_plugin(cfg.get("exec")) {
            user["exec"] = exec;
        }
        let kc = serde_json::json!({
            "apiVersion": "v1", "kind": "Config", "current-context": "gantry",
            "clusters": [{"name": "gantry", "cluster": cluster}],
            "users": [{"name": "gantry", "user": user}],
            "contexts": [{"name": "gantry", "context": {"cluster": "gantry", "user": "gantry"}}],
        });
        let kc = kube::config::Kubeconfig::from_yaml(&kc.to_string())
            .map_err(|e| format!("invalid connection settings: {e}"))?;
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await
            .map_err(|e| e.to_string())?
    } else {
        let listed: Option<Vec<String>> = cfg
            .get("config_paths")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).map(expand_home).collect())
            .filter(|p: &Vec<String>| !p.is_empty());
        let paths: Vec<String> = match s("config_path").map(|p| vec![expand_home(&p)]).or(listed) {
            Some(p) => p,
            None => match std::env::var("KUBECONFIG").ok().filter(|v| !v.is_empty()) {
                Some(v) => std::env::split_paths(&v).map(|p| p.to_string_lossy().into_owned()).collect(),
                None => {
                    let home = expand_home("~/.kube/config");
                    if std::path::Path::new(&home).exists() {
                        vec![home]
                    } else {
                        Vec::new()
                    }
                }
            },
        };
        if paths.is_empty() {
            kube::Config::incluster().map_err(|e| {
                format!("no host, no kubeconfig (config_path, KUBECONFIG or ~/.kube/config) and not running in a cluster: {e}")
            })?
        } else {
            let mut merged: Option<kube::config::Kubeconfig> = None;
            for p in &paths {
                let kc = kube::config::Kubeconfig::read_from(p).map_err(|e| format!("reading kubeconfig {p}: {e}"))?;
                merged = Some(match merged {
                    None => kc,
                    Some(m) => m.merge(kc).map_err(|e| e.to_string())?,
                });
            }
            let kc = merged.expect("at least one path");
            kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| format!("kubeconfig {}: {e}", paths.join(":")))?
        }
    };
    let ns = config.default_namespace.clone();
    let client = kube::Client::try_from(config).map_err(|e| format!("creating the Kubernetes client: {e}"))?;
    Ok(KubeConnection::new(client, ns))
}

pub fn expand_home(p: &str) -> String {
    match p.strip_prefix("~/") {
        Some(rest) => match std::env::var("HOME") {
            Ok(h) => format!("{h}/{rest}"),
            Err(_) => p.to_string(),
        },
        None if p == "~" => std::env::var("HOME").unwrap_or_else(|_| p.to_string()),
        None => p.to_string(),
    }
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_server_failures_are_transient() {
        let status = |code| kube::Error::Api(Box::new(kube::core::Status::failure("m", "r").with_code(code)));
        assert!(matches!(api_error(status(429), "gantry"), ConnError::Transient(_)));
        assert!(matches!(api_error(status(503), "gantry"), ConnError::Transient(_)));
        assert!(matches!(api_error(status(403), "gantry"), ConnError::Other(_)));
        assert!(matches!(api_error(status(422), "gantry"), ConnError::Other(_)));
    }

    #[test]
    fn base64_and_home() {
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"hi!"), "aGkh");
        assert_eq!(base64(b"a"), "YQ==");
        std::env::set_var("HOME", "/home/x");
        assert_eq!(expand_home("~/.kube/config"), "/home/x/.kube/config");
        assert_eq!(expand_home("/etc/k"), "/etc/k");
    }
}
