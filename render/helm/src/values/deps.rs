//! Dependency processing: matching Chart.yaml `dependencies` to charts in
//! `charts/`, aliases, `condition`/`tags` enablement and `import-values`.

use serde_json::{Map, Value as J};

use super::{coalesce_tables, coalesce_values, path_value};
use crate::chart::Chart;
use crate::error::{Error, ErrorKind, Result};

/// A chart as it takes part in a render: its effective name (alias), its default
/// values (after imports) and its enabled dependencies.
#[derive(Debug)]
pub struct Resolved<'a> {
    pub chart: &'a Chart,
    pub name: String,
    pub values: J,
    pub deps: Vec<Resolved<'a>>,
    /// Template path prefix: `parent/charts/name`.
    pub full_path: String,
}

/// Builds the enabled dependency tree for `user` values.
pub fn resolve<'a>(chart: &'a Chart, user: &Map<String, J>, allow_missing: bool) -> Result<Resolved<'a>> {
    if !allow_missing {
        check_declared(chart, chart.name(), 0)?;
    }
    let mut root = build(chart, chart.name().to_string(), chart.name().to_string(), 0);
    // Enablement needs coalesced values, which need the tree: start from every
    // dependency, then prune with the values that tree produces, as Helm does.
    let tags = {
        let cvals = coalesce_values(&root, user);
        cvals.get("tags").and_then(|t| t.as_object()).cloned().unwrap_or_default()
    };
    prune(&mut root, user, &tags, "");
    import_values(&mut root, 0);
    Ok(root)
}

fn check_declared(chart: &Chart, origin: &str, depth: usize) -> Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let mut missing = Vec::new();
    for d in &chart.metadata.dependencies {
        if !chart.dependencies.iter().any(|c| c.name() == d.name) {
            missing.push(d.name.clone());
        }
    }
    if !missing.is_empty() {
        return Err(Error::new(
            ErrorKind::MissingDependency,
            format!(
                "chart {origin}: found in Chart.yaml, but missing in charts/ directory: {} (run `helm dependency build` or unpack the dependency archives into charts/)",
                missing.join(", ")
            ),
        ));
    }
    for c in &chart.dependencies {
        check_declared(c, &format!("{origin}/charts/{}", c.name()), depth + 1)?;
    }
    Ok(())
}

fn build<'a>(chart: &'a Chart, name: String, full_path: String, depth: usize) -> Resolved<'a> {
    let mut deps = Vec::new();
    if depth < 32 {
        // Charts in charts/ that Chart.yaml does not declare are always included.
        for c in &chart.dependencies {
            if !chart.metadata.dependencies.iter().any(|d| d.name == c.name()) {
                let p = format!("{full_path}/charts/{}", c.name());
                deps.push(build(c, c.name().to_string(), p, depth + 1));
            }
        }
        for d in &chart.metadata.dependencies {
            if let Some(c) = chart.dependencies.iter().find(|c| c.name() == d.name) {
                let n = if d.alias.is_empty() { d.name.clone() } else { d.alias.clone() };
                let p = format!("{full_path}/charts/{n}");
                deps.push(build(c, n, p, depth + 1));
            }
        }
    }
    Resolved { chart, name, values: chart.values.clone(), deps, full_path }
}

fn prune(r: &mut Resolved, user: &Map<String, J>, tags: &Map<String, J>, path: &str) {
    let cvals = coalesce_values(r, user);
    let decl = r.chart.metadata.dependencies.clone();
    r.deps.retain(|d| {
        let Some(req) = decl.iter().find(|q| {
            let n = if q.alias.is_empty() { &q.name } else { &q.alias };
            *n == d.name
        }) else {
            return true;
        };
        let mut enabled = true;
        if !req.tags.is_empty() {
            let (mut has_true, mut has_false) = (false, false);
            for t in &req.tags {
                match tags.get(t) {
                    Some(J::Bool(true)) => has_true = true,
                    Some(J::Bool(false)) => has_false = true,
                    _ => {}
                }
            }
            enabled = has_true || !has_false;
        }
        if !req.condition.is_empty() {
            for c in req.condition.split(',') {
                let full = format!("{path}{}", c.trim());
                if let Some(J::Bool(b)) = path_value(&cvals, &full) {
                    enabled = *b;
                    break;
                }
            }
        }
        enabled
    });
    for d in &mut r.deps {
        let sub = format!("{path}{}.", d.name);
        prune(d, user, tags, &sub);
    }
}

fn import_values(r: &mut Resolved, depth: usize) {
    if depth > 32 {
        return;
    }
    for d in &mut r.deps {
        import_values(d, depth + 1);
    }
    let decl = r.chart.metadata.dependencies.clone();
    if decl.iter().all(|d| d.import_values.is_empty()) {
        return;
    }
    let cvals = coalesce_values(r, &Map::new());
    let mut imported = Map::new();
    for req in &decl {
        let name = if req.alias.is_empty() { &req.name } else { &req.alias };
        if !r.deps.iter().any(|d| &d.name == name) {
            continue;
        }
        for iv in &req.import_values {
            let (child, parent) = match iv {
                J::String(s) => (format!("exports.{s}"), ".".to_string()),
                J::Object(o) => (
                    o.get("child").and_then(|v| v.as_str()).unwrap_or("").to_string(),
                    o.get("parent").and_then(|v| v.as_str()).unwrap_or(".").to_string(),
                ),
                _ => continue,
            };
            let Some(J::Object(table)) = path_value(&cvals, &format!("{name}.{child}")) else {
                continue;
            };
            let placed = path_to_map(&parent, table.clone());
            coalesce_tables(&mut imported, placed, false);
        }
    }
    let mut vals = cvals;
    coalesce_tables(&mut vals, imported, false);
    r.values = J::Object(vals);
}

fn path_to_map(path: &str, data: Map<String, J>) -> Map<String, J> {
    if path == "." || path.is_empty() {
        return data;
    }
    let mut cur = J::Object(data);
    for part in path.split('.').filter(|p| !p.is_empty()).rev() {
        let mut m = Map::new();
        m.insert(part.to_string(), cur);
        cur = J::Object(m);
    }
    match cur {
        J::Object(m) => m,
        _ => Map::new(),
    }
}
