//! The `kubernetes` provider: `kubernetes_manifest` for any object.
//!
//! The provider talks to a cluster through [`conn::Connection`], so that its diffing,
//! ordering and waiting logic exists once. Two connections exist: the embedded `local`
//! simulator (`provider "kubernetes" { local_cluster = local_cluster.main.name }`) and
//! real API servers through kube-rs (kubeconfig, in-cluster, or explicit `host`).
//!
//! - Create and update are server-side apply with field manager `gantry`; plan asks the
//!   server for a dry run of the same apply, so defaults show in `object`.
//! - Drift is measured on the fields Gantry manages ([`fields::managed_view`]).
//! - Ordering without `depends_on`: an object whose kind or namespace does not exist yet
//!   is retried until it does (its CRD or Namespace is being applied in the same run), a
//!   CRD is waited on until Established, and on delete [`Provider::delete_order`] puts
//!   custom resources before their CRDs and namespaced objects before their Namespace.

pub mod conn;
pub mod fields;

use conn::{ApplyOptions, ConnError, Connection, LocalConnection, ObjRef};
use gantry_core::provider::{
    plan_by_schema, ApplyRequest, AttributeSchema as A, BlockSchema, ConfigureRequest, ImportRequest, NestedBlock,
    Nesting, PlanRequest, PlanResponse, Provider, ProviderError, ProviderFactory, ReadRequest, Schema, ValidateRequest,
};
use gantry_core::types::Type;
use gantry_core::value::{PathStep, Value};
use gantry_provider_local::sim::{ObjectKey, Sim};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

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

fn single(block: BlockSchema) -> NestedBlock {
    NestedBlock { nesting: Nesting::Single, block, min_items: 0, max_items: Some(1), force_new: false }
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let provider = BlockSchema::default()
            .attr(
                "local_cluster",
                A::optional(Type::String)
                    .describe("Name of a local_cluster to store objects in (the embedded simulator)."),
            )
            .attr(
                "config_path",
                A::optional(Type::String)
                    .describe("Path to a kubeconfig file; `~` is expanded. Default: KUBECONFIG, then ~/.kube/config."),
            )
            .attr(
                "config_context",
                A::optional(Type::String).describe("The kubeconfig context to use. Default: its current-context."),
            )
            .attr("host", A::optional(Type::String).describe("The API server URL, instead of a kubeconfig."))
            .attr("token", A::optional(Type::String).sensitive().describe("A bearer token."))
            .attr(
                "cluster_ca_certificate",
                A::optional(Type::String).describe("PEM-encoded CA certificate of the API server."),
            )
            .attr("client_certificate", A::optional(Type::String).describe("PEM-encoded client certificate."))
            .attr("client_key", A::optional(Type::String).sensitive().describe("PEM-encoded client key."))
            .attr("insecure", A::optional(Type::Bool).describe("Skip TLS verification of the API server."))
            .block(
                "exec",
                single(
                    BlockSchema::default()
                        .attr(
                            "api_version",
                            A::required(Type::String)
                                .describe("The ExecCredential version, e.g. client.authentication.k8s.io/v1beta1."),
                        )
                        .attr(
                            "command",
                            A::required(Type::String)
                                .describe("A program that prints an ExecCredential, e.g. aws (eks get-token)."),
                        )
                        .attr("args", A::optional(Type::List(Box::new(Type::String))))
                        .attr("env", A::optional(Type::Map(Box::new(Type::String)))),
                ),
            );
        let wait = BlockSchema::default()
            .attr(
                "rollout",
                A::optional(Type::Bool).describe(
                    "Wait until a Deployment, StatefulSet or DaemonSet has rolled out, or a Job has succeeded.",
                ),
            )
            .attr(
                "condition",
                A::optional(Type::Any)
                    .describe("{ type, status } (or a list of them): wait until status.conditions has it."),
            )
            .attr(
                "fields",
                A::optional(Type::Map(Box::new(Type::String)))
                    .describe("Paths and the values to wait for (`*` for any value)."),
            );
        let field_manager = BlockSchema::default()
            .attr("name", A::optional(Type::String).describe("Field manager name; default \"gantry\"."))
            .attr("force_conflicts", A::optional(Type::Bool).describe("Take ownership of fields other managers own."));
        let timeouts = BlockSchema::default()
            .attr("create", A::optional(Type::String))
            .attr("update", A::optional(Type::String))
            .attr("delete", A::optional(Type::String));
        let manifest = BlockSchema::default()
            .attr("manifest", A::required(Type::Any).describe("The object, as an HCL object or yamldecode(file(...))."))
            .attr("object", A::computed(Type::Any).describe("The object as stored in the cluster."))
            .attr(
                "computed_fields",
                A::optional(Type::List(Box::new(Type::String)))
                    .describe("Dotted paths the server may change; never drift."),
            )
            .block("wait", single(wait))
            .block("field_manager", single(field_manager))
            .block("timeouts", single(timeouts));
        let manifests = BlockSchema::default()
            .attr("content", A::required(Type::String).describe("Multi-document YAML; every document is an object."))
            .attr("manifests", A::computed(Type::Any).describe("The decoded documents."))
            .attr(
                "objects",
                A::computed(Type::Any)
                    .describe("The objects as stored in the cluster, by apiVersion/kind/namespace/name."),
            )
            .block(
                "field_manager",
                single(
                    BlockSchema::default()
                        .attr("name", A::optional(Type::String))
                        .attr("force_conflicts", A::optional(Type::Bool)),
                ),
            );
        let mut s = Schema { provider, ..Default::default() };
        s.resources.insert("kubernetes_manifest".into(), manifest);
        s.resources.insert("kubernetes_manifests".into(), manifests);
        s
    })
}

