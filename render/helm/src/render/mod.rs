//! `helm template` as a function: values, dependencies, template execution and
//! the output Helm prints.

mod context;
mod engine;
pub mod manifests;

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value as J};

pub use context::{DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION, HELM_VERSION};
pub use manifests::Hook;

use crate::chart::Chart;
use crate::error::{Error, ErrorKind, Result};
use crate::funcs::Host;
use crate::values::strvals::{apply_set, SetValue};
use crate::values::{self, deps, schema};

/// A `lookup` implementation that can cross into the rendering thread.
pub type SharedHost = Arc<dyn Host + Send + Sync>;

/// What `helm template` takes on its command line (and the Terraform helm
/// provider as arguments).
#[derive(Clone, Default)]
pub struct RenderOptions {
    /// `.Release.Name`; `release-name` when empty, as `helm template` names it.
    pub release_name: String,
    /// `.Release.Namespace`; `default` when empty.
    pub namespace: String,
    /// Values files' contents (YAML), in order; later ones win.
    pub values: Vec<String>,
    /// `set` entries, applied after `values`, in order.
    pub set: Vec<SetValue>,
    /// Structured values placed at `--set`-style paths after `set`, kept exactly as
    /// given (integers stay integers), as helm-unittest's `set` does.
    pub set_values: Vec<(String, J)>,
    /// Render even when Chart.yaml declares dependencies absent from `charts/`
    /// (they are skipped), as Helm's library does; the CLI refuses by default.
    pub allow_missing_dependencies: bool,
    /// Skip checking Chart.yaml's `kubeVersion` against `kube_version` (Helm's
    /// install does check; its engine alone, as test tools use it, does not).
    pub ignore_kube_version_constraint: bool,
    /// `--kube-version`; [`DEFAULT_KUBE_VERSION`] when `None`.
    pub kube_version: Option<String>,
    /// `--api-versions`, added to [`DEFAULT_API_VERSIONS`].
    pub api_versions: Vec<String>,
    /// Put the chart's `crds/` files first in `manifest` (`--include-crds`).
    pub include_crds: bool,
    /// `--show-only`: chart-relative template paths or globs (`templates/x.yaml`).
    pub show_only: Vec<String>,
    /// Leave out hooks annotated `helm.sh/hook: test`.
    pub skip_tests: bool,
    /// Leave hooks out of `manifest`.
    pub disable_hooks: bool,
    pub is_upgrade: bool,
    /// `.Release.Revision`; 1 when 0.
    pub revision: i64,
    /// Also render subcharts' NOTES.txt into `notes`.
    pub render_subchart_notes: bool,
    /// Answers `lookup`; without one, `lookup` returns an empty dict.
    pub lookup: Option<SharedHost>,
}

impl std::fmt::Debug for RenderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderOptions")
            .field("release_name", &self.release_name)
            .field("namespace", &self.namespace)
            .field("values", &self.values)
            .field("set", &self.set)
            .field("kube_version", &self.kube_version)
            .finish_non_exhaustive()
    }
}

/// One non-hook document.
#[derive(Debug, Clone)]
pub struct RenderedObject {
    /// Template path, `chart/templates/x.yaml` (for CRDs, `chart/crds/x.yaml`).
    pub source: String,
    /// The document's text.
    pub content: String,
    /// The document as data; `null` when it holds only comments.
    pub doc: J,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// What `helm template` prints.
    pub manifest: String,
    /// Each rendered template by path (`chart/templates/x.yaml`), hooks included,
    /// empty files and partials left out, in path order.
    pub manifests: IndexMap<String, String>,
    /// Non-hook documents in install order (CRDs not included).
    pub objects: Vec<RenderedObject>,
    /// Hook documents in kind order.
    pub hooks: Vec<Hook>,
    /// Documents from `crds/` of the chart and its enabled subcharts.
    pub crds: Vec<RenderedObject>,
    /// The root chart's NOTES.txt, rendered.
    pub notes: String,
    /// The coalesced values the root chart saw.
    pub values: J,
}

/// Stack for the rendering thread: templates recurse (include → template → ...)
/// up to the engine's depth bounds, which need more than a default thread has.
const RENDER_STACK_BYTES: usize = 256 << 20;

/// Renders `chart` as `helm template` would.
pub fn render(chart: &Chart, opts: &RenderOptions) -> Result<Rendered> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("helm-render".into())
            .stack_size(RENDER_STACK_BYTES)
            .spawn_scoped(s, || render_here(chart, opts))
            .map_err(|e| Error::new(ErrorKind::Render, format!("cannot start rendering thread: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(Error::new(ErrorKind::Render, "rendering panicked")))
    })
}

