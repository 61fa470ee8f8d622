//! Human renderings of plans, state and values, in the shape Terraform users know.

mod analysis;
mod body;
mod values;

pub use analysis::render_analysis;
pub use values::{block, inline};

use crate::streamed::Streamed;
use body::render_body;
use gantry_core::plan::{Action, Plan, ResourceChange};
use gantry_core::value::Value;
use std::fmt::Write as _;

#[derive(Clone)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    pub(crate) fn action(&self, a: Action) -> String {
        let code = match a {
            Action::Create => "32",
            Action::Delete => "31",
            Action::Update => "33",
            _ => "36",
        };
        self.paint(code, a.symbol())
    }
}

fn verb(c: &ResourceChange) -> String {
    let base = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in-place".to_string(),
        Action::Delete => "will be destroyed".to_string(),
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced".to_string(),
        Action::Read => "will be read during apply".to_string(),
        Action::NoOp if c.importing.is_some() => "will be imported".to_string(),
        Action::NoOp => "is unchanged".to_string(),
        Action::Forget => "will no longer be managed by Gantry, but will not be destroyed".to_string(),
    };
    let base = match &c.importing {
        Some(i) if c.action != Action::NoOp => format!("{base}\n  # (imported from \"{}\")", i.id),
        _ => base,
    };
    match (&c.reason, c.action) {
        (Some(r), Action::Delete) => format!("{base}\n  # (because {r})"),
        (Some(r), _) => format!("{base}\n  # (because {r})"),
        _ => base,
    }
}

/// A plan as `plan -json` and `show -json` print it, with the values of the `hidden` root
/// variables (those the encryption block reads: passphrases) left out.
pub fn plan_json(plan: &Plan, hidden: &std::collections::BTreeSet<String>) -> serde_json::Value {
    let mut json = serde_json::to_value(gantry_core::plan::json::redacted(plan)).unwrap_or_default();
    if let Some(vars) = json.get_mut("variables").and_then(|v| v.as_object_mut()) {
        for (name, value) in vars.iter_mut() {
            if hidden.contains(name) {
                *value = serde_json::Value::String("(sensitive value)".into());
            }
        }
    }
    json
}

/// Prints the plan as it is rendered: a plan of 100,000 changes is not held whole first.
pub fn print_plan(plan: &Plan, style: &Style) {
    write_plan(&mut Streamed::stdout(), plan, style);
}

/// "1 to import, 2 to add, 0 to change, 1 to destroy.": what follows `Plan:`.
pub fn planned_counts(plan: &Plan) -> String {
    let (add, change, destroy) = plan.counts();
    let (imports, _) = plan.import_forget_counts();
    let imports = if imports > 0 { format!("{imports} to import, ") } else { String::new() };
    format!("{imports}{add} to add, {change} to change, {destroy} to destroy.")
}

/// "Resources: 2 added, 0 changed, 1 destroyed.": what follows `Apply complete!` (or
/// `Destroy complete!`).
pub fn applied_counts(plan: &Plan) -> String {
    let (add, change, destroyed) = plan.counts();
    if plan.destroy {
        return format!("Resources: {destroyed} destroyed.");
    }
    let (imported, _) = plan.import_forget_counts();
    let imported = if imported > 0 { format!("{imported} imported, ") } else { String::new() };
    format!("Resources: {imported}{add} added, {change} changed, {destroyed} destroyed.")
}