/// The identity of a manifest, or what is missing from it (namespace "default" for namespaced
/// kinds as the simulator knows them).
pub fn object_key(manifest: &Value) -> Result<ObjectKey, String> {
    let r = ObjRef::of(&manifest.clone().deep_unmarked().to_json())?;
    let namespace = if conn::cluster_scoped(&r.kind) {
        String::new()
    } else if r.namespace.is_empty() {
        "default".into()
    } else {
        r.namespace
    };
    Ok(ObjectKey { kind: r.kind, namespace, name: r.name })
}

type ListCache = HashMap<(String, String, String), Arc<tokio::sync::OnceCell<Result<Vec<Json>, String>>>>;

#[derive(Default)]
pub struct KubernetesProvider {
    connection: RwLock<Option<Arc<dyn Connection>>>,
    lists: std::sync::Mutex<ListCache>,
}

fn err(summary: &str, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(summary, detail)
}

/// Settings of one `kubernetes_manifest`, from its configuration or state.
struct Settings {
    manager: String,
    force: bool,
    rollout: bool,
    conditions: Vec<(String, String)>,
    fields: Vec<(String, String)>,
    computed_fields: Vec<String>,
    create: Duration,
    update: Duration,
    delete: Duration,
}

impl Settings {
    fn of(v: &Value) -> Settings {
        let v = v.clone().deep_unmarked().to_json();
        let s = |p: &str| v.pointer(p).and_then(Json::as_str).map(str::to_string);
        let t = |p: &str, d: u64| s(p).and_then(|x| fields::parse_duration(&x)).unwrap_or(Duration::from_secs(d));
        let mut conditions = Vec::new();
        let cond = v.pointer("/wait/condition").cloned().unwrap_or(Json::Null);
        let items = match cond {
            Json::Array(a) => a,
            Json::Null => Vec::new(),
            other => vec![other],
        };
        for c in items {
            let ty = c.get("type").and_then(Json::as_str).unwrap_or_default().to_string();
            let st = c.get("status").and_then(Json::as_str).unwrap_or("True").to_string();
            if !ty.is_empty() {
                conditions.push((ty, st));
            }
        }
        let fields = v
            .pointer("/wait/fields")
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, x)| (k.clone(), x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Settings {
            manager: s("/field_manager/name").filter(|x| !x.is_empty()).unwrap_or_else(|| "gantry".into()),
            force: v.pointer("/field_manager/force_conflicts").and_then(Json::as_bool).unwrap_or(false),
            rollout: v.pointer("/wait/rollout").and_then(Json::as_bool).unwrap_or(false),
            conditions,
            fields,
            computed_fields: v
                .get("computed_fields")
                .and_then(Json::as_array)
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            create: t("/timeouts/create", 600),
            update: t("/timeouts/update", 600),
            delete: t("/timeouts/delete", 300),
        }
    }

    fn waits_for_anything(&self) -> bool {
        self.rollout || !self.conditions.is_empty() || !self.fields.is_empty()
    }
}

