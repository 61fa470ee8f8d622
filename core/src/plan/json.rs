//! The plan as `plan -json` and `show -json PLANFILE` print it: the saved plan's
//! document with no sensitive value in it. Every sensitive value is replaced by
//! `(sensitive value)`, and where the marks were is said beside it:
//! `before_sensitive`/`after_sensitive` (attribute paths) on each change and
//! drift entry, `sensitive` on outputs, `sensitive_variables` for the inputs,
//! `sensitive_paths` in the refreshed state and `data_sensitive` for data
//! sources. A saved plan file keeps the values (apply needs them); this form
//! is for showing.

use super::{Plan, ResourceChange};
use crate::redact::{redacted_json, Secrets, SENSITIVE_VALUE};
use crate::value::{PathStep, Value};
use serde_json::{json, Value as Json};

pub fn redacted(plan: &Plan) -> Json {
    let mut doc = serde_json::to_value(plan).unwrap_or_default();
    let Some(members) = doc.as_object_mut() else { return doc };
    let variables: Vec<(String, Value)> =
        plan.variables.iter().map(|(k, v)| (k.clone(), Value::from_marked_json(v))).collect();
    members.insert(
        "variables".into(),
        Json::Object(variables.iter().map(|(k, v)| (k.clone(), whole_or_nothing(v))).collect()),
    );
    members.insert(
        "sensitive_variables".into(),
        json!(variables.iter().filter(|(_, v)| v.contains_sensitive()).map(|(k, _)| k).collect::<Vec<_>>()),
    );
    members.insert("changes".into(), Json::Array(plan.changes.iter().map(change).collect()));
    members.insert("drift".into(), Json::Array(plan.drift.iter().map(change).collect()));
    let outputs = plan.outputs.iter().map(|(name, o)| {
        let side = |j: &Option<Json>| match j {
            None => Json::Null,
            Some(_) if o.sensitive => Json::String(SENSITIVE_VALUE.into()),
            Some(j) => redacted_json(&Value::from_marked_json(j)),
        };
        (name.clone(), json!({ "before": side(&o.before), "after": side(&o.after), "sensitive": o.sensitive }))
    });
    members.insert("outputs".into(), Json::Object(outputs.collect()));
    members.insert("refreshed_state".into(), plan.refreshed_state.to_redacted_json());
    if !plan.data.is_empty() {
        let data: Vec<(String, Value)> =
            plan.data.iter().map(|(k, v)| (k.clone(), Value::from_marked_json(v))).collect();
        members.insert("data".into(), Json::Object(data.iter().map(|(k, v)| (k.clone(), redacted_json(v))).collect()));
        let marks = data.iter().filter(|(_, v)| v.contains_sensitive()).map(|(k, v)| (k.clone(), paths(v)));
        members.insert("data_sensitive".into(), Json::Object(marks.collect()));
    }
    members.insert("analysis".into(), analysis(plan));
    doc
}

/// The plan's analysis with no sensitive text in it. The analysis is made from the planned
/// values without their marks (a pool's name, a label); whatever text of a sensitive value
/// it repeats is removed.
pub fn analysis(plan: &Plan) -> Json {
    let mut analysis = serde_json::to_value(&plan.analysis).unwrap_or_default();
    let stored: Vec<Value> = plan.refreshed_state.resources.iter().map(|r| r.value()).collect();
    let secrets = Secrets::of(plan.changes.iter().flat_map(|c| [&c.before, &c.after]).flatten().chain(&stored));
    secrets.scrub_json(&mut analysis);
    analysis
}

/// A root input: hidden as a whole when anything in it is sensitive, as the plan shows it.
fn whole_or_nothing(v: &Value) -> Json {
    if v.contains_sensitive() {
        Json::String(SENSITIVE_VALUE.into())
    } else {
        redacted_json(v)
    }
}

