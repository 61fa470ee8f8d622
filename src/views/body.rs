//! The body of one resource change, laid out as Terraform lays it out: every line
//! of a value being added or removed carries its sign, nested values sit four
//! columns under their key, `=` signs line up within a block, and an update shows
//! only what changes, with a count of what it hides.

use super::values::{inline, json_text};
use super::Style;
use gantry_core::plan::{Action, ResourceChange};
use gantry_core::value::{quote_key, PathStep, Value};
use std::fmt::Write as _;

pub fn render_body(c: &ResourceChange, style: &Style, drift: bool) -> String {
    let before = c.before.as_ref().map(without_echo);
    let after = c.after.as_ref().map(without_echo);
    let (kind, t, n) = (
        if c.address.resource.mode == gantry_core::addr::Mode::Data { "data" } else { "resource" },
        &c.address.resource.type_name,
        &c.address.resource.name,
    );
    let action = if drift { Action::Update } else { c.action };
    let mut out = format!("  {} {kind} \"{t}\" \"{n}\" {{\n", style.action(action));
    // What is forgotten or imported unchanged is shown as it is, without signs.
    if matches!(c.action, Action::Forget | Action::NoOp) && !drift {
        if let Some(b) = &before {
            whole(&mut out, b, 6, " ", style);
        }
        out.push_str("    }\n");
        return out;
    }
    match (&before, &after) {
        (None, Some(a)) => whole(&mut out, a, 6, "+", style),
        (Some(b), None) => whole(&mut out, b, 6, "-", style),
        (Some(b), Some(a)) => {
            let mut path = Vec::new();
            diff(&mut out, b, a, 6, &mut path, &Edit { replace: &c.requires_replace, style });
        }
        (None, None) => {}
    }
    out.push_str("    }\n");
    out
}

/// A value whose `object` attribute is what the server made of its `manifest`
/// (`kubernetes_manifest`), with `object` cut to what the manifest does not say
/// already: the fields the server added or changed, and those not known yet.
/// Printing both whole doubled every manifest in a plan.
fn without_echo(v: &Value) -> Value {
    let Some(map) = v.as_object() else { return v.clone() };
    let (Some(manifest), Some(object)) = (map.get("manifest"), map.get("object")) else { return v.clone() };
    let mut out = map.clone();
    match residue(manifest, object) {
        Some(rest) => out.insert("object".into(), rest),
        None => out.remove("object"),
    };
    Value::Object(out)
}

