//! The per-resource settings that steer applying and waiting: field manager,
//! waits and timeouts, read from a resource's configuration or state.

use crate::fields;
use gantry_core::value::Value;
use serde_json::Value as Json;
use std::time::Duration;

/// Settings of one `kubernetes_manifest`, from its configuration or state.
pub(crate) struct Settings {
    pub(crate) manager: String,
    pub(crate) force: bool,
    pub(crate) rollout: bool,
    pub(crate) conditions: Vec<(String, String)>,
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) computed_fields: Vec<String>,
    pub(crate) create: Duration,
    pub(crate) update: Duration,
    pub(crate) delete: Duration,
}

impl Settings {
    pub(crate) fn of(v: &Value) -> Settings {
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

    pub(crate) fn waits_for_anything(&self) -> bool {
        self.rollout || !self.conditions.is_empty() || !self.fields.is_empty()
    }
}
