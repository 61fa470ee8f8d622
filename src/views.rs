//! Human renderings of plans, state and values, in the shape Terraform users know.

use crate::streamed::Streamed;
use gantry_core::analysis::plan_analysis::Analysis;
use gantry_core::plan::{Action, Plan, ResourceChange};
use gantry_core::value::{format_number, quote, quote_key, PathStep, Value};
use std::fmt::Write as _;

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
    fn action(&self, a: Action) -> String {
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
    let (add, change, destroy) = plan.counts();
    let moved = if plan.moved.is_empty() { String::new() } else { format!(" {} moved.", plan.moved.len()) };
    let (imports, _) = plan.import_forget_counts();
    let imports = if imports > 0 { format!("{imports} to import, ") } else { String::new() };
    let _ = writeln!(
        out,
        "{} {imports}{add} to add, {change} to change, {destroy} to destroy.{moved}",
        style.bold("Plan:")
    );
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

fn render_body(c: &ResourceChange, style: &Style, drift: bool) -> String {
    let (before, after) = (&c.before, &c.after);
    let (kind, t, n) = (
        if c.address.resource.mode == gantry_core::addr::Mode::Data { "data" } else { "resource" },
        &c.address.resource.type_name,
        &c.address.resource.name,
    );
    let action = if drift { Action::Update } else { c.action };
    let mut out = format!("  {} {kind} \"{t}\" \"{n}\" {{\n", style.action(action));
    // What is forgotten or imported unchanged is shown as it is, without signs.
    if matches!(c.action, Action::Forget | Action::NoOp) && !drift {
        if let Some(b) = before {
            attrs(&mut out, b, 6, " ", style);
        }
        out.push_str("    }\n");
        return out;
    }
    let replace_paths = &c.requires_replace;
    match (before, after) {
        (None, Some(a)) => attrs(&mut out, a, 6, "+", style),
        (Some(b), None) => attrs(&mut out, b, 6, "-", style),
        (Some(b), Some(a)) => diff(&mut out, b, a, 6, &mut Vec::new(), replace_paths, style),
        (None, None) => {}
    }
    out.push_str("    }\n");
    out
}

fn attrs(out: &mut String, v: &Value, indent: usize, sign: &str, style: &Style) {
    let Some(map) = v.as_object() else { return };
    for (k, v) in map {
        if v.is_null() || matches!(v, Value::List(l) if l.is_empty()) {
            continue;
        }
        let _ = writeln!(out, "{:indent$}{} {} = {}", "", paint_sign(sign, style), quote_key(k), block(v, indent + 4));
    }
}

fn paint_sign(sign: &str, style: &Style) -> String {
    match sign {
        "+" => style.action(Action::Create),
        "-" => style.action(Action::Delete),
        "~" => style.action(Action::Update),
        other => other.to_string(),
    }
}

fn diff(
    out: &mut String,
    before: &Value,
    after: &Value,
    indent: usize,
    path: &mut Vec<PathStep>,
    replace: &[Vec<PathStep>],
    style: &Style,
) {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else { return };
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let bv = b.get(k).cloned().unwrap_or(Value::Null);
        let av = a.get(k).cloned().unwrap_or(Value::Null);
        if bv.clone().deep_unmarked() == av.clone().deep_unmarked() && bv.is_sensitive() == av.is_sensitive() {
            continue;
        }
        path.push(PathStep::Key(k.clone()));
        let forces = if replace.iter().any(|p| p == path) { " # forces replacement" } else { "" };
        let key = quote_key(k);
        match (bv.unmarked(), av.unmarked()) {
            (Value::Object(_), Value::Object(_)) if !bv.is_sensitive() && !av.is_sensitive() => {
                let _ = writeln!(out, "{:indent$}{} {key} {{{forces}", "", paint_sign("~", style));
                diff(out, &bv, &av, indent + 4, path, replace, style);
                let _ = writeln!(out, "{:indent$}  }}", "");
            }
            (Value::List(bl), Value::List(al))
                if !bv.is_sensitive()
                    && !av.is_sensitive()
                    && bl.len() == al.len()
                    && bl.iter().chain(al).all(|x| x.as_object().is_some()) =>
            {
                let _ = writeln!(out, "{:indent$}{} {key} = [{forces}", "", paint_sign("~", style));
                for (i, (x, y)) in bl.iter().zip(al).enumerate() {
                    if x == y {
                        continue;
                    }
                    path.push(PathStep::Index(i));
                    let _ = writeln!(out, "{:w$}{} {{", "", paint_sign("~", style), w = indent + 4);
                    diff(out, x, y, indent + 8, path, replace, style);
                    let _ = writeln!(out, "{:w$}  }},", "", w = indent + 4);
                    path.pop();
                }
                let _ = writeln!(out, "{:indent$}  ]", "");
            }
            (Value::String(x), Value::String(y))
                if (x.contains('\n') || y.contains('\n') || (json_text(x).is_some() && json_text(y).is_some()))
                    && !bv.is_sensitive()
                    && !av.is_sensitive() =>
            {
                // Embedded JSON is pretty-printed first, so that one changed field is one changed line.
                let (x, y) = match (json_text(x), json_text(y)) {
                    (Some(a), Some(b)) => (a, b),
                    _ => (x.clone(), y.clone()),
                };
                let _ = writeln!(out, "{:indent$}{} {key} = <<-EOT{forces}", "", paint_sign("~", style));
                let text_diff = similar::TextDiff::from_lines(x.as_str(), y.as_str());
                for change in text_diff.iter_all_changes() {
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => paint_sign("-", style),
                        similar::ChangeTag::Insert => paint_sign("+", style),
                        similar::ChangeTag::Equal => " ".into(),
                    };
                    let _ = writeln!(out, "{:w$}{sign} {}", "", change.value().trim_end_matches('\n'), w = indent + 4);
                }
                let _ = writeln!(out, "{:indent$}  EOT", "");
            }
            _ if bv.is_null() => {
                let _ = writeln!(
                    out,
                    "{:indent$}{} {key} = {}{forces}",
                    "",
                    paint_sign("+", style),
                    block(&av, indent + 4)
                );
            }
            _ if av.is_null() => {
                let _ = writeln!(
                    out,
                    "{:indent$}{} {key} = {} -> null{forces}",
                    "",
                    paint_sign("-", style),
                    block(&bv, indent + 4)
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{:indent$}{} {key} = {} -> {}{forces}",
                    "",
                    paint_sign("~", style),
                    block(&bv, indent + 4),
                    block(&av, indent + 4)
                );
            }
        }
        path.pop();
    }
}

