//! Accumulating a kustomization: resources, generators, components, then
//! transformers, in kustomize's order (`KustTarget.accumulateTarget`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::ExtraConfig;
use crate::error::{Error, Result};
use crate::generators::{self, GenKind};
use crate::kustomization::Kustomization;
use crate::loader::{find_kustomization_file, Loader};
use crate::origin::{self, Origin};
use crate::remote::{self, CloneCache};
use crate::resource::Resource;
use crate::transform;
use crate::yaml_in;

/// Nested bases and components deeper than this are rejected (real trees are
/// a handful of levels deep; a bound keeps bad input from exhausting the stack).
pub const MAX_DEPTH: usize = 32;

pub struct Context {
    pub clones: CloneCache,
    /// Directories being accumulated, outermost first, for cycle detection.
    pub stack: Vec<PathBuf>,
    /// Origins of the kustomizations being accumulated, innermost last;
    /// `None` unless the top kustomization asks for origin annotations.
    pub origins: Option<Vec<Origin>>,
}

impl Context {
    fn origin(&self) -> Option<&Origin> {
        self.origins.as_ref().and_then(|o| o.last())
    }

    fn push_origin(&mut self, o: Origin) {
        if let Some(v) = self.origins.as_mut() {
            v.push(o);
        }
    }

    fn pop_origin(&mut self) {
        if let Some(v) = self.origins.as_mut() {
            v.pop();
        }
    }
}

pub struct Accumulated {
    pub resources: Vec<Resource>,
    /// Field specs from `crds` here and in the bases.
    pub config: ExtraConfig,
    /// Boxed, like the accumulation itself, to keep recursive frames small.
    pub kustomization: Box<Kustomization>,
    pub file: PathBuf,
}

fn parse_file(kfile: &Path) -> Result<Kustomization> {
    let text = std::fs::read_to_string(kfile).map_err(|e| Error::file(kfile, format!("cannot read: {e}")))?;
    Kustomization::parse(yaml_in::parse_kustomization(&text, kfile)?, kfile)
}

/// Reads (without building) the kustomization in `dir`.
pub fn read_kustomization(dir: &Path) -> Result<Kustomization> {
    parse_file(&find_kustomization_file(dir)?)
}

/// Accumulates the kustomization in `dir`. `inherited` is the parent's
/// accumulated resources when `dir` is a component, empty otherwise.
pub fn accumulate(
    ctx: &mut Context,
    dir: &Path,
    inherited: Vec<Resource>,
    as_component: bool,
) -> Result<Box<Accumulated>> {
    let canonical = dir.canonicalize().map_err(|e| Error::file(dir, format!("cannot open directory: {e}")))?;
    if ctx.stack.contains(&canonical) {
        let chain: Vec<String> = ctx.stack.iter().chain([&canonical]).map(|p| p.display().to_string()).collect();
        return Err(Error::file(dir, format!("cycle in kustomization references: {}", chain.join(" -> "))));
    }
    if ctx.stack.len() >= MAX_DEPTH {
        return Err(Error::file(dir, format!("kustomizations nested more than {MAX_DEPTH} deep")));
    }
    ctx.stack.push(canonical.clone());
    let result = accumulate_inner(ctx, &canonical, inherited, as_component);
    ctx.stack.pop();
    result
}

fn accumulate_inner(
    ctx: &mut Context,
    dir: &Path,
    inherited: Vec<Resource>,
    as_component: bool,
) -> Result<Box<Accumulated>> {
    let kfile = find_kustomization_file(dir)?;
    let k = Box::new(parse_file(&kfile)?);
    let is_component = k.kind.as_deref() == Some("Component");
    if as_component && !is_component {
        return Err(Error::field(&kfile, "kind", "listed under `components` but its kind is not Component"));
    }
    if !as_component && is_component {
        return Err(Error::field(
            &kfile,
            "kind",
            "a Component can only be listed under `components`, not built or used as a resource",
        ));
    }
    for m in &k.build_metadata {
        match m.as_str() {
            "originAnnotations" | "managedByLabel" => {}
            "transformerAnnotations" => {
                return Err(Error::field(&kfile, "buildMetadata", "transformerAnnotations are not supported"))
            }
            other => {
                return Err(Error::field(
                    &kfile,
                    "buildMetadata",
                    format!("unknown option {other:?} (want originAnnotations or managedByLabel)"),
                ))
            }
        }
    }
    let kfile_name = kfile.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let loader = Loader::new(dir)?;
    let mut resources = inherited;
    let mut config = ExtraConfig::default();
    for (field, list) in [("resources", &k.resources), ("bases", &k.bases)] {
        for entry in list {
            let loaded = load_entry(ctx, &loader, entry, &kfile, field, &mut config)?;
            for r in loaded {
                absorb_unique(&mut resources, r, &kfile, field)?;
            }
        }
    }
    for c in &k.configurations {
        let text = loader.read_text(c).map_err(|e| e.in_field(&kfile, "configurations"))?;
        config.merge(&crate::config::configurations::load_configuration(&text, &loader.root.join(c), &kfile)?);
    }
    for crd in &k.crds {
        let text = loader.read_text(crd).map_err(|e| e.in_field(&kfile, "crds"))?;
        config.merge(&crate::config::crds::load(&text, &loader.root.join(crd), &kfile)?);
    }
    let global = k.generator_options.as_ref();
    for args in &k.config_map_generator {
        let mut r = generators::generate(GenKind::ConfigMap, args, global, &loader, &kfile)?;
        if let Some(o) = ctx.origin() {
            origin::annotate(&mut r, o.for_generator(&kfile_name, "ConfigMapGenerator"));
        }
        generators::absorb(&mut resources, r, &kfile, "configMapGenerator")?;
    }
    for args in &k.secret_generator {
        let mut r = generators::generate(GenKind::Secret, args, global, &loader, &kfile)?;
        if let Some(o) = ctx.origin() {
            origin::annotate(&mut r, o.for_generator(&kfile_name, "SecretGenerator"));
        }
        generators::absorb(&mut resources, r, &kfile, "secretGenerator")?;
    }
    for c in &k.components {
        let (cdir, o) = local_or_remote_dir(ctx, &loader, c, &kfile, "components")?;
        ctx.push_origin(o);
        let acc = accumulate(ctx, &cdir, std::mem::take(&mut resources), true);
        ctx.pop_origin();
        let acc = acc.map_err(|e| e.in_field(&kfile, "components"))?;
        resources = acc.resources;
        config.merge(&acc.config);
    }
    transform::run_all(&mut resources, &k, &loader, &kfile, &config)?;
    crate::vars::bind(&mut resources, &k.vars, &kfile)?;
    Ok(Box::new(Accumulated { resources, config, kustomization: k, file: kfile }))
}

