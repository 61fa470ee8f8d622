//! `values` as Terraform's JSON writes it for a state (and, from the planned
//! objects, for `planned_values`): outputs, and the module tree with each
//! resource instance under the module instance it belongs to.

use super::values::{known, sensitive_as_bool};
use super::{header, provider_name, Schemas, STATE_FORMAT_VERSION};
use crate::addr::{InstanceKey, Mode, ModuleInstance, ResourceInstanceAddr};
use crate::state::State;
use crate::value::Value;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// The state document of `show -json`: `{format_version, terraform_version, values}`.
/// An empty state has no `values`, as Terraform prints it.
pub fn state_document(state: &State, schemas: Schemas<'_>) -> Json {
    let mut doc = header(STATE_FORMAT_VERSION);
    if !state.resources.is_empty() || !state.outputs.is_empty() {
        doc.insert("values".into(), state_values_with(state, Vec::new(), schemas));
    }
    Json::Object(doc)
}

/// `{outputs, root_module}` of a state and of `extra` instances beside it (a plan's data
/// sources, in its `prior_state`).
pub fn state_values_with(
    state: &State,
    extra: Vec<(ResourceInstanceAddr, Map<String, Json>)>,
    schemas: Schemas<'_>,
) -> Json {
    let resources = state.resources.iter().map(|r| {
        let mut doc = resource(&r.address, &r.provider, &schemas.reshape(&r.address, &r.value()));
        if !r.dependencies.is_empty() {
            doc.insert("depends_on".into(), json!(r.dependencies));
        }
        if r.tainted {
            doc.insert("tainted".into(), json!(true));
        }
        (r.address.clone(), doc)
    });
    let outputs = state.outputs.iter().map(|(name, o)| {
        let value = if o.sensitive { Value::from_json(&o.value).mark_sensitive() } else { Value::from_json(&o.value) };
        (name.clone(), output(&value, o.sensitive))
    });
    values(outputs.collect(), resources.chain(extra).collect())
}

/// `{outputs, root_module}` from outputs already in their JSON form and resources.
pub fn values(outputs: Map<String, Json>, resources: Vec<(ResourceInstanceAddr, Map<String, Json>)>) -> Json {
    let mut doc = Map::new();
    if !outputs.is_empty() {
        doc.insert("outputs".into(), Json::Object(outputs));
    }
    doc.insert("root_module".into(), module_tree(resources));
    Json::Object(doc)
}

/// One output of `values.outputs`: its value is left out while unknown and `null` when
/// sensitive (Terraform writes the secret; Gantry never does).
pub fn output(value: &Value, sensitive: bool) -> Json {
    let mut doc = Map::new();
    doc.insert("sensitive".into(), json!(sensitive));
    let shown = if sensitive { Some(Json::Null) } else { known(value) };
    if let Some(v) = shown {
        doc.insert("value".into(), v);
    }
    Json::Object(doc)
}

/// One resource instance of `values`: identity, provider, known values and sensitive marks.
pub fn resource(addr: &ResourceInstanceAddr, provider: &str, value: &Value) -> Map<String, Json> {
    let mut doc = identity(addr);
    doc.insert("provider_name".into(), json!(provider_name(provider)));
    doc.insert("schema_version".into(), json!(0));
    doc.insert("values".into(), known(value).filter(Json::is_object).unwrap_or_else(|| json!({})));
    let marks = sensitive_as_bool(value);
    doc.insert("sensitive_values".into(), if marks.is_object() { marks } else { json!({}) });
    doc
}

/// `address`, `mode`, `type`, `name` and, for `count` and `for_each` instances, `index`.
pub fn identity(addr: &ResourceInstanceAddr) -> Map<String, Json> {
    let mut doc = Map::new();
    doc.insert("address".into(), json!(addr.to_string()));
    let mode = match addr.resource.mode {
        Mode::Managed => "managed",
        Mode::Data => "data",
    };
    doc.insert("mode".into(), json!(mode));
    doc.insert("type".into(), json!(addr.resource.type_name));
    doc.insert("name".into(), json!(addr.resource.name));
    match &addr.key {
        InstanceKey::None => {}
        InstanceKey::Int(i) => {
            doc.insert("index".into(), json!(i));
        }
        InstanceKey::Str(s) => {
            doc.insert("index".into(), json!(s));
        }
    }
    doc
}

/// The root module with its resources and, nested, every module instance that holds
/// resources (and the module instances between it and the root).
fn module_tree(resources: Vec<(ResourceInstanceAddr, Map<String, Json>)>) -> Json {
    let mut by_module: BTreeMap<ModuleInstance, Vec<(ResourceInstanceAddr, Map<String, Json>)>> = BTreeMap::new();
    for (addr, doc) in resources {
        let mut ancestor = addr.resource.module.parent();
        while let Some(m) = ancestor {
            ancestor = m.parent();
            by_module.entry(m).or_default();
        }
        by_module.entry(addr.resource.module.clone()).or_default().push((addr, doc));
    }
    let mut built: BTreeMap<ModuleInstance, Map<String, Json>> = BTreeMap::new();
    // Deepest first, so each module's children are built before it takes them.
    let mut order: Vec<ModuleInstance> = by_module.keys().cloned().collect();
    order.sort_by_key(|m| std::cmp::Reverse(m.0.len()));
    for m in order {
        let mut own = by_module.remove(&m).unwrap_or_default();
        own.sort_by(|a, b| a.0.cmp(&b.0));
        let mut doc = Map::new();
        if !own.is_empty() {
            doc.insert("resources".into(), Json::Array(own.into_iter().map(|(_, d)| Json::Object(d)).collect()));
        }
        if !m.is_root() {
            doc.insert("address".into(), json!(m.to_string()));
        }
        let children: Vec<ModuleInstance> = built.keys().filter(|c| c.parent().as_ref() == Some(&m)).cloned().collect();
        if !children.is_empty() {
            let docs = children.iter().filter_map(|c| built.remove(c)).map(Json::Object).collect();
            doc.insert("child_modules".into(), Json::Array(docs));
        }
        built.insert(m, doc);
    }
    Json::Object(built.remove(&ModuleInstance::root()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(addr: &str) -> (ResourceInstanceAddr, Map<String, Json>) {
        let addr: ResourceInstanceAddr = addr.parse().unwrap();
        let doc = identity(&addr);
        (addr, doc)
    }

    #[test]
    fn instances_nest_under_their_module_instances() {
        let tree = module_tree(vec![at("module.a[\"x\"].module.b.t.r[0]"), at("t.top"), at("module.c.t.r")]);
        assert_eq!(tree["resources"][0]["address"], "t.top");
        let children = tree["child_modules"].as_array().unwrap();
        assert_eq!(children.len(), 2, "{tree}");
        assert_eq!(children[0]["address"], "module.a[\"x\"]");
        assert!(children[0].get("resources").is_none(), "a module with only children lists none");
        assert_eq!(children[0]["child_modules"][0]["address"], "module.a[\"x\"].module.b");
        assert_eq!(children[0]["child_modules"][0]["resources"][0]["index"], 0);
        assert_eq!(children[1]["address"], "module.c");
    }
}
