//! `resource_changes[]` and `resource_drift[]`: one entry per resource instance
//! change, with Terraform's `actions` arrays, its `action_reason` names and the
//! `before`/`after` values beside their unknown and sensitive marks.

use super::state::identity;
use super::values::{known, sensitive_as_bool, unknown_as_bool};
use super::{provider_name, Schemas};
use crate::plan::{reason, Action, ResourceChange};
use crate::state::State;
use crate::value::Value;
use serde_json::{json, Map, Value as Json};

/// Terraform's `actions` for a Gantry action: a replacement is two actions, in the order
/// they happen, so a policy that looks for `"delete"` finds every object that goes away.
pub fn actions(action: Action) -> Json {
    let names: &[&str] = match action {
        Action::NoOp => &["no-op"],
        Action::Create => &["create"],
        Action::Read => &["read"],
        Action::Update => &["update"],
        Action::DeleteThenCreate => &["delete", "create"],
        Action::CreateThenDelete => &["create", "delete"],
        Action::Delete => &["delete"],
        // Terraform 1.7's action for a `removed` block with `destroy = false`.
        Action::Forget => &["forget"],
    };
    json!(names)
}

/// The `change` object shared by resource and output changes.
pub fn change_values(action: Action, before: Option<&Value>, after: Option<&Value>) -> Map<String, Json> {
    let mut change = Map::new();
    change.insert("actions".into(), actions(action));
    change.insert("before".into(), before.and_then(known).unwrap_or(Json::Null));
    // The after value is left out when it is unknown as a whole, as Terraform does.
    match after {
        None => {
            change.insert("after".into(), Json::Null);
        }
        Some(v) => {
            if let Some(j) = known(v) {
                change.insert("after".into(), j);
            }
        }
    }
    change.insert("after_unknown".into(), after.map(unknown_as_bool).unwrap_or_else(|| json!({})));
    change.insert("before_sensitive".into(), before.map(sensitive_as_bool).unwrap_or(json!(false)));
    change.insert("after_sensitive".into(), after.map(sensitive_as_bool).unwrap_or(json!(false)));
    change
}

/// One entry of `resource_changes`. `prior` is the refreshed state the plan starts from,
/// `moved` the plan's (from, to) pairs.
pub fn resource_change(c: &ResourceChange, prior: &State, moved: &[(String, String)], schemas: Schemas<'_>) -> Json {
    let mut doc = identity(&c.address);
    if !c.address.resource.module.is_root() {
        doc.insert("module_address".into(), json!(c.address.resource.module.to_string()));
    }
    if let Some(from) = moved.iter().find(|(_, to)| *to == c.address.to_string()).map(|(from, _)| from) {
        doc.insert("previous_address".into(), json!(from));
    }
    if c.deposed.is_some() {
        // Terraform names the deposed object by a key; Gantry's interrupted replacement has one
        // old object per address, so a fixed key tells it apart from the current one.
        doc.insert("deposed".into(), json!("00000000"));
    }
    doc.insert("provider_name".into(), json!(provider_name(&c.provider)));
    let before = c.before.as_ref().map(|v| schemas.reshape(&c.address, v));
    let after = if matches!(c.action, Action::Delete | Action::Forget) {
        None
    } else {
        c.after.as_ref().map(|v| schemas.reshape(&c.address, v))
    };
    let mut change = change_values(c.action, before.as_ref(), after.as_ref());
    if c.action.is_replace() && !c.requires_replace.is_empty() {
        change.insert("replace_paths".into(), json!(c.requires_replace));
    }
    if let Some(import) = &c.importing {
        change.insert("importing".into(), json!({ "id": import.id }));
    }
    doc.insert("change".into(), Json::Object(change));
    if let Some(why) = action_reason(c, prior) {
        doc.insert("action_reason".into(), json!(why));
    }
    Json::Object(doc)
}

/// Terraform's name for why a change is what it is, where it has one.
fn action_reason(c: &ResourceChange, prior: &State) -> Option<&'static str> {
    let said = c.reason.as_deref();
    if c.action.is_replace() {
        return if said == Some(reason::REPLACE_REQUESTED) {
            Some("replace_by_request")
        } else if said == Some(reason::TAINTED) || prior.get(&c.address).is_some_and(|r| r.tainted) {
            Some("replace_because_tainted")
        } else {
            Some("replace_because_cannot_update")
        };
    }
    if c.action == Action::Delete && c.deposed.is_none() {
        return match said? {
            reason::NOT_CONFIGURED => Some("delete_because_no_resource_config"),
            reason::COUNT_INDEX => Some("delete_because_count_index"),
            reason::EACH_KEY => Some("delete_because_each_key"),
            reason::WRONG_REPETITION => Some("delete_because_wrong_repetition"),
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: Action, before: Option<Value>, after: Option<Value>) -> ResourceChange {
        ResourceChange {
            address: "module.m.aws_eks_node_group.g[\"a\"]".parse().unwrap(),
            provider: "aws".into(),
            action,
            before,
            after,
            requires_replace: Vec::new(),
            reason: None,
            dependencies: Vec::new(),
            deferred: false,
            deposed: None,
            importing: None,
        }
    }

    #[test]
    fn a_create_has_no_before_and_marks_its_unknowns() {
        let after = Value::object([("id", Value::Unknown), ("name", Value::string("g"))]);
        let doc = resource_change(&change(Action::Create, None, Some(after)), &State::new(), &[], Schemas::default());
        assert_eq!(doc["module_address"], "module.m");
        assert_eq!(doc["index"], "a");
        assert_eq!(doc["change"]["actions"], json!(["create"]));
        assert_eq!(doc["change"]["before"], Json::Null);
        assert_eq!(doc["change"]["after"], json!({"name": "g"}));
        assert_eq!(doc["change"]["after_unknown"], json!({"id": true}));
        assert_eq!(doc["change"]["before_sensitive"], json!(false));
        assert_eq!(doc["change"]["after_sensitive"], json!({}));
    }

    #[test]
    fn a_replacement_says_why_and_which_paths() {
        let v = Value::object([("name", Value::string("g"))]);
        let mut c = change(Action::DeleteThenCreate, Some(v.clone()), Some(v));
        c.requires_replace = vec![vec![crate::value::PathStep::Key("name".into())]];
        let doc = resource_change(&c, &State::new(), &[], Schemas::default());
        assert_eq!(doc["change"]["actions"], json!(["delete", "create"]));
        assert_eq!(doc["change"]["replace_paths"], json!([["name"]]));
        assert_eq!(doc["action_reason"], "replace_because_cannot_update");
        c.reason = Some(reason::REPLACE_REQUESTED.into());
        assert_eq!(resource_change(&c, &State::new(), &[], Schemas::default())["action_reason"], "replace_by_request");
    }

    #[test]
    fn a_delete_has_no_after() {
        let mut c = change(Action::Delete, Some(Value::object([("name", Value::string("g"))])), None);
        c.reason = Some(reason::EACH_KEY.into());
        let moved = [("module.m.aws_eks_node_group.old".to_string(), "x".to_string())];
        let doc = resource_change(&c, &State::new(), &moved, Schemas::default());
        assert_eq!(doc["change"]["after"], Json::Null);
        assert_eq!(doc["change"]["after_unknown"], json!({}));
        assert_eq!(doc["change"]["after_sensitive"], json!(false));
        assert_eq!(doc["action_reason"], "delete_because_each_key");
        assert!(doc.get("previous_address").is_none());
    }
}
