//! Planning a manifest or a bundle: what the object will look like after
//! apply (from a server-side dry run when the server offers one), and when a
//! change of identity means replacement.

use crate::manifests::{decode_documents, identity, manifest_json, object_value};
use crate::schema::schema;
use crate::settings::Settings;
use crate::{err, KubernetesProvider};
use gantry_core::cluster::{ApplyOptions, ConnError};
use gantry_core::provider::{plan_by_schema, PlanRequest, PlanResponse, ProviderError};
use gantry_core::value::{PathStep, Value};
use serde_json::Value as Json;

impl KubernetesProvider {
    pub(crate) async fn plan_manifest(&self, req: &PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
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
                    Ok(o) => unsettled_server_fields(object_value(&m, &o), req.prior.is_none()),
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

    pub(crate) async fn plan_manifests(&self, req: &PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
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

/// A dry run answers with what the server assigns anew on every call: a fresh
/// `resourceVersion`, for a new object a fresh `uid` and `creationTimestamp`, and a
/// `status` with the time of the call in it (a CRD's conditions). Those values are
/// not what apply will produce, so the plan shows them as known after apply: a plan
/// must only promise what apply will keep. `status` is the server's, never the
/// configuration's, so it is left unknown for updates too.
fn unsettled_server_fields(mut object: Value, creating: bool) -> Value {
    let Value::Object(o) = &mut object else { return object };
    if let Some(status) = o.get_mut("status") {
        *status = Value::Unknown;
    }
    let Some(Value::Object(metadata)) = o.get_mut("metadata") else {
        return object;
    };
    let mut volatile = vec!["resourceVersion", "generation", "managedFields"];
    if creating {
        volatile.extend(["uid", "creationTimestamp"]);
    }
    for field in volatile {
        if let Some(v) = metadata.get_mut(field) {
            *v = Value::Unknown;
        }
    }
    object
}

#[cfg(test)]
mod server_field_tests {
    use super::*;

    #[test]
    fn a_dry_run_object_promises_only_what_apply_keeps() {
        let dry_run = Value::from_json(&serde_json::json!({
            "kind": "Namespace",
            "metadata": {"name": "a", "uid": "u1", "resourceVersion": "7", "creationTimestamp": "t", "labels": {"x": "y"}},
            "status": {"conditions": [{"lastTransitionTime": "t"}]}
        }));
        let created = unsettled_server_fields(dry_run.clone(), true);
        let md = created.get("metadata").unwrap();
        assert_eq!(md.get("uid"), Some(&Value::Unknown));
        assert_eq!(md.get("resourceVersion"), Some(&Value::Unknown));
        assert_eq!(md.get("name"), Some(&Value::string("a")));
        assert_eq!(created.get("status"), Some(&Value::Unknown));
        let updated = unsettled_server_fields(dry_run, false);
        assert_eq!(updated.get("metadata").unwrap().get("uid"), Some(&Value::string("u1")));
    }
}
