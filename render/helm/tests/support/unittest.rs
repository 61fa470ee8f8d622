//! A small helm-unittest runner: reads its YAML suites (`suite`, `templates`,
//! `tests[].set/values/release/capabilities/documentIndex/documentSelector`) and
//! checks the asserts against this crate's rendering. Assert kinds it does not know
//! are counted as unsupported, never skipped silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gantry_helm::{render, Chart, RenderOptions};
use serde_json::Value as J;

use super::jsonpath::select;

#[derive(Debug, Default)]
pub struct Outcome {
    pub passed: usize,
    pub failures: Vec<String>,
    pub unsupported: BTreeMap<String, usize>,
}

impl Outcome {
    pub fn total(&self) -> usize {
        self.passed + self.failures.len() + self.unsupported.values().sum::<usize>()
    }
    pub fn summary(&self) -> String {
        format!(
            "{}/{} assertions pass, {} fail, unsupported: {:?}",
            self.passed,
            self.total(),
            self.failures.len(),
            self.unsupported
        )
    }
}

pub fn suite_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with("_test.yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Runs every suite under `suites` against the chart at `chart_dir`.
pub fn run(chart_dir: &Path, suites: &Path) -> Outcome {
    let chart = Chart::load(chart_dir).unwrap_or_else(|e| panic!("loading {}: {e}", chart_dir.display()));
    let mut out = Outcome::default();
    for f in suite_files(suites) {
        let text = std::fs::read_to_string(&f).expect("suite readable");
        let suite = gantry_helm::yaml::parse_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let rel = f.strip_prefix(suites).unwrap_or(&f).display().to_string();
        run_suite(&chart, &suite, f.parent().unwrap_or(suites), &rel, &mut out);
    }
    out
}

fn strs(j: &J) -> Vec<String> {
    match j {
        J::String(s) => vec![s.clone()],
        J::Array(a) => a.iter().filter_map(|x| x.as_str().map(String::from)).collect(),
        _ => Vec::new(),
    }
}

fn full_template(chart: &str, t: &str) -> String {
    if t.starts_with("charts/") {
        format!("{chart}/{t}")
    } else {
        format!("{chart}/templates/{}", t.strip_prefix("templates/").unwrap_or(t))
    }
}

fn run_suite(chart: &Chart, suite: &J, dir: &Path, file: &str, out: &mut Outcome) {
    let name = chart.name().to_string();
    let suite_templates = strs(&suite["templates"]);
    let Some(tests) = suite["tests"].as_array() else { return };
    for test in tests {
        let it = test["it"].as_str().unwrap_or("?");
        let mut templates = strs(&test["templates"]);
        templates.extend(strs(&test["template"]));
        if templates.is_empty() {
            templates = suite_templates.clone();
        }
        let result = render_for(chart, suite, test, dir, &suite_templates);
        let Some(asserts) = test["asserts"].as_array() else { continue };
        for (i, a) in asserts.iter().enumerate() {
            let Some((kind, body)) = a.as_object().and_then(|o| {
                o.iter().find(|(k, _)| !matches!(k.as_str(), "not" | "template" | "documentIndex" | "documentSelector"))
            }) else {
                continue;
            };
            let negate = a["not"].as_bool().unwrap_or(false);
            let targets = match a["template"].as_str() {
                Some(t) => vec![t.to_string()],
                None => templates.clone(),
            };
            let sel_index = a.get("documentIndex").or(test.get("documentIndex")).and_then(|v| v.as_i64());
            let selector = a.get("documentSelector").or(test.get("documentSelector"));
            let excluded = strs(&suite["excludeTemplates"]);
            let r = check(kind, body, negate, &result, &name, &targets, &excluded, sel_index, selector);
            match r {
                Check::Pass => out.passed += 1,
                Check::Fail(msg) => out.failures.push(format!("{file} :: {it} :: #{i} {kind}: {msg}")),
                Check::Unsupported => *out.unsupported.entry(kind.clone()).or_default() += 1,
            }
        }
    }
}

type RenderResult = Result<(BTreeMap<String, Vec<J>>, String), String>;

fn render_for(chart: &Chart, suite: &J, test: &J, dir: &Path, suite_templates: &[String]) -> RenderResult {
    let name = chart.name().to_string();
    let mut c = chart.clone();
    let mut keep: Vec<String> = suite_templates.iter().map(|t| full_template(&name, t)).collect();
    keep.extend(strs(&test["template"]).iter().map(|t| full_template(&name, t)));
    keep.extend(strs(&test["templates"]).iter().map(|t| full_template(&name, t)));
    if let Some(asserts) = test["asserts"].as_array() {
        keep.extend(asserts.iter().filter_map(|a| a["template"].as_str()).map(|t| full_template(&name, t)));
    }
    c.templates.retain(|f| {
        let base = f.name.rsplit('/').next().unwrap_or(&f.name);
        let full = format!("{name}/{}", f.name);
        base.starts_with('_') || keep.iter().any(|k| gantry_helm::chart::glob::shell_match(k, &full))
    });
    for (k, v) in [("version", "Version"), ("appVersion", "AppVersion")] {
        for src in [&suite["chart"][k], &test["chart"][k]] {
            if let Some(s) = src.as_str() {
                c.metadata.raw[k] = J::String(s.to_string());
                if v == "Version" {
                    c.metadata.version = s.to_string();
                } else {
                    c.metadata.app_version = s.to_string();
                }
            }
        }
    }
    let pick = |k: &str, f: &str| {
        test[k][f].clone().as_str().map(String::from).or_else(|| suite[k][f].as_str().map(String::from))
    };
    let mut opts = RenderOptions {
        release_name: pick("release", "name").unwrap_or_else(|| "RELEASE-NAME".into()),
        namespace: pick("release", "namespace").unwrap_or_else(|| "NAMESPACE".into()),
        is_upgrade: test["release"]["upgrade"].as_bool().or(suite["release"]["upgrade"].as_bool()).unwrap_or(false),
        revision: test["release"]["revision"].as_i64().or(suite["release"]["revision"].as_i64()).unwrap_or(0),
        allow_missing_dependencies: true,
        ignore_kube_version_constraint: true,
        ..Default::default()
    };
    let num = |k: &str| {
        let v = &test["capabilities"][k];
        let v = if v.is_null() { &suite["capabilities"][k] } else { v };
        match v {
            J::String(s) => Some(s.clone()),
            J::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    if let (Some(maj), Some(min)) = (num("majorVersion"), num("minorVersion")) {
        opts.kube_version = Some(format!("v{maj}.{min}.0"));
    } else if let Some(min) = num("minorVersion") {
        opts.kube_version = Some(format!("v1.{min}.0"));
    }
    opts.api_versions = strs(&suite["capabilities"]["apiVersions"]);
    opts.api_versions.extend(strs(&test["capabilities"]["apiVersions"]));
    for v in strs(&suite["values"]).into_iter().chain(strs(&test["values"])) {
        let p = dir.join(&v);
        opts.values.push(std::fs::read_to_string(&p).map_err(|e| format!("values file {}: {e}", p.display()))?);
    }
    for src in [&suite["set"], &test["set"]] {
        if let J::Object(m) = src {
            for (k, v) in m {
                opts.set_values.push((k.clone(), v.clone()));
            }
        }
    }
    let r = render(&c, &opts).map_err(|e| e.message)?;
    let mut docs: BTreeMap<String, Vec<J>> = BTreeMap::new();
    for (path, text) in &r.manifests {
        let parsed: Vec<J> = gantry_helm::render::manifests::split_manifests(text)
            .iter()
            .filter_map(|d| gantry_helm::yaml::parse_yaml(d).ok())
            .filter(|d| !d.is_null())
            .collect();
        docs.insert(path.clone(), parsed);
    }
    Ok((docs, r.notes))
}

enum Check {
    Pass,
    Fail(String),
    Unsupported,
}

/// Numbers compare by value (YAML ints against rendered floats); the rest exactly.
pub fn values_equal(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q)),
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

fn is_subset(sub: &J, sup: &J) -> bool {
    match (sub, sup) {
        (J::Object(s), J::Object(p)) => s.iter().all(|(k, v)| p.get(k).is_some_and(|w| is_subset(v, w))),
        (J::Array(s), J::Array(p)) => s.iter().all(|x| p.iter().any(|y| is_subset(x, y))),
        _ => values_equal(sub, sup),
    }
}

fn is_empty(v: Option<&J>) -> bool {
    match v {
        None | Some(J::Null) => true,
        Some(J::String(s)) => s.is_empty(),
        Some(J::Array(a)) => a.is_empty(),
        Some(J::Object(o)) => o.is_empty(),
        Some(J::Bool(b)) => !b,
        Some(J::Number(n)) => n.as_f64() == Some(0.0),
    }
}

fn strip_location(msg: &str) -> &str {
    if let Some(rest) = msg.strip_prefix("execution error at (") {
        if let Some(i) = rest.find("): ") {
            return &rest[i + 3..];
        }
    }
    msg
}

#[allow(clippy::too_many_arguments)]
fn check(
    kind: &str,
    body: &J,
    negate: bool,
    result: &RenderResult,
    chart: &str,
    targets: &[String],
    excluded: &[String],
    index: Option<i64>,
    selector: Option<&J>,
) -> Check {
    let verdict = |ok: bool, msg: String| if ok != negate { Check::Pass } else { Check::Fail(msg) };
    if kind == "failedTemplate" {
        return match result {
            Err(e) => {
                let want = body["errorMessage"].as_str();
                let pattern = body["errorPattern"].as_str();
                let ok = match (want, pattern) {
                    (Some(w), _) => strip_location(e) == w || e.contains(w),
                    (None, Some(p)) => regex::Regex::new(p).is_ok_and(|r| r.is_match(e)),
                    _ => true,
                };
                verdict(ok, format!("error was {e:?}"))
            }
            Ok(_) => verdict(false, "rendering succeeded".into()),
        };
    }
    if kind == "notFailedTemplate" {
        return match result {
            Ok(_) => verdict(true, String::new()),
            Err(e) => verdict(false, format!("rendering failed: {e}")),
        };
    }
    let (docs_by_tpl, notes) = match result {
        Ok(r) => r,
        Err(e) => return verdict(false, format!("rendering failed: {e}")),
    };
    if matches!(kind, "equalRaw" | "matchRegexRaw") {
        let raw = notes.trim();
        let ok = match kind {
            "equalRaw" => body["value"].as_str().is_some_and(|v| v.trim() == raw),
            _ => body["pattern"].as_str().and_then(|p| regex::Regex::new(p).ok()).is_some_and(|r| r.is_match(raw)),
        };
        return verdict(ok, format!("notes were {raw:?}"));
    }
    let known = [
        "equal",
        "notEqual",
        "isKind",
        "isAPIVersion",
        "hasDocuments",
        "contains",
        "notContains",
        "exists",
        "notExists",
        "isNull",
        "isNotNull",
        "isEmpty",
        "isNotEmpty",
        "matchRegex",
        "notMatchRegex",
        "lengthEqual",
        "isSubset",
        "isNotSubset",
        "containsDocument",
    ];
    if !known.contains(&kind) {
        return Check::Unsupported;
    }
    // Negated kinds are their positive kind with `not` flipped.
    let (kind, negate) = match kind {
        "notEqual" => ("equal", !negate),
        "notContains" => ("contains", !negate),
        "notExists" => ("exists", !negate),
        "isNotNull" => ("isNull", !negate),
        "isNotEmpty" => ("isEmpty", !negate),
        "notMatchRegex" => ("matchRegex", !negate),
        "isNotSubset" => ("isSubset", !negate),
        k => (k, negate),
    };
    let verdict = |ok: bool, msg: String| if ok != negate { Check::Pass } else { Check::Fail(msg) };
    for t in targets {
        let full = full_template(chart, t);
        let all: Vec<&J> = docs_by_tpl
            .iter()
            .filter(|(k, _)| gantry_helm::chart::glob::shell_match(&full, k))
            .filter(|(k, _)| {
                !excluded.iter().any(|x| gantry_helm::chart::glob::shell_match(&full_template(chart, x), k))
            })
            .flat_map(|(_, v)| v.iter())
            .collect();
        if kind == "hasDocuments" {
            let want = body["count"].as_u64().unwrap_or(0) as usize;
            if (all.len() == want) == negate {
                return Check::Fail(format!("{t}: {} documents, want {want}", all.len()));
            }
            continue;
        }
        if kind == "containsDocument" {
            let found = all.iter().any(|d| {
                ["kind", "apiVersion"].iter().all(|k| body[*k].is_null() || d[*k] == body[*k])
                    && (body["name"].is_null() || d["metadata"]["name"] == body["name"])
                    && (body["namespace"].is_null() || d["metadata"]["namespace"] == body["namespace"])
            });
            if found == negate {
                return Check::Fail(format!("{t}: no document like {body}"));
            }
            continue;
        }
        let mut docs: Vec<&J> = all.clone();
        if let Some(sel) = selector {
            let (p, v) = (sel["path"].as_str().unwrap_or(""), &sel["value"]);
            docs.retain(|d| select(d, p).ok().and_then(|x| x.first().copied()).is_some_and(|x| values_equal(x, v)));
        }
        if let Some(i) = index {
            docs = docs.get(i as usize).copied().into_iter().collect();
        }
        if docs.is_empty() {
            if negate {
                continue;
            }
            return Check::Fail(format!("{t}: no documents to check"));
        }
        for d in docs {
            let r = check_doc(kind, body, d);
            match r {
                Ok(ok) => {
                    if let Check::Fail(m) = verdict(ok, format!("{t}: {}", short(body, d, kind))) {
                        return Check::Fail(m);
                    }
                }
                Err(e) => return Check::Fail(format!("{t}: {e}")),
            }
        }
    }
    Check::Pass
}

fn short(body: &J, doc: &J, kind: &str) -> String {
    let path = body["path"].as_str().unwrap_or("");
    let got = if path.is_empty() {
        J::Null
    } else {
        J::Array(select(doc, path).unwrap_or_default().into_iter().cloned().collect())
    };
    let mut s = format!("{kind} {body} got {got}");
    s.truncate(400);
    s
}

fn check_doc(kind: &str, body: &J, doc: &J) -> Result<bool, String> {
    let path = body["path"].as_str().unwrap_or("");
    let found = if path.is_empty() { vec![doc] } else { select(doc, path)? };
    Ok(match kind {
        "isKind" => doc["kind"] == body["of"],
        "isAPIVersion" => doc["apiVersion"] == body["of"],
        "equal" => {
            let want = &body["value"];
            if body["decodeBase64"].as_bool() == Some(true) {
                use base64::Engine;
                !found.is_empty()
                    && found.iter().all(|v| {
                        v.as_str()
                            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                            .is_some_and(|b| J::String(String::from_utf8_lossy(&b).into_owned()) == *want)
                    })
            } else {
                !found.is_empty() && found.iter().all(|v| values_equal(v, want))
            }
        }
        "exists" => !found.is_empty(),
        "isNull" => found.iter().all(|v| v.is_null()),
        "isEmpty" => found.iter().all(|v| is_empty(Some(v))),
        "matchRegex" => {
            let re = regex::Regex::new(body["pattern"].as_str().unwrap_or("")).map_err(|e| e.to_string())?;
            !found.is_empty() && found.iter().all(|v| v.as_str().is_some_and(|s| re.is_match(s)))
        }
        "lengthEqual" => {
            let want = body["count"].as_u64().unwrap_or(0) as usize;
            let mut paths = strs(&body["paths"]);
            if !path.is_empty() {
                paths.push(path.to_string());
            }
            paths.iter().all(|p| {
                select(doc, p).unwrap_or_default().iter().all(|v| match v {
                    J::Array(a) => a.len() == want,
                    J::Object(o) => o.len() == want,
                    _ => false,
                })
            })
        }
        "isSubset" => !found.is_empty() && found.iter().all(|v| is_subset(&body["content"], v)),
        "contains" => {
            let content = &body["content"];
            let any = body["any"].as_bool().unwrap_or(false);
            let count = body["count"].as_u64();
            !found.is_empty()
                && found.iter().all(|v| {
                    let Some(items) = v.as_array() else { return false };
                    let n = items
                        .iter()
                        .filter(|x| if any { is_subset(content, x) } else { values_equal(x, content) })
                        .count();
                    match count {
                        Some(c) => n as u64 == c,
                        None => n > 0,
                    }
                })
        }
        _ => false,
    })
}