/// The identity that, when changed, makes a manifest a different object.
fn identity(m: &Json) -> Option<(String, String, String)> {
    let r = ObjRef::of(m).ok()?;
    let ns = if conn::cluster_scoped(&r.kind) || !r.namespace.is_empty() { r.namespace } else { "default".into() };
    Some((r.kind, ns, r.name))
}

fn manifest_json(v: &Value) -> Result<Json, ProviderError> {
    match v.get("manifest") {
        Some(m) if m.as_object().is_some() => Ok(fields::apply_body(&m.clone().deep_unmarked().to_json())),
        _ => Err(err("Invalid manifest", "manifest must be an object with apiVersion, kind and metadata")),
    }
}

fn with_attrs(base: &Value, entries: Vec<(&str, Value)>) -> Value {
    let mut out = match base.unmarked() {
        Value::Object(m) => m.clone(),
        _ => Default::default(),
    };
    for (k, v) in entries {
        out.insert(k.to_string(), v);
    }
    Value::Object(out)
}

/// A Secret's stored object carries its data: keep it out of plans and output.
fn object_value(manifest: &Json, obj: &Json) -> Value {
    let v = Value::from_json(obj);
    if manifest.get("kind").and_then(Json::as_str) == Some("Secret") {
        v.mark_sensitive()
    } else {
        v
    }
}