/// The whole plan: drift first, then changes, then the summary line and outputs.
fn write_plan(out: &mut Streamed, plan: &Plan, style: &Style) {
    out.push_str(&render_recovered(plan, style));
    if !plan.drift.is_empty() {
        out.push_str(&style.bold("Objects have changed outside of Gantry"));
        out.push_str("\n\nGantry detected the following changes made outside of Gantry since the last apply:\n\n");
        for d in &plan.drift {
            let what = if d.action == Action::Delete { "has been deleted" } else { "has changed" };
            let _ = writeln!(out, "  # {} {what}", d.address);
            out.push_str(&render_body(d, style, true));
            out.push('\n');
        }
    }
    for (from, to) in &plan.moved {
        let _ = writeln!(out, "  # {from} has moved to {}", style.bold(to));
    }
    if !plan.moved.is_empty() {
        out.push('\n');
    }
    if plan.refresh_only {
        if plan.drift.is_empty() {
            out.push_str(&style.bold("No changes."));
            out.push_str(" Your infrastructure still matches the state.\n");
        } else {
            out.push_str("This is a refresh-only plan, so Gantry will not take any actions to undo these. If you were expecting these changes, apply this plan to record the updated values in the Gantry state without changing any remote objects.\n");
        }
        return;
    }
    let changed: Vec<&ResourceChange> =
        plan.changes.iter().filter(|c| c.action != Action::NoOp || c.importing.is_some()).collect();
    if changed.is_empty() && !plan.outputs.values().any(|o| o.before != o.after) && plan.moved.is_empty() {
        out.push_str(&style.bold("No changes."));
        out.push_str(" Your infrastructure matches the configuration.\n");
        return;
    }
    if !changed.is_empty() {
        out.push_str("Gantry will perform the following actions:\n\n");
        for c in &changed {
            let deposed = if c.deposed.is_some() { " (deposed object)" } else { "" };
            let _ = writeln!(out, "  # {}{deposed} {}", style.bold(&c.address.to_string()), verb(c));
            out.push_str(&render_body(c, style, false));
            out.push('\n');
        }
    }
    let moved = if plan.moved.is_empty() { String::new() } else { format!(" {} moved.", plan.moved.len()) };
    let _ = writeln!(out, "{} {}{moved}", style.bold("Plan:"), planned_counts(plan));
    let output_changes: Vec<_> = plan.outputs.iter().filter(|(_, o)| o.before != o.after).collect();
    if !output_changes.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        for (name, o) in output_changes {
            let before = o.before.as_ref().map(Value::from_marked_json);
            let after = o.after.as_ref().map(Value::from_marked_json);
            let hide = |v: Value| if o.sensitive { v.mark_sensitive() } else { v };
            match (before, after) {
                (None, Some(a)) => {
                    let _ = writeln!(out, "  {} {name} = {}", style.action(Action::Create), inline(&hide(a)));
                }
                (Some(b), None) => {
                    let _ = writeln!(out, "  {} {name} = {}", style.action(Action::Delete), inline(&hide(b)));
                }
                (Some(b), Some(a)) => {
                    let _ = writeln!(
                        out,
                        "  {} {name} = {} -> {}",
                        style.action(Action::Update),
                        inline(&hide(b)),
                        inline(&hide(a))
                    );
                }
                (None, None) => {}
            }
        }
    }
    if !plan.analysis.is_empty() {
        out.push('\n');
        out.push_str(&render_analysis(&plan.analysis, style));
    }
}

/// What recovery resolved of an interrupted run, before the plan itself.
fn render_recovered(plan: &Plan, style: &Style) -> String {
    use gantry_core::plan::RecoveryOutcome;
    let mut out = String::new();
    if plan.recovered.is_empty() {
        return out;
    }
    out.push_str(&style.bold("Recovered from an interrupted run"));
    out.push_str("\n\nAn earlier run was stopped before it recorded these changes. Gantry looked each object up:\n\n");
    for r in &plan.recovered {
        let id = r.id.as_deref().map(|i| format!(" (id={i})")).unwrap_or_default();
        let what = match r.outcome {
            RecoveryOutcome::Adopted => format!("was created{id} and is now recorded in state"),
            RecoveryOutcome::NotCreated => "had not been created; nothing to adopt".to_string(),
            RecoveryOutcome::ReplacedGone => "had its replaced object deleted already".to_string(),
            RecoveryOutcome::ReplacedRemains => {
                format!("has a replaced object{id} that still exists; it is destroyed below")
            }
        };
        let _ = writeln!(out, "  # {} {what}", r.address);
    }
    out.push('\n');
    out
}
