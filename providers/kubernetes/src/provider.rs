//! The provider protocol's verbs for Kubernetes: configure a connection,
//! validate, read (batched: one LIST per kind and namespace), plan, apply,
//! import and delete ordering.

use crate::manifests::{
    decode_documents, delete_order_keys, manifest_json, object_key, object_value, parse_import_id, ref_key, with_attrs,
};
use crate::schema::schema;
use crate::settings::Settings;
use crate::{conn, err, fields, KubernetesProvider};
use gantry_core::cluster::{Connection, ObjRef};
use gantry_core::provider::{
    ApplyRequest, ConfigureRequest, ImportRequest, PlanRequest, PlanResponse, Provider, ProviderError, ReadRequest,
    Schema, ValidateRequest,
};
use gantry_core::value::{PathStep, Value};
use serde_json::Value as Json;
use std::sync::Arc;

#[async_trait::async_trait]
impl Provider for KubernetesProvider {
    fn schema(&self) -> &Schema {
        schema()
    }

    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        let policy = gantry_core::retry::RetryPolicy::from_config(&req.config)?;
        let conn: Arc<dyn Connection> = match req.config.get("local_cluster").and_then(|v| v.as_str()) {
            Some(cluster) => match &self.simulator {
                Some(sim) => sim.connect(&req.working_dir, cluster),
                None => {
                    return Err(err(
                        "No cluster connection",
                        "local_cluster names a simulated cluster, but this build has no simulator; connect to a real cluster instead",
                    ))
                }
            },
            None => {
                let cfg = req.config.clone().deep_unmarked().to_json();
                Arc::new(conn::connect(&cfg).await.map_err(|e| err("No cluster connection", e))?)
            }
        };
        let conn: Arc<dyn Connection> = Arc::new(crate::retrying::Retrying::new(conn, policy));
        *self.connection.write().unwrap_or_else(|e| e.into_inner()) = Some(conn);
        Ok(())
    }

    fn validate(&self, req: ValidateRequest<'_>) -> Vec<ProviderError> {
        if req.type_name == "kubernetes_manifests" {
            let content = req.config.get("content");
            return match content.map(Value::unmarked) {
                Some(Value::String(s)) => decode_documents(s)
                    .err()
                    .map(|e| match content {
                        // A YAML error can quote the text it stopped at.
                        Some(c) if c.contains_sensitive() => ProviderError::new(
                            e.summary,
                            "the content (sensitive value) is not valid YAML, or a document in it is not a manifest",
                        ),
                        _ => e,
                    })
                    .map(|e| e.at(vec![PathStep::Key("content".into())]))
                    .into_iter()
                    .collect(),
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
                if let Some(live) = self.live(conn.as_ref(), &r).await? {
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
            out.push(
                self.live(conn.as_ref(), &r).await.map(|live| live.map(|l| self.refreshed(req.state, &manifest, &l))),
            );
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