impl KubernetesProvider {
    fn conn(&self) -> Result<Arc<dyn Connection>, ProviderError> {
        self.connection
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| err("Provider not configured", "the kubernetes provider has no cluster connection"))
    }

    /// One LIST per (apiVersion, kind, namespace) for the life of this provider instance's refresh.
    async fn listed(&self, conn: &dyn Connection, key: (String, String, String)) -> Result<Vec<Json>, String> {
        let cell = self.lists.lock().unwrap_or_else(|e| e.into_inner()).entry(key.clone()).or_default().clone();
        cell.get_or_init(|| async { conn.list(&key.0, &key.1, &key.2).await.map_err(|e| e.to_string()) }).await.clone()
    }

    fn refreshed(&self, state: &Value, manifest: &Json, live: &Json) -> Value {
        let settings = Settings::of(state);
        let mut view = fields::managed_view(live, manifest, &settings.manager);
        fields::keep_paths(&mut view, manifest, &settings.computed_fields);
        with_attrs(state, vec![("manifest", Value::from_json(&view)), ("object", object_value(manifest, live))])
    }

    /// Applies one object by server-side apply. When its kind or namespace is not there yet
    /// (a CRD or Namespace of the same run is still being applied), retries until it is.
    async fn apply_object(
        &self,
        conn: &dyn Connection,
        manifest: &Json,
        s: &Settings,
        timeout: Duration,
    ) -> Result<Json, String> {
        let r = ObjRef::of(manifest)?;
        let deadline = Instant::now() + timeout;
        let opts = ApplyOptions { field_manager: &s.manager, force: s.force, dry_run: false };
        let mut live = loop {
            match conn.apply(manifest, &opts).await {
                Ok(o) => break o,
                Err(e @ (ConnError::UnknownKind(_) | ConnError::NoNamespace(_))) if conn.waits() => {
                    if Instant::now() >= deadline {
                        return Err(format!("{r}: {e} (waited {}s for it to appear)", timeout.as_secs()));
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    conn.refresh_discovery();
                }
                Err(ConnError::Conflict(m)) => return Err(format!("{r}: server-side apply conflict: {m}")),
                Err(e) => return Err(format!("{r}: {e}")),
            }
        };
        self.lists.lock().unwrap_or_else(|e| e.into_inner()).clear();
        if !conn.waits() {
            return Ok(live);
        }
        if r.kind == "CustomResourceDefinition" {
            while !fields::crd_established(&live) {
                if Instant::now() >= deadline {
                    return Err(format!(
                        "{r} was applied but did not become Established within {}s",
                        timeout.as_secs()
                    ));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
                live = conn
                    .get(&r)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("{r} disappeared while waiting for Established"))?;
            }
            conn.refresh_discovery();
        }
        if s.waits_for_anything() {
            live = self.wait_ready(conn, &r, live, s, deadline, timeout).await?;
        }
        Ok(live)
    }

    async fn wait_ready(
        &self,
        conn: &dyn Connection,
        r: &ObjRef,
        mut live: Json,
        s: &Settings,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Json, String> {
        loop {
            let mut pending = Vec::new();
            if s.rollout {
                let status = if r.kind == "Job" {
                    let pods = match fields::job_status(&live, &[]) {
                        Err(_) => self.job_pods(conn, r).await,
                        Ok(_) => Vec::new(),
                    };
                    fields::job_status(&live, &pods)
                } else {
                    fields::rollout_status(&r.kind, &live)
                };
                match status {
                    Ok(true) => {}
                    Ok(false) => pending.push("rollout".to_string()),
                    Err(e) => return Err(format!("{r}: {e}")),
                }
            }
            for (ty, st) in &s.conditions {
                if !fields::condition_is(&live, ty, st) {
                    pending.push(format!("condition {ty}={st}"));
                }
            }
            for (path, want) in &s.fields {
                if !fields::fields_match(&live, &[(path.clone(), want.clone())]) {
                    pending.push(format!("{path} = {want}"));
                }
            }
            if pending.is_empty() {
                return Ok(live);
            }
            if Instant::now() >= deadline {
                return Err(format!("timed out after {}s waiting for {r}: {}", timeout.as_secs(), pending.join(", ")));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            live = conn
                .get(r)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{r} disappeared while waiting for it"))?;
        }
    }

    /// A Job's pods (by the `job-name` label), to say why it failed.
    async fn job_pods(&self, conn: &dyn Connection, job: &ObjRef) -> Vec<Json> {
        let ns = conn.namespace_of(job).await.unwrap_or_default();
        conn.list("v1", "Pod", &ns)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.pointer("/metadata/labels/job-name").and_then(Json::as_str) == Some(job.name.as_str()))
            .collect()
    }

    async fn delete_object(&self, conn: &dyn Connection, r: &ObjRef, timeout: Duration) -> Result<(), String> {
        let existed = conn.delete(r).await.map_err(|e| format!("{r}: {e}"))?;
        self.lists.lock().unwrap_or_else(|e| e.into_inner()).clear();
        if !existed || !conn.waits() {
            return Ok(());
        }
        let deadline = Instant::now() + timeout;
        while conn.get(r).await.map_err(|e| e.to_string())?.is_some() {
            if Instant::now() >= deadline {
                return Err(format!("{r} was deleted but is still there after {}s (finalizers?)", timeout.as_secs()));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }

    async fn plan_manifest(&self, req: &PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let schema = &schema().resources["kubernetes_manifest"];
        let mut resp = plan_by_schema(schema, req.prior, req.config);
        let manifest = req.config.get("manifest").cloned().unwrap_or(Value::Null);
        if manifest.contains_unknown() || manifest.as_object().is_none() {
            return Ok(resp);
        }
        let m = manifest_json(req.config)?;
        let prior_manifest = req.prior.and_then(|p| p.get("manifest")).map(|v| v.clone().deep_unmarked().to_json());
        let prior_object = req.prior.and_then(|p| p.get("object")).filter(|o| !o.is_null()).cloned();
        let conn = self.connection.read().unwrap_or_else(|e| e.into_inner()).clone();
        let object = match (&prior_manifest, prior_object, &conn) {
            (Some(pm), Some(po), _) if *pm == m => po,
            (_, _, Some(c)) if c.supports_dry_run() => {
                let s = Settings::of(req.config);
                match c.apply(&m, &ApplyOptions { field_manager: &s.manager, force: s.force, dry_run: true }).await {
                    Ok(o) => object_value(&m, &o),
                    Err(ConnError::Conflict(msg)) => {
                        return Err(err("Server-side apply conflict", msg).at(vec![PathStep::Key("manifest".into())]));
                    }
                    // The kind or namespace is created by this same apply, or the server cannot say yet.
                    Err(_) => Value::Unknown,
                }
            }
            (_, _, Some(_)) => object_value(&m, &m),
            _ => Value::Unknown,
        };
        if let Value::Object(map) = &mut resp.planned {
            // Keep the configuration's marks (a sensitive value in the manifest stays sensitive).
            map.insert(
                "manifest".into(),
                if req.config.get("manifest").map(Value::contains_sensitive) == Some(true) {
                    manifest
                } else {
                    Value::from_json(&m)
                },
            );
            map.insert("object".into(), object);
        }
        if let Some(pm) = &prior_manifest {
            if identity(pm) != identity(&m) {
                resp.requires_replace.push(vec![PathStep::Key("manifest".into())]);
            }
        }
        Ok(resp)
    }

    async fn plan_manifests(&self, req: &PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let schema = &schema().resources["kubernetes_manifests"];
        let mut resp = plan_by_schema(schema, req.prior, req.config);
        let content = req.config.get("content").cloned().unwrap_or(Value::Null);
        if content.contains_unknown() {
            return Ok(resp);
        }
        let docs = decode_documents(content.unmarked().as_str().unwrap_or_default())?;
        let same = req.prior.and_then(|p| p.get("manifests")).map(|v| v.clone().deep_unmarked().to_json())
            == Some(Json::Array(docs.clone()));
        if let Value::Object(map) = &mut resp.planned {
            map.insert("manifests".into(), Value::from_json(&Json::Array(docs)));
            let objects = match req.prior.and_then(|p| p.get("objects")) {
                Some(o) if same && !o.is_null() => o.clone(),
                _ => Value::Unknown,
            };
            map.insert("objects".into(), objects);
        }
        Ok(resp)
    }
}

/// The documents of a multi-document YAML file, each checked to be an object with an identity.
pub fn decode_documents(text: &str) -> Result<Vec<Json>, ProviderError> {
    let docs = gantry_core::funcs::yaml_decode_all(text).map_err(|e| err("Invalid YAML", e))?;
    let mut out = Vec::new();
    for (i, d) in docs.into_iter().enumerate() {
        let j = fields::apply_body(&d.to_json());
        ObjRef::of(&j).map_err(|e| err("Invalid manifest", format!("document {}: {e}", i + 1)))?;
        out.push(j);
    }
    Ok(out)
}

/// Apply order inside one `kubernetes_manifests`: Namespaces and CRDs first, as `kubectl apply` users expect.
fn kind_rank(m: &Json) -> u8 {
    match m.get("kind").and_then(Json::as_str) {
        Some("Namespace") => 0,
        Some("CustomResourceDefinition") => 1,
        _ => 2,
    }
}

fn ref_key(r: &ObjRef) -> String {
    format!("{}/{}/{}/{}", r.api_version, r.kind, r.namespace, r.name)
}

/// Parses an import ID: `apiVersion/kind/namespace/name`, or `apiVersion/kind/name` for a
/// cluster-scoped object (apiVersion may be `group/version`).
pub fn parse_import_id(id: &str) -> Result<ObjRef, String> {
    let parts: Vec<&str> = id.split('/').collect();
    let is_version = |s: &str| {
        s.strip_prefix('v').map(|r| r.chars().next().is_some_and(|c| c.is_ascii_digit())).unwrap_or(false)
            && !s.contains('.')
    };
    let mk = |av: String, kind: &str, ns: &str, name: &str| ObjRef {
        api_version: av,
        kind: kind.into(),
        namespace: ns.into(),
        name: name.into(),
    };
    let r = match parts.as_slice() {
        [v, kind, name] => mk(v.to_string(), kind, "", name),
        [v, kind, ns, name] if is_version(v) => mk(v.to_string(), kind, ns, name),
        [g, v, kind, name] => mk(format!("{g}/{v}"), kind, "", name),
        [g, v, kind, ns, name] => mk(format!("{g}/{v}"), kind, ns, name),
        _ => {
            return Err("use apiVersion/kind/namespace/name, or apiVersion/kind/name for a cluster-scoped object".into())
        }
    };
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("\"{id}\" has an empty part; use apiVersion/kind/namespace/name"));
    }
    Ok(r)
}

#[async_trait::async_trait]
impl Provider for KubernetesProvider {
    fn schema(&self) -> &Schema {
        schema()
    }

    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        let conn: Arc<dyn Connection> = match req.config.get("local_cluster").and_then(|v| v.as_str()) {
            Some(cluster) => {
                Arc::new(LocalConnection { sim: Sim::new(&req.working_dir), cluster: cluster.to_string() })
            }
            None => {
                let cfg = req.config.clone().deep_unmarked().to_json();
                Arc::new(conn::connect(&cfg).await.map_err(|e| err("No cluster connection", e))?)
            }
        };
        *self.connection.write().unwrap_or_else(|e| e.into_inner()) = Some(conn);
        Ok(())
    }

    fn validate(&self, req: ValidateRequest<'_>) -> Vec<ProviderError> {
        if req.type_name == "kubernetes_manifests" {
            return match req.config.get("content").map(Value::unmarked) {
                Some(Value::String(s)) => {
                    decode_documents(s).err().map(|e| e.at(vec![PathStep::Key("content".into())])).into_iter().collect()
                }
                _ => Vec::new(),
            };
        }
        match req.config.get("manifest") {
            Some(m) if m.contains_unknown() || m.is_null() => Vec::new(),
            Some(m) if m.as_object().is_none() => vec![err(
                "Invalid manifest",
                format!(
                    "manifest must be an object, but this is a {}. For YAML text, use yamldecode(...).",
                    m.type_name()
                ),
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
        if req.type_name == "kubernetes_manifests" {
            let docs = req.state.get("manifests").map(|v| v.clone().deep_unmarked().to_json()).unwrap_or(Json::Null);
            let mut objects = serde_json::Map::new();
            let mut any = false;
            for d in docs.as_array().into_iter().flatten() {
                let r = ObjRef::of(d).map_err(|e| err("Invalid manifest", e))?;
                if let Some(live) = conn.get(&r).await.map_err(|e| err("Read failed", e.to_string()))? {
                    any = true;
                    objects.insert(ref_key(&r), live);
                }
            }
            // Every object gone is the resource gone; some gone is drift that apply repairs.
            if !any {
                return Ok(None);
            }
            let complete = objects.len() == docs.as_array().map(Vec::len).unwrap_or(0);
            let manifests =
                if complete { req.state.get("manifests").cloned().unwrap_or(Value::Null) } else { Value::Null };
            return Ok(Some(with_attrs(
                req.state,
                vec![("objects", Value::from_json(&Json::Object(objects))), ("manifests", manifests)],
            )));
        }
        let manifest = manifest_json(req.state)?;
        let r = ObjRef::of(&manifest).map_err(|e| err("Invalid manifest", e))?;
        let live = conn.get(&r).await.map_err(|e| err("Read failed", e.to_string()))?;
        Ok(live.map(|live| self.refreshed(req.state, &manifest, &live)))
    }

    /// Lists each (apiVersion, kind, namespace) once and picks the objects out of the lists.
    async fn read_batch(&self, reqs: Vec<ReadRequest<'_>>) -> Vec<Result<Option<Value>, ProviderError>> {
        let Ok(conn) = self.conn() else {
            let mut out = Vec::new();
            for r in reqs {
                out.push(self.read(r).await);
            }
            return out;
        };
        let mut out = Vec::with_capacity(reqs.len());
        for req in reqs {
            if req.type_name != "kubernetes_manifest" {
                out.push(self.read(req).await);
                continue;
            }
            let manifest = match manifest_json(req.state) {
                Ok(m) => m,
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            };
            let r = match ObjRef::of(&manifest) {
                Ok(r) => r,
                Err(e) => {
                    out.push(Err(err("Invalid manifest", e)));
                    continue;
                }
            };
            let ns = match conn.namespace_of(&r).await {
                Ok(ns) => ns,
                // The kind is gone from the server (its CRD was deleted): so is the object.
                Err(ConnError::UnknownKind(_)) => {
                    out.push(Ok(None));
                    continue;
                }
                Err(e) => {
                    out.push(Err(err("Read failed", e.to_string())));
                    continue;
                }
            };
            let listed = self.listed(conn.as_ref(), (r.api_version.clone(), r.kind.clone(), ns.clone())).await;
            out.push(match listed {
                Ok(items) => Ok(items
                    .iter()
                    .find(|o| {
                        o.pointer("/metadata/name").and_then(Json::as_str) == Some(r.name.as_str())
                            && (ns.is_empty()
                                || o.pointer("/metadata/namespace").and_then(Json::as_str).unwrap_or(ns.as_str()) == ns)
                    })
                    .map(|live| self.refreshed(req.state, &manifest, live))),
                Err(e) => Err(err("Read failed", e)),
            });
        }
        out
    }

    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        if req.type_name == "kubernetes_manifests" {
            return self.plan_manifests(&req).await;
        }
        self.plan_manifest(&req).await
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let conn = self.conn()?;
        if req.type_name == "kubernetes_manifests" {
            return self.apply_manifests(conn.as_ref(), &req).await;
        }
        match req.planned {
            None => {
                let prior = req.prior.unwrap_or(&Value::Null);
                let manifest = manifest_json(prior)?;
                let r = ObjRef::of(&manifest).map_err(|e| err("Invalid manifest", e))?;
                self.delete_object(conn.as_ref(), &r, Settings::of(prior).delete)
                    .await
                    .map_err(|e| err("Delete failed", e))?;
                Ok(None)
            }
            Some(planned) => {
                let manifest = manifest_json(planned)?;
                let s = Settings::of(planned);
                let timeout = if req.prior.is_some() { s.update } else { s.create };
                let live = self
                    .apply_object(conn.as_ref(), &manifest, &s, timeout)
                    .await
                    .map_err(|e| err("Apply failed", e))?;
                let manifest_value = planned.get("manifest").cloned().unwrap_or_else(|| Value::from_json(&manifest));
                Ok(Some(with_attrs(
                    planned,
                    vec![("manifest", manifest_value), ("object", object_value(&manifest, &live))],
                )))
            }
        }
    }

    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let conn = self.conn()?;
        let r = parse_import_id(req.id).map_err(|e| err("Invalid import ID", e))?;
        let live = conn.get(&r).await.map_err(|e| err("Read failed", e.to_string()))?;
        Ok(live.map(|obj| {
            Value::object([
                ("manifest", Value::from_json(&fields::importable(&obj))),
                ("object", Value::from_json(&obj)),
                ("computed_fields", Value::Null),
                ("wait", Value::Null),
                ("field_manager", Value::Null),
                ("timeouts", Value::Null),
            ])
        }))
    }

    fn delete_order(&self, type_name: &str, state: &Value) -> (Vec<String>, Vec<String>) {
        if type_name != "kubernetes_manifest" {
            return (Vec::new(), Vec::new());
        }
        let Ok(m) = manifest_json(state) else { return (Vec::new(), Vec::new()) };
        delete_order_keys(&m)
    }
}

/// What an object provides to others and needs from them, for ordering deletes (and
/// documenting the create order the provider enforces by waiting): a Namespace provides
/// `namespace/NAME`; a CRD provides `kind/GROUP/KIND`; a namespaced object needs its
/// namespace, and an object of a non-built-in group needs its kind.
pub fn delete_order_keys(m: &Json) -> (Vec<String>, Vec<String>) {
    let Ok(r) = ObjRef::of(m) else { return (Vec::new(), Vec::new()) };
    let mut provides = Vec::new();
    let mut needs = Vec::new();
    match r.kind.as_str() {
        "Namespace" => provides.push(format!("namespace/{}", r.name)),
        "CustomResourceDefinition" => {
            let group = m.pointer("/spec/group").and_then(Json::as_str).unwrap_or_default();
            if let Some(kind) = m.pointer("/spec/names/kind").and_then(Json::as_str) {
                provides.push(format!("kind/{group}/{kind}"));
            }
        }
        _ => {}
    }
    if !r.namespace.is_empty() && r.kind != "Namespace" {
        needs.push(format!("namespace/{}", r.namespace));
    }
    if let Some((group, _)) = r.api_version.split_once('/') {
        needs.push(format!("kind/{group}/{}", r.kind));
    }
    (provides, needs)
}

impl KubernetesProvider {
    async fn apply_manifests(
        &self,
        conn: &dyn Connection,
        req: &ApplyRequest<'_>,
    ) -> Result<Option<Value>, ProviderError> {
        let docs_of = |v: Option<&Value>| -> Vec<Json> {
            v.and_then(|p| p.get("manifests"))
                .map(|m| m.clone().deep_unmarked().to_json())
                .and_then(|j| j.as_array().cloned())
                .unwrap_or_default()
        };
        let old = docs_of(req.prior);
        let Some(planned) = req.planned else {
            let mut docs = old;
            docs.sort_by_key(kind_rank);
            for d in docs.iter().rev() {
                let r = ObjRef::of(d).map_err(|e| err("Invalid manifest", e))?;
                self.delete_object(conn, &r, Duration::from_secs(300)).await.map_err(|e| err("Delete failed", e))?;
            }
            return Ok(None);
        };
        let content =
            planned.get("content").and_then(|v| v.unmarked().as_str().map(str::to_string)).unwrap_or_default();
        let mut docs = decode_documents(&content)?;
        docs.sort_by_key(kind_rank);
        let s = Settings::of(planned);
        let mut objects = serde_json::Map::new();
        for d in &docs {
            let live = self.apply_object(conn, d, &s, s.create).await.map_err(|e| err("Apply failed", e))?;
            objects.insert(ref_key(&ObjRef::of(d).map_err(|e| err("Invalid manifest", e))?), live);
        }
        // Objects no longer in the file are deleted.
        let new_ids: Vec<_> = docs.iter().filter_map(identity).collect();
        for d in old.iter().rev() {
            if identity(d).map(|i| !new_ids.contains(&i)).unwrap_or(false) {
                let r = ObjRef::of(d).map_err(|e| err("Invalid manifest", e))?;
                self.delete_object(conn, &r, Duration::from_secs(300)).await.map_err(|e| err("Delete failed", e))?;
            }
        }
        let manifests = decode_documents(&content)?;
        Ok(Some(with_attrs(
            planned,
            vec![
                ("manifests", Value::from_json(&Json::Array(manifests))),
                ("objects", Value::from_json(&Json::Object(objects))),
            ],
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_default_namespace_and_cluster_scope() {
        let m = Value::from_json(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}));
        assert_eq!(object_key(&m).unwrap().namespace, "default");
        let ns = Value::from_json(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}}));
        assert_eq!(object_key(&ns).unwrap().namespace, "");
        assert!(object_key(&Value::object([("kind", Value::string("X"))])).is_err());
    }

    #[test]
    fn import_ids() {
        let r = parse_import_id("apps/v1/Deployment/serving/llm").unwrap();
        assert_eq!(
            (r.api_version.as_str(), r.kind.as_str(), r.namespace.as_str(), r.name.as_str()),
            ("apps/v1", "Deployment", "serving", "llm")
        );
        let r = parse_import_id("v1/ConfigMap/ml/settings").unwrap();
        assert_eq!((r.api_version.as_str(), r.namespace.as_str()), ("v1", "ml"));
        let r = parse_import_id("v1/Namespace/ml").unwrap();
        assert_eq!((r.kind.as_str(), r.namespace.as_str(), r.name.as_str()), ("Namespace", "", "ml"));
        let r = parse_import_id("apiextensions.k8s.io/v1/CustomResourceDefinition/models.ml.example.com").unwrap();
        assert_eq!((r.api_version.as_str(), r.namespace.as_str()), ("apiextensions.k8s.io/v1", ""));
        assert!(parse_import_id("ConfigMap").is_err());
        assert!(parse_import_id("v1/ConfigMap//x").is_err());
    }

    #[test]
    fn crds_before_their_resources_and_namespaces_before_their_objects() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "models.ml.example.com"},
            "spec": {"group": "ml.example.com", "names": {"kind": "Model", "plural": "models"}, "scope": "Namespaced"}});
        let cr = json!({"apiVersion": "ml.example.com/v1", "kind": "Model", "metadata": {"name": "llama", "namespace": "ml"}});
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}});
        let (crd_provides, crd_needs) = delete_order_keys(&crd);
        let (ns_provides, _) = delete_order_keys(&ns);
        let (_, cr_needs) = delete_order_keys(&cr);
        assert_eq!(crd_provides, vec!["kind/ml.example.com/Model"]);
        assert!(crd_needs.iter().all(|n| !crd_provides.contains(n)), "a CRD does not wait on itself: {crd_needs:?}");
        assert!(cr_needs.contains(&"kind/ml.example.com/Model".to_string()));
        assert!(cr_needs.contains(&ns_provides[0]));
        let mut docs = vec![cr.clone(), crd.clone(), ns.clone()];
        docs.sort_by_key(kind_rank);
        assert_eq!(docs, vec![ns, crd, cr]);
    }

    #[test]
    fn multi_document_yaml() {
        let docs = decode_documents("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert!(decode_documents("apiVersion: v1\nkind: ConfigMap\n").is_err());
    }

    /// The SSA body is the manifest as written: no server metadata, no nulls, nothing added.
    #[tokio::test]
    async fn plan_without_a_connection_keeps_manifest_and_replaces_on_identity_change() {
        let p = KubernetesProvider::default();
        let cfg = |name: &str| {
            Value::from_json(
                &json!({"manifest": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": null}, "data": {"a": "1"}}}),
            )
        };
        let c = cfg("a");
        let resp = p.plan(PlanRequest { type_name: "kubernetes_manifest", prior: None, config: &c }).await.unwrap();
        assert_eq!(
            resp.planned.get("manifest").unwrap().to_json(),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"a": "1"}})
        );
        assert_eq!(resp.planned.get("object"), Some(&Value::Unknown));
        let prior = with_attrs(&resp.planned, vec![("object", Value::from_json(&json!({})))]);
        let c2 = cfg("b");
        let resp =
            p.plan(PlanRequest { type_name: "kubernetes_manifest", prior: Some(&prior), config: &c2 }).await.unwrap();
        assert_eq!(resp.requires_replace, vec![vec![PathStep::Key("manifest".into())]]);
    }
}