/// The user values (`values` then `set`) merged as the Helm CLI merges them.
pub fn user_values(opts: &RenderOptions) -> Result<Map<String, J>> {
    let mut user = Map::new();
    for (i, text) in opts.values.iter().enumerate() {
        let v = values::parse_values_yaml(text)
            .map_err(|e| Error::new(ErrorKind::Values, format!("values[{i}]: cannot parse values YAML: {e}")))?;
        values::merge_maps(&mut user, v);
    }
    for s in &opts.set {
        apply_set(&mut user, s)
            .map_err(|e| Error::new(ErrorKind::Values, format!("set {:?}: failed parsing --set data: {e}", s.name)))?;
    }
    for (path, v) in &opts.set_values {
        crate::values::strvals::set_path(&mut user, path, v.clone())
            .map_err(|e| Error::new(ErrorKind::Values, format!("set {path:?}: {e}")))?;
    }
    Ok(user)
}

fn render_here(chart: &Chart, opts: &RenderOptions) -> Result<Rendered> {
    let user = user_values(opts)?;
    let resolved = deps::resolve(chart, &user, opts.allow_missing_dependencies)?;
    let vals = values::coalesce_values(&resolved, &user);
    schema::validate(&resolved, &vals)?;
    let kube = context::KubeVersion::parse(opts.kube_version.as_deref().unwrap_or(DEFAULT_KUBE_VERSION))
        .map_err(|e| Error::new(ErrorKind::Values, e))?;
    let constraint = &chart.metadata.kube_version;
    if !constraint.is_empty() && !opts.ignore_kube_version_constraint {
        let ok = crate::funcs::semver_compare(constraint, &kube.normalized).map_err(|e| {
            Error::new(ErrorKind::Load, format!("chart {}: kubeVersion {constraint:?}: {e}", chart.name()))
        })?;
        if !ok {
            return Err(Error::new(
                ErrorKind::Values,
                format!(
                    "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {}",
                    kube.normalized
                ),
            ));
        }
    }
    let mut apis: Vec<String> = DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
    apis.extend(opts.api_versions.iter().cloned());
    let rendered_files = engine::render_templates(&resolved, &vals, opts, kube, apis)?;

    let mut rendered = Rendered { values: J::Object(vals), ..Default::default() };
    let notes_name = format!("{}/templates/NOTES.txt", resolved.name);
    let mut files = Vec::new();
    for (name, text) in rendered_files {
        if name.ends_with("/NOTES.txt") {
            if name == notes_name || opts.render_subchart_notes {
                if !rendered.notes.is_empty() && !text.is_empty() {
                    rendered.notes.push('\n');
                }
                rendered.notes.push_str(&text);
            }
            continue;
        }
        files.push((name, text));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, text) in &files {
        let base = name.rsplit('/').next().unwrap_or(name);
        if !base.starts_with('_') && !text.trim().is_empty() {
            rendered.manifests.insert(name.clone(), text.clone());
        }
    }
    let (generic, hooks) = manifests::sort_manifests(&files)?;
    collect_crds(&resolved, &mut rendered.crds, 0)?;

    let mut out = String::new();
    if opts.include_crds {
        for c in &rendered.crds {
            out.push_str(&format!("---\n# Source: {}\n{}\n", c.source, c.content));
        }
    }
    for m in &generic {
        out.push_str(&format!("---\n# Source: {}\n{}\n", m.source, m.content));
    }
    let mut manifest = format!("{}\n", out.trim());
    if !opts.disable_hooks {
        for h in &hooks {
            if opts.skip_tests && h.is_test() {
                continue;
            }
            manifest.push_str(&format!("---\n# Source: {}\n{}\n", h.source, h.manifest));
        }
    }
    if !opts.show_only.is_empty() {
        manifest = show_only(&manifest, &opts.show_only)?;
    }
    rendered.manifest = manifest;
    rendered.objects =
        generic.into_iter().map(|m| RenderedObject { source: m.source, content: m.content, doc: m.doc }).collect();
    rendered.hooks = hooks.into_iter().filter(|h| !(opts.skip_tests && h.is_test())).collect();
    Ok(rendered)
}

fn collect_crds(r: &deps::Resolved, out: &mut Vec<RenderedObject>, depth: usize) -> Result<()> {
    for (file, content, doc) in &r.chart.crd_docs {
        out.push(RenderedObject {
            source: format!("{}/{}", r.full_path, file),
            content: content.clone(),
            doc: doc.clone(),
        });
    }
    if depth < 32 {
        for d in &r.deps {
            collect_crds(d, out, depth + 1)?;
        }
    }
    Ok(())
}

/// `--show-only`: keeps documents whose chart-relative source matches a pattern.
fn show_only(manifest: &str, patterns: &[String]) -> Result<String> {
    let docs = manifests::split_manifests(manifest);
    let mut keep: Vec<&String> = Vec::new();
    for p in patterns {
        let p = p.replace('\\', "/");
        let mut found = false;
        for d in &docs {
            let Some(src) = d.lines().find_map(|l| l.strip_prefix("# Source: ")) else {
                continue;
            };
            let rel = src.split_once('/').map(|(_, r)| r).unwrap_or(src);
            if crate::chart::glob::shell_match(&p, rel) {
                keep.push(d);
                found = true;
            }
        }
        if !found {
            return Err(Error::new(ErrorKind::Render, format!("could not find template {p} in chart")));
        }
    }
    Ok(keep.iter().map(|d| format!("---\n{d}\n")).collect())
}
