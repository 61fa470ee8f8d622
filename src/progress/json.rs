//! `apply -json`: Terraform's machine-readable UI, one JSON object per line on
//! stdout (`type` = `version`, `planned_change`, `change_summary`, `apply_start`,
//! `apply_progress`, `apply_complete`, `apply_errored`, `outputs`, `diagnostic`),
//! so that tools which follow a Terraform apply can follow Gantry's.

use super::words;
use gantry_core::addr::{InstanceKey, ResourceInstanceAddr};
use gantry_core::plan::{Action, Plan};
use serde_json::{json, Value as Json};
use std::time::Duration;

/// Writes the events. Stateless: each line is complete on its own.
pub struct JsonEvents;

/// The UI format's version, as Terraform numbers it.
const UI_VERSION: &str = "1.2";

impl JsonEvents {
    /// One event line: Terraform's common fields, then the event's own.
    fn emit(&self, level: &str, message: String, kind: &str, fields: impl IntoIterator<Item = (&'static str, Json)>) {
        let mut event = serde_json::Map::new();
        event.insert("@level".into(), json!(level));
        event.insert("@message".into(), json!(message));
        event.insert("@module".into(), json!("gantry.ui"));
        event.insert("@timestamp".into(), json!(gantry_core::state::now_rfc3339()));
        for (key, value) in fields {
            event.insert(key.into(), value);
        }
        event.insert("type".into(), json!(kind));
        println!("{}", Json::Object(event));
        super::flush();
    }

    pub fn version(&self) {
        let v = env!("CARGO_PKG_VERSION");
        self.emit("info", format!("Gantry {v}"), "version", [("gantry", json!(v)), ("ui", json!(UI_VERSION))]);
    }

    /// One `planned_change` per change, then the plan's `change_summary`.
    pub fn planned(&self, plan: &Plan) {
        for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
            let what = match c.action {
                Action::Create => "Plan to create",
                Action::Update => "Plan to update",
                Action::Delete => "Plan to delete",
                Action::Read => "Plan to read",
                Action::Forget => "Plan to remove",
                _ => "Plan to replace",
            };
            let mut change = json!({ "resource": resource(&c.address), "action": words::json_action(c.action) });
            if let Some(reason) = &c.reason {
                change["reason"] = json!(reason);
            }
            self.emit("info", format!("{}: {what}", c.address), "planned_change", [("change", change)]);
        }
        self.summary(plan, "plan");
    }

    pub fn summary(&self, plan: &Plan, operation: &str) {
        let (add, change, remove) = plan.counts();
        let (import, _) = plan.import_forget_counts();
        let message = match operation {
            "plan" => format!("Plan: {}", crate::views::planned_counts(plan)),
            _ if plan.destroy => format!("Destroy complete! {}", crate::views::applied_counts(plan)),
            _ => format!("Apply complete! {}", crate::views::applied_counts(plan)),
        };
        let operation = if plan.destroy && operation == "apply" { "destroy" } else { operation };
        let changes =
            json!({ "add": add, "change": change, "import": import, "remove": remove, "operation": operation });
        self.emit("info", message, "change_summary", [("changes", changes)]);
    }

    pub fn start(&self, addr: &ResourceInstanceAddr, action: Action) {
        let hook = json!({ "resource": resource(addr), "action": words::json_action(action) });
        self.emit("info", words::started(&addr.to_string(), action), "apply_start", [("hook", hook)]);
    }

    pub fn progress(&self, addr: &ResourceInstanceAddr, action: Action, so_far: Duration) {
        let hook = json!({
            "resource": resource(addr),
            "action": words::json_action(action),
            "elapsed_seconds": so_far.as_secs(),
        });
        self.emit("info", words::still(&addr.to_string(), action, so_far), "apply_progress", [("hook", hook)]);
    }

    pub fn complete(&self, addr: &ResourceInstanceAddr, action: Action, took: Duration, id: Option<&str>) {
        let mut hook = json!({
            "resource": resource(addr),
            "action": words::json_action(action),
            "elapsed_seconds": took.as_secs(),
        });
        if let Some(id) = id {
            hook["id_key"] = json!("id");
            hook["id_value"] = json!(id);
        }
        let message = words::completed(&addr.to_string(), action, took, id);
        self.emit("info", message, "apply_complete", [("hook", hook)]);
    }

    pub fn errored(&self, addr: &ResourceInstanceAddr, action: Action, took: Duration) {
        let hook = json!({
            "resource": resource(addr),
            "action": words::json_action(action),
            "elapsed_seconds": took.as_secs(),
        });
        let message = format!("{addr}: {} errored after {}", words::doing(action), words::elapsed(took));
        self.emit("error", message, "apply_errored", [("hook", hook)]);
    }

    /// The root outputs, sensitive ones without their value, as Terraform's `outputs` event.
    pub fn outputs(&self, outputs: Json) {
        let n = outputs.as_object().map_or(0, |o| o.len());
        self.emit("info", format!("Outputs: {n}"), "outputs", [("outputs", outputs)]);
    }

    /// A diagnostic in the same shape `validate -json` prints.
    pub fn diagnostic(&self, error: bool, summary: &str, diagnostic: Json) {
        let level = if error { "error" } else { "warn" };
        let message = format!("{}: {summary}", if error { "Error" } else { "Warning" });
        self.emit(level, message, "diagnostic", [("diagnostic", diagnostic)]);
    }
}

/// Terraform's resource object of a hook or change event.
fn resource(addr: &ResourceInstanceAddr) -> Json {
    let r = &addr.resource;
    let full = addr.to_string();
    let module = r.module.to_string();
    let local = if module.is_empty() { full.clone() } else { full[module.len() + 1..].to_string() };
    let key = match &addr.key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(i) => json!(i),
        InstanceKey::Str(s) => json!(s),
    };
    json!({
        "addr": full,
        "module": module,
        "resource": local,
        "implied_provider": r.type_name.split('_').next().unwrap_or(&r.type_name),
        "resource_type": r.type_name,
        "resource_name": r.name,
        "resource_key": key,
    })
}
