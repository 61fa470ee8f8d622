//! `crds`: OpenAPI definitions of custom types whose `x-kubernetes-*`
//! extensions extend the built-in field specs (kustomize's
//! `LoadConfigFromCRDs`): `x-kubernetes-annotation` and
//! `x-kubernetes-label-selector` fields get common annotations and labels,
//! `x-kubernetes-identity` fields get the name prefix and suffix, and
//! `x-kubernetes-object-ref-kind` (+ `-api-version`, `-name-key`) fields
//! become name references.

use std::path::Path;

use serde_json::Value;

use super::ExtraConfig;
use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;

/// Reads one definitions file (JSON or YAML: `{typeName: {Schema: ...}}`).
pub fn load(text: &str, origin: &Path, kfile: &Path) -> Result<ExtraConfig> {
    let defs = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| Error::file(origin, format!("invalid JSON: {e}")))?
    } else {
        crate::yaml_in::parse_one(text, origin)?
    };
    let Value::Object(map) = &defs else {
        return Err(Error::field(
            kfile,
            "crds",
            format!("{}: expected a map of type names to definitions", origin.display()),
        ));
    };
    let mut cfg = ExtraConfig::default();
    let mut names: Vec<&String> = map.keys().collect();
    names.sort();
    for name in names {
        let props = properties(&map[name.as_str()]);
        if !["kind", "apiVersion", "metadata"].iter().all(|k| props.is_some_and(|p| p.contains_key(*k))) {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name).to_string();
        walk(&mut cfg, &kind, &defs, name, &mut Vec::new(), 0);
    }
    Ok(cfg)
}

fn properties(def: &Value) -> Option<&serde_json::Map<String, Value>> {
    def.get("Schema").and_then(|s| s.get("properties")).and_then(Value::as_object)
}

/// Definitions refer to each other; the depth bound stops reference cycles.
fn walk(cfg: &mut ExtraConfig, kind: &str, defs: &Value, type_name: &str, path: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Some(props) = defs.get(type_name).and_then(properties) else { return };
    for (prop, p) in props {
        path.push(prop.clone());
        let spec = |path: &[String]| FieldSpec { kind: kind.to_string(), path: path.join("/"), ..Default::default() };
        let ext = |k: &str| p.get(k).and_then(Value::as_str);
        if ext("x-kubernetes-annotation").is_some() {
            cfg.annotations.push(spec(path));
        }
        if ext("x-kubernetes-label-selector").is_some() {
            cfg.labels.push(spec(path));
        }
        if ext("x-kubernetes-identity").is_some() {
            cfg.prefix.push(spec(path));
            cfg.suffix.push(spec(path));
        }
        if let (Some(version), Some(ref_kind)) =
            (ext("x-kubernetes-object-ref-api-version"), ext("x-kubernetes-object-ref-kind"))
        {
            let key = ext("x-kubernetes-object-ref-name-key").unwrap_or("name");
            let mut full = path.clone();
            full.push(key.to_string());
            cfg.namerefs.push((ref_kind.to_string(), String::new(), version.to_string(), spec(&full)));
        }
        if let Some(r) = p.get("$ref").and_then(Value::as_str) {
            walk(cfg, kind, defs, r, path, depth + 1);
        }
        path.pop();
    }
}