/// What `object` holds beyond `manifest`; `None` when nothing.
fn residue(manifest: &Value, object: &Value) -> Option<Value> {
    if manifest == object {
        return None;
    }
    match (manifest.as_object(), object.as_object()) {
        (Some(m), Some(o)) if !manifest.is_sensitive() && !object.is_sensitive() => {
            let rest: gantry_core::value::Map = o
                .iter()
                .filter_map(|(k, ov)| match m.get(k) {
                    Some(mv) => residue(mv, ov).map(|r| (k.clone(), r)),
                    None => Some((k.clone(), ov.clone())),
                })
                .collect();
            (!rest.is_empty()).then_some(Value::Object(rest))
        }
        _ => Some(object.clone()),
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

/// Attributes shown when they are not null or an empty list.
fn shown(v: &Value) -> bool {
    !(v.is_null() || matches!(v, Value::List(l) if l.is_empty()))
}

/// The attributes of a whole object being added or removed, each line signed.
fn whole(out: &mut String, v: &Value, indent: usize, sign: &str, style: &Style) {
    let Some(map) = v.as_object() else { return };
    let width = map.iter().filter(|(_, v)| shown(v)).map(|(k, _)| quote_key(k).chars().count()).max().unwrap_or(0);
    for (k, v) in map.iter().filter(|(_, v)| shown(v)) {
        let _ = writeln!(
            out,
            "{:indent$}{} {:width$} = {}",
            "",
            paint_sign(sign, style),
            quote_key(k),
            signed(v, indent, sign, style)
        );
    }
}

/// A value added or removed whole, its nested lines signed too; `indent` is the
/// column of the sign on the line the value starts on.
pub fn signed(v: &Value, indent: usize, sign: &str, style: &Style) -> String {
    let inner = indent + 4;
    match v {
        Value::Object(map) if !map.is_empty() => {
            let mut s = String::from("{\n");
            whole(&mut s, v, inner, sign, style);
            let _ = write!(s, "{:w$}}}", "", w = indent + 2);
            s
        }
        Value::List(items) if !items.is_empty() => {
            let mut s = String::from("[\n");
            for item in items {
                let _ = writeln!(s, "{:inner$}{} {},", "", paint_sign(sign, style), signed(item, inner, sign, style));
            }
            let _ = write!(s, "{:w$}]", "", w = indent + 2);
            s
        }
        Value::String(text) if text.contains('\n') => heredoc(text, indent),
        other => inline(other),
    }
}

fn heredoc(text: &str, indent: usize) -> String {
    let mut s = String::from("<<-EOT\n");
    for line in text.lines() {
        let _ = writeln!(s, "{:w$}{line}", "", w = indent + 6);
    }
    let _ = write!(s, "{:w$}EOT", "", w = indent + 2);
    s
}

/// A value on the left or right of `->`: collections laid out as when added.
fn unsigned(v: &Value, indent: usize) -> String {
    signed(v, indent, " ", &Style { color: false })
}

struct Edit<'a> {
    replace: &'a [Vec<PathStep>],
    style: &'a Style,
}

fn same(b: &Value, a: &Value) -> bool {
    b.clone().deep_unmarked() == a.clone().deep_unmarked() && b.is_sensitive() == a.is_sensitive()
}

fn hidden_line(out: &mut String, n: usize, what: &str, indent: usize) {
    if n > 0 {
        let plural = if n == 1 { what.to_string() } else { format!("{what}s") };
        let _ = writeln!(out, "{:w$}# ({n} unchanged {plural} hidden)", "", w = indent + 2);
    }
}

/// The changes between two objects, one line (or nested block) per changed attribute.
fn diff(out: &mut String, before: &Value, after: &Value, indent: usize, path: &mut Vec<PathStep>, e: &Edit) {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else { return };
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let null = Value::Null;
    let changed: Vec<&String> =
        keys.iter().copied().filter(|k| !same(b.get(*k).unwrap_or(&null), a.get(*k).unwrap_or(&null))).collect();
    let width = changed.iter().map(|k| quote_key(k).chars().count()).max().unwrap_or(0);
    for k in &changed {
        let bv = b.get(*k).unwrap_or(&null);
        let av = a.get(*k).unwrap_or(&null);
        path.push(PathStep::Key((*k).clone()));
        let forces = if e.replace.iter().any(|p| p == path) { " # forces replacement" } else { "" };
        let key = format!("{:width$}", quote_key(k));
        change(out, &key, bv, av, indent, forces, path, e);
        path.pop();
    }
    hidden_line(out, keys.len() - changed.len(), "attribute", indent);
}

/// One changed attribute (or list element, with `key` empty).
#[allow(clippy::too_many_arguments)]
fn change(
    out: &mut String,
    key: &str,
    bv: &Value,
    av: &Value,
    indent: usize,
    forces: &str,
    path: &mut Vec<PathStep>,
    e: &Edit,
) {
    let style = e.style;
    let lead = if key.is_empty() { String::new() } else { format!("{key} = ") };
    let plain = !bv.is_sensitive() && !av.is_sensitive();
    match (bv.unmarked(), av.unmarked()) {
        (Value::Object(_), Value::Object(_)) if plain => {
            let _ = writeln!(out, "{:indent$}{} {lead}{{{forces}", "", paint_sign("~", style));
            diff(out, bv, av, indent + 4, path, e);
            let _ = writeln!(out, "{:w$}}}", "", w = indent + 2);
        }
        (Value::List(bl), Value::List(al)) if plain => {
            let _ = writeln!(out, "{:indent$}{} {lead}[{forces}", "", paint_sign("~", style));
            list_diff(out, bl, al, indent + 4, path, e);
            let _ = writeln!(out, "{:w$}]", "", w = indent + 2);
        }
        (Value::String(x), Value::String(y))
            if plain
                && (x.contains('\n') || y.contains('\n') || (json_text(x).is_some() && json_text(y).is_some())) =>
        {
            // Embedded JSON is pretty-printed first, so that one changed field is one changed line.
            let (x, y) = match (json_text(x), json_text(y)) {
                (Some(a), Some(b)) => (a, b),
                _ => (x.clone(), y.clone()),
            };
            let _ = writeln!(out, "{:indent$}{} {lead}<<-EOT{forces}", "", paint_sign("~", style));
            for c in similar::TextDiff::from_lines(x.as_str(), y.as_str()).iter_all_changes() {
                let sign = match c.tag() {
                    similar::ChangeTag::Delete => paint_sign("-", style),
                    similar::ChangeTag::Insert => paint_sign("+", style),
                    similar::ChangeTag::Equal => " ".into(),
                };
                let _ = writeln!(out, "{:w$}{sign} {}", "", c.value().trim_end_matches('\n'), w = indent + 4);
            }
            let _ = writeln!(out, "{:w$}EOT", "", w = indent + 2);
        }
        _ if bv.is_null() => {
            let _ = writeln!(
                out,
                "{:indent$}{} {lead}{}{forces}",
                "",
                paint_sign("+", style),
                signed(av, indent, "+", style)
            );
        }
        _ if av.is_null() => {
            let shown = signed(bv, indent, "-", style);
            let _ = writeln!(out, "{:indent$}{} {lead}{shown} -> null{forces}", "", paint_sign("-", style));
        }
        _ => {
            let (from, to) = (unsigned(bv, indent), unsigned(av, indent));
            let _ = writeln!(out, "{:indent$}{} {lead}{from} -> {to}{forces}", "", paint_sign("~", style));
        }
    }
}

/// Element by element: objects at the same position are diffed in place, other
/// elements are matched by a sequence diff so that one insertion is one `+` line.
fn list_diff(out: &mut String, before: &[Value], after: &[Value], indent: usize, path: &mut Vec<PathStep>, e: &Edit) {
    let style = e.style;
    let objects = before.len() == after.len() && before.iter().chain(after).all(|x| x.as_object().is_some());
    let mut unchanged = 0;
    if objects {
        for (i, (x, y)) in before.iter().zip(after).enumerate() {
            if same(x, y) {
                unchanged += 1;
                continue;
            }
            path.push(PathStep::Index(i));
            let _ = writeln!(out, "{:indent$}{} {{", "", paint_sign("~", style));
            diff(out, x, y, indent + 4, path, e);
            let _ = writeln!(out, "{:w$}}},", "", w = indent + 2);
            path.pop();
        }
    } else {
        let old: Vec<String> = before.iter().map(inline).collect();
        let new: Vec<String> = after.iter().map(inline).collect();
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
            for c in op.iter_changes(&old, &new) {
                let (sign, element) = match (c.tag(), c.old_index(), c.new_index()) {
                    (similar::ChangeTag::Delete, Some(i), _) => ("-", &before[i]),
                    (similar::ChangeTag::Insert, _, Some(i)) => ("+", &after[i]),
                    _ => {
                        unchanged += 1;
                        continue;
                    }
                };
                let shown = signed(element, indent, sign, style);
                let _ = writeln!(out, "{:indent$}{} {shown},", "", paint_sign(sign, style));
            }
        }
    }
    hidden_line(out, unchanged, "element", indent);
}
