//! The plan document of `show -json PLANFILE`, in Terraform's JSON plan format:
//! `variables`, `planned_values`, `resource_changes`, `resource_drift`,
//! `output_changes`, `prior_state` and `configuration`, with Gantry's cluster
//! analysis under `gantry_analysis`.

use super::changes::{change_values, resource_change};
use super::state::{output, resource, state_values_with, values};
use super::values::known;
use super::{header, Schemas, PLAN_FORMAT_VERSION, STATE_FORMAT_VERSION};
use crate::addr::ResourceInstanceAddr;
use crate::config::ModuleTree;
use crate::plan::{Action, OutputChange, Plan};
use crate::redact::Secrets;
use crate::value::Value;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeSet;

/// `hidden` are root inputs whose values are left out although not marked sensitive (those
/// the encryption block reads); `config` is the configuration the plan was made from, when
/// it can be loaded, for `configuration`.
pub fn plan_document(
    plan: &Plan,
    hidden: &BTreeSet<String>,
    config: Option<&ModuleTree>,
    schemas: Schemas<'_>,
) -> Json {
    let mut doc = header(PLAN_FORMAT_VERSION);
    doc.insert("variables".into(), variables(plan, hidden));
    doc.insert("planned_values".into(), planned_values(plan, schemas));
    let prior = &plan.refreshed_state;
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .filter(|c| plan.refresh_only || c.action != Action::NoOp)
        .map(|c| resource_change(c, prior, &[], schemas))
        .collect();
    if !drift.is_empty() {
        doc.insert("resource_drift".into(), Json::Array(drift));
    }
    let changes = plan.changes.iter().map(|c| resource_change(c, prior, &plan.moved, schemas));
    doc.insert("resource_changes".into(), Json::Array(changes.collect()));
    let outputs = plan.outputs.iter().map(|(name, o)| (name.clone(), output_change(o)));
    doc.insert("output_changes".into(), Json::Object(outputs.collect()));
    let mut prior_state = header(STATE_FORMAT_VERSION);
    prior_state.insert("values".into(), state_values_with(prior, data_sources(plan, schemas), schemas));
    doc.insert("prior_state".into(), Json::Object(prior_state));
    if let Some(tree) = config {
        let mut configuration = super::config::configuration(tree, hidden);
        secrets(plan, hidden).scrub_json(&mut configuration);
        doc.insert("configuration".into(), configuration);
    }
    doc.insert("applyable".into(), json!(plan.has_changes()));
    // A Gantry plan always covers the whole configuration: changes whose provider is
    // configured by the same apply are planned from its schema, not deferred.
    doc.insert("complete".into(), json!(true));
    // A plan with errors is never saved, so a shown plan has none.
    doc.insert("errored".into(), json!(false));
    doc.insert("gantry_analysis".into(), crate::plan::json::analysis(plan));
    Json::Object(doc)
}

/// Root inputs as `{NAME: {value}}`; a sensitive or hidden one has a `null` value.
fn variables(plan: &Plan, hidden: &BTreeSet<String>) -> Json {
    let entries = plan.variables.iter().map(|(name, v)| {
        let v = Value::from_marked_json(v);
        let value =
            if hidden.contains(name) || v.contains_sensitive() { Json::Null } else { known(&v).unwrap_or(Json::Null) };
        (name.clone(), json!({ "value": value }))
    });
    Json::Object(entries.collect())
}

/// What the state will hold after apply, as far as the plan knows it: every instance
/// that is not deleted, with its planned values, and the data sources read while planning.
fn planned_values(plan: &Plan, schemas: Schemas<'_>) -> Json {
    let mut resources = data_sources(plan, schemas);
    for c in plan.changes.iter().filter(|c| c.action != Action::Delete && c.deposed.is_none()) {
        let Some(after) = &c.after else { continue };
        // Terraform gives planned values no depends_on; the state document has them.
        let doc = resource(&c.address, &c.provider, &schemas.reshape(&c.address, after));
        resources.push((c.address.clone(), doc));
    }
    let outputs = plan.outputs.iter().filter_map(|(name, o)| {
        let after = o.after.as_ref().map(Value::from_marked_json)?;
        Some((name.clone(), output(&after, o.sensitive)))
    });
    values(outputs.collect(), resources)
}

/// The data sources read while planning, as resources of mode `data`.
fn data_sources(plan: &Plan, schemas: Schemas<'_>) -> Vec<(ResourceInstanceAddr, Map<String, Json>)> {
    plan.data
        .iter()
        .filter_map(|(address, v)| {
            let addr: ResourceInstanceAddr = address.parse().ok()?;
            // Data sources are served by the provider their type is named after.
            let provider = addr.resource.type_name.split('_').next().unwrap_or_default().to_string();
            let doc = resource(&addr, &provider, &schemas.reshape(&addr, &Value::from_marked_json(v)));
            Some((addr, doc))
        })
        .collect()
}

fn output_change(o: &OutputChange) -> Json {
    let value = |j: &Option<Json>| {
        j.as_ref().map(|j| {
            let v = Value::from_marked_json(j);
            if o.sensitive {
                v.mark_sensitive()
            } else {
                v
            }
        })
    };
    let (before, after) = (value(&o.before), value(&o.after));
    let action = match (&before, &after) {
        (None, Some(_)) => Action::Create,
        (Some(_), None) => Action::Delete,
        (b, a) if b == a => Action::NoOp,
        _ => Action::Update,
    };
    let mut change = change_values(action, before.as_ref(), after.as_ref());
    // An output's marks are the output's, before and after, as Terraform gives them.
    if o.sensitive {
        change.insert("before_sensitive".into(), json!(true));
        change.insert("after_sensitive".into(), json!(true));
    }
    if after.is_none() {
        change.insert("after_unknown".into(), json!(false));
    }
    Json::Object(change)
}

/// The texts of every sensitive and hidden value the plan holds, which a literal in the
/// configuration may repeat (a provider that marks an argument sensitive the configuration
/// sets to a literal).
fn secrets(plan: &Plan, hidden: &BTreeSet<String>) -> Secrets {
    let mut values: Vec<Value> = plan.refreshed_state.resources.iter().map(|r| r.value()).collect();
    values.extend(plan.changes.iter().flat_map(|c| [&c.before, &c.after]).flatten().cloned());
    values.extend(plan.variables.iter().map(|(name, v)| {
        let v = Value::from_marked_json(v);
        if hidden.contains(name) {
            v.mark_sensitive()
        } else {
            v
        }
    }));
    Secrets::of(&values)
}