fn absorb_unique(resources: &mut Vec<Resource>, r: Resource, kfile: &Path, field: &str) -> Result<()> {
    let id = r.id();
    if resources.iter().any(|o| o.id() == id) {
        return Err(Error::field(kfile, field, format!("may not add resource with an already registered id: {id}")));
    }
    resources.push(r);
    Ok(())
}

/// The directory an entry names, and the origin of what is read from it.
fn local_or_remote_dir(
    ctx: &mut Context,
    loader: &Loader,
    entry: &str,
    kfile: &Path,
    field: &str,
) -> Result<(PathBuf, Origin)> {
    let local = loader.root.join(entry);
    let here = ctx.origin().cloned().unwrap_or_default();
    if local.is_dir() {
        return Ok((local, here.join(entry)));
    }
    if remote::looks_remote(entry) {
        let spec = remote::parse(entry)?;
        let dir = ctx.clones.checkout(&spec, entry)?;
        if !dir.is_dir() {
            return Err(Error::Remote {
                url: entry.into(),
                message: format!("path {:?} is not a directory in the repository", spec.path),
            });
        }
        let base = entry.split_once('?').map(|(b, _)| b).unwrap_or(entry);
        let repo = base.split_once("//").map(|(r, _)| r).filter(|r| !r.ends_with(':')).unwrap_or(&spec.clone_url);
        let o = Origin { path: spec.path.clone(), repo: repo.to_string(), git_ref: spec.git_ref.clone() };
        return Ok((dir, o));
    }
    Err(Error::field(kfile, field, format!("{entry:?}: no such directory")))
}

fn load_entry(
    ctx: &mut Context,
    loader: &Loader,
    entry: &str,
    kfile: &Path,
    field: &str,
    config: &mut ExtraConfig,
) -> Result<Vec<Resource>> {
    let local = loader.root.join(entry);
    if local.is_file() {
        let path = loader.resolve_file(entry).map_err(|e| e.in_field(kfile, field))?;
        let text = std::fs::read_to_string(&path).map_err(|e| Error::file(&path, format!("cannot read: {e}")))?;
        let mut out = resources_from_text(&text, &path)?;
        if let Some(o) = ctx.origin() {
            let value = o.for_file(entry);
            out.iter_mut().for_each(|r| origin::annotate(r, value.clone()));
        }
        return Ok(out);
    }
    if !local.exists() && !remote::looks_remote(entry) {
        return Err(Error::field(kfile, field, format!("{entry:?}: no such file or directory")));
    }
    let (dir, o) = local_or_remote_dir(ctx, loader, entry, kfile, field)?;
    ctx.push_origin(o);
    let acc = accumulate(ctx, &dir, Vec::new(), false);
    ctx.pop_origin();
    let acc = acc?;
    config.merge(&acc.config);
    Ok(acc.resources)
}

/// Objects of a YAML stream; `kind: List` documents contribute their items.
pub fn resources_from_text(text: &str, origin: &Path) -> Result<Vec<Resource>> {
    let mut out = Vec::new();
    for doc in yaml_in::parse_documents(text, origin)? {
        let items = match &doc {
            Value::Object(m)
                if m.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List"))
                    && m.get("items").is_some() =>
            {
                m.get("items").and_then(Value::as_array).cloned().unwrap_or_default()
            }
            _ => vec![doc],
        };
        for item in items {
            if !item.is_object() {
                return Err(Error::file(origin, "every document must be a YAML mapping (a Kubernetes object)"));
            }
            if item.get("kind").and_then(Value::as_str).unwrap_or("").is_empty() {
                return Err(Error::file(origin, "missing kind in an object"));
            }
            out.push(Resource::new(item));
        }
    }
    Ok(out)
}
