//! Reading YAML streams into JSON values, one per non-empty document.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;

type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses every document of `text`; empty documents are skipped. Errors name
/// `origin` and carry the parser's line:column.
pub fn parse_documents(text: &str, origin: &Path) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        // Through serde_yaml_ng's own value first: it rejects duplicate keys,
        // as kustomize does.
        let yaml = serde_yaml_ng::Value::deserialize(doc).map_err(|e| Error::file(origin, yaml_error(&e)))?;
        let yaml = resolve_merge_keys(yaml).map_err(|e| Error::file(origin, yaml_error(&e)))?;
        let value = serde_json::to_value(&yaml).map_err(|e| Error::file(origin, format!("not representable as JSON: {e}")))?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

/// Parses a single document (a kustomization or a patch).
pub fn parse_one(text: &str, origin: &Path) -> Result<Value> {
    let mut docs = parse_documents(text, origin)?;
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0)),
        n => Err(Error::file(origin, format!("expected one YAML document, found {n}"))),
    }
}

fn yaml_error(e: &serde_yaml_ng::Error) -> String {
    match e.location() {
        Some(loc) => {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            format!("{}:{}: {}", loc.line(), loc.column(), msg)
        }
        None => e.to_string(),
    }
}

fn resolve_merge_keys(mut v: serde_yaml_ng::Value) -> Result<serde_yaml_ng::Value, serde_yaml_ng::Error> {
    v.apply_merge()?;
    Ok(v)
}

/// A kustomization file. kustomize reads these through sigs.k8s.io/yaml,
/// which lets a repeated key override the earlier one; so do we.
pub fn parse_kustomization(text: &str, origin: &Path) -> Result<Value> {
    let mut docs = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let value = Value::deserialize(doc).map_err(|e| Error::file(origin, yaml_error(&e)))?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0)),
        n => Err(Error::file(origin, format!("expected one YAML document, found {n}"))),
    }
}