fn change(c: &ResourceChange) -> Json {
    let mut j = serde_json::to_value(c).unwrap_or_default();
    if let Some(members) = j.as_object_mut() {
        for (name, value) in [("before", &c.before), ("after", &c.after)] {
            members.insert(name.into(), value.as_ref().map(redacted_json).unwrap_or(Json::Null));
            members.insert(format!("{name}_sensitive"), value.as_ref().map(paths).unwrap_or(json!([])));
        }
    }
    j
}

fn paths(v: &Value) -> Json {
    let paths: Vec<Vec<PathStep>> = v.sensitive_paths();
    serde_json::to_value(paths).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ResourceInstanceState, State};

    #[test]
    fn no_sensitive_value_is_left_and_each_mark_is_recorded() {
        let secret = Value::string("hunter2").mark_sensitive();
        let after = Value::object([("name", Value::string("a")), ("password", secret.clone()), ("id", Value::Unknown)]);
        let addr: crate::addr::ResourceInstanceAddr = "local_cluster.a".parse().unwrap();
        let mut state = State::new();
        state.set(ResourceInstanceState {
            address: addr.clone(),
            provider: "local".into(),
            attributes: json!({"name": "a", "password": "hunter2"}),
            sensitive_paths: vec![vec![PathStep::Key("password".into())]],
            dependencies: Vec::new(),
            create_before_destroy: false,
            tainted: false,
        });
        state.outputs.insert("pw".into(), crate::state::OutputState { value: json!("hunter2"), sensitive: true });
        let change = ResourceChange {
            deposed: None,
            address: addr,
            provider: "local".into(),
            action: super::super::Action::Update,
            before: Some(Value::object([("password", secret.clone())])),
            after: Some(after),
            requires_replace: Vec::new(),
            reason: None,
            dependencies: Vec::new(),
            deferred: false,
            importing: None,
        };
        let plan = Plan {
            format_version: super::super::PLAN_FORMAT_VERSION,
            gantry_version: String::new(),
            config_digest: String::new(),
            working_dir: String::new(),
            prior_serial: 0,
            prior_lineage: String::new(),
            destroy: false,
            refresh_only: false,
            variables: [("pw".to_string(), secret.to_marked_json()), ("n".to_string(), json!(1))].into_iter().collect(),
            changes: vec![change.clone()],
            drift: vec![change],
            outputs: [(
                "pw".to_string(),
                super::super::OutputChange { before: None, after: Some(json!("hunter2")), sensitive: true },
            )]
            .into_iter()
            .collect(),
            targets: Vec::new(),
            refreshed_state: state,
            warnings: Vec::new(),
            moved: Vec::new(),
            analysis: Default::default(),
            data: [("data.x.y".to_string(), Value::object([("k", secret)]).to_marked_json())].into_iter().collect(),
            recovered: Vec::new(),
            checks: Vec::new(),
        };
        assert!(serde_json::to_string(&plan).unwrap().contains("hunter2"), "the saved form keeps the value");
        let doc = redacted(&plan);
        let text = doc.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("__gantry_sensitive__"), "{text}");
        assert_eq!(doc["changes"][0]["after"]["password"], SENSITIVE_VALUE);
        assert_eq!(doc["changes"][0]["after"]["id"], json!({"__gantry_unknown__": true}));
        assert_eq!(doc["changes"][0]["after_sensitive"], json!([["password"]]));
        assert_eq!(doc["drift"][0]["before_sensitive"], json!([["password"]]));
        assert_eq!(doc["variables"]["pw"], SENSITIVE_VALUE);
        assert_eq!(doc["variables"]["n"], 1);
        assert_eq!(doc["sensitive_variables"], json!(["pw"]));
        assert_eq!(doc["outputs"]["pw"]["after"], SENSITIVE_VALUE);
        assert_eq!(doc["refreshed_state"]["resources"][0]["attributes"]["password"], SENSITIVE_VALUE);
        assert_eq!(doc["refreshed_state"]["outputs"]["pw"]["value"], SENSITIVE_VALUE);
        assert_eq!(doc["data_sensitive"]["data.x.y"], json!([["k"]]));
    }
}