/// The pretty-printed form of a string that holds a JSON object or array.
fn json_text(s: &str) -> Option<String> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    let mut text = serde_json::to_string_pretty(&v).ok()?;
    text.push('\n');
    Some(text)
}

/// A value on one line: `"a"`, `3`, `["x", "y"]`, `{ a = 1 }`.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Unknown => "(known after apply)".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::String(s) => quote(s),
        Value::List(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            if map.is_empty() {
                return "{}".into();
            }
            format!(
                "{{ {} }}",
                map.iter().map(|(k, v)| format!("{} = {}", quote_key(k), inline(v))).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// A value laid out over several lines when it is a collection.
pub fn block(v: &Value, indent: usize) -> String {
    match v {
        Value::List(items) if items.iter().any(|i| matches!(i, Value::Object(_) | Value::List(_))) => {
            let mut s = String::from("[\n");
            for item in items {
                let _ = writeln!(s, "{:w$}{},", "", block(item, indent + 4), w = indent + 4);
            }
            let _ = write!(s, "{:indent$}]", "");
            s
        }
        Value::Object(map) if !map.is_empty() => {
            let mut s = String::from("{\n");
            let width = map.keys().map(|k| quote_key(k).len()).max().unwrap_or(0);
            for (k, v) in map {
                let _ = writeln!(s, "{:w$}{:width$} = {}", "", quote_key(k), block(v, indent + 4), w = indent + 4);
            }
            let _ = write!(s, "{:indent$}}}", "");
            s
        }
        Value::String(text) if text.contains('\n') => {
            let mut s = String::from("<<-EOT\n");
            for line in text.lines() {
                let _ = writeln!(s, "{:w$}{line}", "", w = indent + 4);
            }
            let _ = write!(s, "{:indent$}EOT", "");
            s
        }
        other => inline(other),
    }
}

/// Rows of cells as columns padded to their widest cell; numeric columns (those
/// named in `right`) are right-aligned.
fn table(rows: &[Vec<String>], right: &[usize], indent: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = " ".repeat(indent);
        for (i, cell) in row.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                line.push_str("  ");
            }
            if right.contains(&i) {
                let _ = write!(line, "{cell:>w$}");
            } else {
                let _ = write!(line, "{cell:<w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn usd(n: f64) -> String {
    format!("{n:.2}")
}

fn signed_usd(n: f64, decimals: usize) -> String {
    // Rounding first keeps a tiny negative from printing as "-0.00".
    let scale = 10f64.powi(decimals as i32);
    let r = (n * scale).round() / scale;
    if r > 0.0 {
        format!("+{r:.decimals$}")
    } else if r < 0.0 {
        format!("{r:.decimals$}")
    } else {
        format!("{:.decimals$}", 0.0)
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

/// The plan's "Cluster analysis" section: fit, cost and disruption, compactly.
pub fn render_analysis(a: &Analysis, style: &Style) -> String {
    let mut out = String::new();
    out.push_str(&style.bold("Cluster analysis:"));
    out.push_str("\n\n");
    if !a.fit.is_empty() {
        let pods: u64 = a.fit.iter().map(|f| u64::from(f.pods)).sum();
        let failing = a.fit.iter().filter(|f| f.problem.is_some()).count();
        let verdict = if failing == 0 {
            "all fit with every pool at its max size".to_string()
        } else {
            format!("{failing} cannot be scheduled")
        };
        let _ = writeln!(
            out,
            "  Fit: {}, {} at most; {verdict}",
            plural(a.fit.len() as u64, "workload", "workloads"),
            plural(pods, "pod", "pods")
        );
        let rows: Vec<Vec<String>> = a
            .fit
            .iter()
            .map(|f| {
                let placed = if f.problem.is_some() {
                    format!("{}/{} placed", f.placed, f.pods)
                } else {
                    plural(u64::from(f.pods), "pod", "pods")
                };
                let on = if f.pools.is_empty() { "-".to_string() } else { format!("on {}", f.pools.join(", ")) };
                let note = f.replicas_from.as_ref().map(|r| format!("({r})")).unwrap_or_default();
                vec![f.workload.clone(), placed, on, note]
            })
            .collect();
        out.push_str(&table(&rows, &[1], 4));
    }
    if !a.cost.pools.is_empty() {
        let c = &a.cost;
        let _ = writeln!(out, "  Cost (USD, {} On-Demand prices; a month is 730 hours):", c.region);
        let mut rows = vec![[
            "pool",
            "instance type",
            "capacity",
            "min/desired/max",
            "per hour",
            "per month",
            "floor/month",
            "ceiling/month",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()];
        for p in &c.pools {
            let instance = match &p.gpus {
                Some(g) => format!("{} ({g})", p.instance_type),
                None => p.instance_type.clone(),
            };
            let capacity = if p.estimate { "spot (estimate)" } else { "on-demand" };
            rows.push(vec![
                p.pool.clone(),
                instance,
                capacity.to_string(),
                format!("{}/{}/{}", p.min_size, p.desired_size, p.max_size),
                format!("{:.4}", p.hourly_usd.desired),
                usd(p.monthly_usd.desired),
                usd(p.monthly_usd.floor),
                usd(p.monthly_usd.ceiling),
            ]);
        }
        rows.push(vec![
            "total".to_string(),
            String::new(),
            String::new(),
            String::new(),
            format!("{:.4}", c.hourly_usd.desired),
            usd(c.monthly_usd.desired),
            usd(c.monthly_usd.floor),
            usd(c.monthly_usd.ceiling),
        ]);
        out.push_str(&table(&rows, &[4, 5, 6, 7], 4));
        let _ = writeln!(
            out,
            "    change from the current state: {}/hour ({}/month); current {:.4}/hour ({}/month)",
            signed_usd(c.delta_hourly_usd, 4),
            signed_usd(c.delta_monthly_usd, 2),
            c.current_hourly_usd,
            usd(c.current_monthly_usd)
        );
        let spot_pools: Vec<_> = c.pools.iter().filter(|p| p.estimate).collect();
        for p in spot_pools {
            let _ = writeln!(
                out,
                "    {} on spot: {}/month (estimate) vs {}/month on-demand",
                p.pool,
                usd(p.spot_estimate_monthly_usd),
                usd(p.on_demand_monthly_usd)
            );
        }
        if let Some(source) = &c.spot_estimate {
            let _ = writeln!(out, "    ({source})");
        }
    }
    if !a.disruption.is_empty() {
        out.push_str("  Disruption:\n");
        for d in &a.disruption {
            let evicts = if d.evicts.is_empty() { "nothing running there".to_string() } else { d.evicts.join(", ") };
            let verb = if d.pool.is_some() { "evicts" } else { "affects" };
            let _ = writeln!(out, "    {} ({}): {}; {verb} {evicts}", d.address, d.action, d.effect);
        }
    }
    if !a.notes.is_empty() {
        out.push_str("  Notes:\n");
        for n in &a.notes {
            let _ = writeln!(out, "    {n}");
        }
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
