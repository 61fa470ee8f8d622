//! Kubernetes objects as the provider handles them: identities, the stored
//! attribute shapes, multi-document YAML, import IDs and delete ordering.

use crate::err;
use crate::fields;
use gantry_core::cluster::{cluster_scoped, ObjRef};
use gantry_core::provider::ProviderError;
use gantry_core::value::Value;
use serde_json::Value as Json;

/// The identity of a manifest, or what is missing from it; a namespaced kind
/// without a namespace is in "default", as the simulator stores it.
pub fn object_key(manifest: &Value) -> Result<ObjRef, String> {
    let mut r = ObjRef::of(&manifest.clone().deep_unmarked().to_json())?;
    if cluster_scoped(&r.kind) {
        r.namespace.clear();
    } else if r.namespace.is_empty() {
        r.namespace = "default".into();
    }
    Ok(r)
}

/// The identity that, when changed, makes a manifest a different object.
pub(crate) fn identity(m: &Json) -> Option<(String, String, String)> {
    let r = ObjRef::of(m).ok()?;
    let ns = if cluster_scoped(&r.kind) || !r.namespace.is_empty() { r.namespace } else { "default".into() };
    Some((r.kind, ns, r.name))
}

pub(crate) fn manifest_json(v: &Value) -> Result<Json, ProviderError> {
    match v.get("manifest") {
        Some(m) if m.as_object().is_some() => Ok(fields::apply_body(&m.clone().deep_unmarked().to_json())),
        _ => Err(err("Invalid manifest", "manifest must be an object with apiVersion, kind and metadata")),
    }
}

pub(crate) fn with_attrs(base: &Value, entries: Vec<(&str, Value)>) -> Value {
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
pub(crate) fn object_value(manifest: &Json, obj: &Json) -> Value {
    let v = Value::from_json(obj);
    if manifest.get("kind").and_then(Json::as_str) == Some("Secret") {
        v.mark_sensitive()
    } else {
        v
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
pub(crate) fn kind_rank(m: &Json) -> u8 {
    match m.get("kind").and_then(Json::as_str) {
        Some("Namespace") => 0,
        Some("CustomResourceDefinition") => 1,
        _ => 2,
    }
}

pub(crate) fn ref_key(r: &ObjRef) -> String {
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
