//! Helm's engine: one template set for the chart and all subcharts, parsed in
//! Helm's order (deeper paths first, so a parent's `define` wins), each template
//! executed with its own chart's scope, and errors reformatted as Helm does.

use std::rc::Rc;

use serde_json::{Map, Value as J};

use super::context::{self, KubeVersion, ReleaseInfo};
use super::RenderOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::funcs::misc::{WARN_END, WARN_START};
use crate::funcs::{func_map, Host, NoCluster};
use crate::template::exec::Exec;
use crate::template::{add_parse, Templates};
use crate::value::Value;
use crate::values::deps::Resolved;

struct Renderable {
    name: String,
    text: String,
    scope: Value,
    base_path: String,
}

/// Executes every template; returns (template path, output) pairs, partials excluded.
pub fn render_templates(
    root: &Resolved,
    vals: &Map<String, J>,
    opts: &RenderOptions,
    kube: KubeVersion,
    apis: Vec<String>,
) -> Result<Vec<(String, String)>> {
    let name = if opts.release_name.is_empty() { "release-name" } else { &opts.release_name };
    let namespace = if opts.namespace.is_empty() { "default" } else { &opts.namespace };
    let release = context::release(&ReleaseInfo {
        name,
        namespace,
        is_upgrade: opts.is_upgrade,
        revision: if opts.revision == 0 { 1 } else { opts.revision },
    });
    let caps = context::capabilities(kube, apis);
    let values = Value::from_json_with(&J::Object(vals.clone()), false);
    let mut tpls = Vec::new();
    collect(root, true, &values, &release, &caps, &mut tpls, 0);

    // Helm's sortTemplates: more path segments first, then reverse lexical order.
    tpls.sort_by(|a, b| {
        let (ca, cb) = (a.name.matches('/').count(), b.name.matches('/').count());
        cb.cmp(&ca).then_with(|| b.name.cmp(&a.name))
    });

    let funcs = func_map();
    let mut set = Templates::new();
    for t in &tpls {
        add_parse(&mut set, &t.name, &t.text, &funcs).map_err(|e| parse_error(&t.name, &e))?;
    }
    let no_cluster = NoCluster;
    let host: &dyn Host = match &opts.lookup {
        Some(h) => h.as_ref(),
        None => &no_cluster,
    };
    let mut ex = Exec::new(Rc::new(set), &funcs, host);
    let mut out = Vec::new();
    for t in &tpls {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if base.starts_with('_') {
            continue;
        }
        let data = with_template(&t.scope, &t.name, &t.base_path);
        let mut buf = String::new();
        ex.execute(&t.name, &data, &mut buf).map_err(|e| exec_error(&t.name, &e.0))?;
        out.push((t.name.clone(), buf.replace("<no value>", "")));
    }
    Ok(out)
}

/// Builds each chart's scope (`.Values`, `.Chart`, `.Files`...) and lists its templates.
fn collect(
    r: &Resolved,
    is_root: bool,
    parent_values: &Value,
    release: &Value,
    caps: &Value,
    out: &mut Vec<Renderable>,
    depth: usize,
) -> Value {
    let scoped_values = if is_root {
        parent_values.clone()
    } else {
        match parent_values {
            Value::Map(m) => match m.borrow().get(&r.name) {
                Some(v @ Value::Map(_)) => v.clone(),
                _ => Value::empty_map(),
            },
            _ => Value::empty_map(),
        }
    };
    let subcharts = Value::empty_map();
    let mut next = crate::value::Map::new();
    next.insert("Chart".into(), context::chart_value(r.chart, &r.name, is_root));
    next.insert("Files".into(), context::files_value(r.chart));
    next.insert("Release".into(), release.clone());
    next.insert("Capabilities".into(), caps.clone());
    next.insert("Values".into(), scoped_values.clone());
    next.insert("Subcharts".into(), subcharts.clone());
    let next = Value::map(next);
    if depth < 32 {
        for d in &r.deps {
            let child = collect(d, false, &scoped_values, release, caps, out, depth + 1);
            if let Value::Map(m) = &subcharts {
                m.borrow_mut().insert(d.name.clone(), child);
            }
        }
    }
    let library = r.chart.is_library();
    for f in &r.chart.templates {
        let base = f.name.rsplit('/').next().unwrap_or(&f.name);
        if library && !base.starts_with('_') {
            continue;
        }
        out.push(Renderable {
            name: format!("{}/{}", r.full_path, f.name),
            text: String::from_utf8_lossy(&f.data).into_owned(),
            scope: next.clone(),
            base_path: format!("{}/templates", r.full_path),
        });
    }
    next
}

fn with_template(scope: &Value, name: &str, base_path: &str) -> Value {
    let Value::Map(m) = scope else {
        return scope.clone();
    };
    let mut t = crate::value::Map::new();
    t.insert("Name".into(), Value::str(name));
    t.insert("BasePath".into(), Value::str(base_path));
    // Helm sets Template on the chart's shared scope map before each file.
    m.borrow_mut().insert("Template".into(), Value::map(t));
    scope.clone()
}

/// Helm's `cleanupParseError`: `parse error at (file:line): message`.
fn parse_error(file: &str, err: &str) -> Error {
    let tokens: Vec<&str> = err.split(": ").collect();
    let msg = if tokens.len() < 2 {
        format!("parse error in ({file}): {err}")
    } else {
        format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1])
    };
    Error::new(ErrorKind::Parse, msg)
}

/// Helm's `reformatExecErrorMsg` for `fail`/`required`; other errors as Go gives them.
fn exec_error(file: &str, err: &str) -> Error {
    let tokens: Vec<&str> = err.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return Error::new(ErrorKind::Render, format!("execution error in ({file}): {err}"));
    }
    if let (Some(s), Some(e)) = (err.find(WARN_START), err.rfind(WARN_END)) {
        if s + WARN_START.len() <= e {
            let msg = &err[s + WARN_START.len()..e];
            return Error::new(ErrorKind::Render, format!("execution error at ({}): {msg}", tokens[1]));
        }
    }
    Error::new(ErrorKind::Render, err.to_string())
}
