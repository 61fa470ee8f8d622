//! Applying, waiting for and deleting objects through a [`Connection`]: the
//! ordering and waiting logic, written once for every kind of cluster.

use crate::fields;
use crate::manifests::{decode_documents, identity, kind_rank, object_value, ref_key, with_attrs};
use crate::settings::Settings;
use crate::{err, KubernetesProvider, Listing};
use gantry_core::cluster::{ApplyOptions, ConnError, Connection, ObjRef};
use gantry_core::provider::{ApplyRequest, ProviderError};
use gantry_core::value::Value;
use serde_json::Value as Json;
use std::sync::Arc;
use std::time::{Duration, Instant};

impl KubernetesProvider {
    pub(crate) fn conn(&self) -> Result<Arc<dyn Connection>, ProviderError> {
        self.connection
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| err("Provider not configured", "the kubernetes provider has no cluster connection"))
    }

    /// One LIST per (apiVersion, kind, namespace) for the life of this provider instance's refresh.
    async fn listed(&self, conn: &dyn Connection, key: (String, String, String)) -> Result<Listing, String> {
        let cell = self.lists.lock().unwrap_or_else(|e| e.into_inner()).entry(key.clone()).or_default().clone();
        cell.get_or_init(|| async {
            let items = conn.list(&key.0, &key.1, &key.2).await.map_err(|e| e.to_string())?;
            let by_name = items
                .into_iter()
                .map(|o| {
                    let at = |p: &str| o.pointer(p).and_then(Json::as_str).map(str::to_string);
                    // A namespaced LIST holds that namespace's objects, whether or not each names it.
                    (
                        (
                            at("/metadata/namespace").unwrap_or_else(|| key.2.clone()),
                            at("/metadata/name").unwrap_or_default(),
                        ),
                        o,
                    )
                })
                .collect();
            Ok(Arc::new(by_name))
        })
        .await
        .clone()
    }

    /// The live object `r` names, picked out of its kind's LIST in its namespace.
    pub(crate) async fn live(&self, conn: &dyn Connection, r: &ObjRef) -> Result<Option<Json>, ProviderError> {
        let ns = match conn.namespace_of(r).await {
            Ok(ns) => ns,
            // The kind is gone from the server (its CRD was deleted): so is the object.
            Err(ConnError::UnknownKind(_)) => return Ok(None),
            Err(e) => return Err(err("Read failed", e.to_string())),
        };
        let listing = self
            .listed(conn, (r.api_version.clone(), r.kind.clone(), ns.clone()))
            .await
            .map_err(|e| err("Read failed", e))?;
        Ok(listing.get(&(ns, r.name.clone())).cloned())
    }

    pub(crate) fn refreshed(&self, state: &Value, manifest: &Json, live: &Json) -> Value {
        let settings = Settings::of(state);
        let mut view = fields::managed_view(live, manifest, &settings.manager);
        fields::keep_paths(&mut view, manifest, &settings.computed_fields);
        with_attrs(state, vec![("manifest", Value::from_json(&view)), ("object", object_value(manifest, live))])
    }

    /// Applies one object by server-side apply. When its kind or namespace is not there yet
    /// (a CRD or Namespace of the same run is still being applied), retries until it is.
    pub(crate) async fn apply_object(
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

    pub(crate) async fn wait_ready(
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
    pub(crate) async fn job_pods(&self, conn: &dyn Connection, job: &ObjRef) -> Vec<Json> {
        let ns = conn.namespace_of(job).await.unwrap_or_default();
        conn.list("v1", "Pod", &ns)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.pointer("/metadata/labels/job-name").and_then(Json::as_str) == Some(job.name.as_str()))
            .collect()
    }

    pub(crate) async fn delete_object(
        &self,
        conn: &dyn Connection,
        r: &ObjRef,
        timeout: Duration,
    ) -> Result<(), String> {
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
}

impl KubernetesProvider {
    pub(crate) async fn apply_manifests(
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
