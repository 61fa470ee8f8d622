//! Reading YAML streams into JSON values, one per non-empty document.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Parses every document of `text`; empty documents are skipped. Errors name
/// `origin` and carry the parser's line:column.
pub fn parse_documents(text: &str, origin: &Path) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let value = Value::deserialize(doc).map_err(|e| Error::file(origin, yaml_error(&e)))?;
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
