//! The merge-key table: which fields of which built-in types hold lists
//! merged by key. `merge_keys.json` is generated from the Kubernetes v1.21.2
//! OpenAPI schema that kustomize embeds, by `tools/extract_merge_keys.py`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::resid::Gvk;

/// One row of the table: child type, patch strategy, merge keys.
type FieldRow = (Option<String>, Option<String>, Vec<String>);

#[derive(Deserialize)]
pub struct Schema {
    kinds: HashMap<String, String>,
    types: HashMap<String, HashMap<String, FieldRow>>,
}

/// What the schema says about one field.
#[derive(Clone, Debug, Default)]
pub struct FieldInfo {
    /// The object type of the field (or of its list elements / map values).
    pub type_name: Option<String>,
    pub strategy: String,
    pub keys: Vec<String>,
}

impl FieldInfo {
    pub fn object(t: &str) -> FieldInfo {
        FieldInfo { type_name: Some(t.to_string()), ..Default::default() }
    }
}

impl Schema {
    pub fn get() -> &'static Schema {
        static S: OnceLock<Schema> = OnceLock::new();
        S.get_or_init(|| serde_json::from_str(include_str!("merge_keys.json")).expect("merge key table parses"))
    }

    pub fn root_type(&self, gvk: &Gvk) -> Option<&str> {
        self.kinds.get(&format!("{}/{}/{}", gvk.group, gvk.version, gvk.kind)).map(String::as_str)
    }

    pub fn field(&self, type_name: &str, field: &str) -> Option<FieldInfo> {
        // Maps of objects (additionalProperties) pass their value type down.
        if let Some(inner) = type_name.strip_prefix("map:") {
            return Some(FieldInfo::object(inner));
        }
        let (child, strategy, keys) = self.types.get(type_name)?.get(field)?;
        Some(FieldInfo { type_name: child.clone(), strategy: strategy.clone().unwrap_or_default(), keys: keys.clone() })
    }
}
