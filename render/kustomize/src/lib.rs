//! `kustomize build` as a library: reads a kustomization tree (local
//! directories and remote git bases) and returns the objects kustomize v5
//! would print, plus their text exactly as `kubectl kustomize` prints it.
//!
//! ```no_run
//! let build = gantry_kustomize::build("deploy/prod".as_ref(), &Default::default())?;
//! for (id, json) in build.ids().iter().zip(build.objects_json()) {
//!     println!("{id}: {json}");
//! }
//! print!("{}", build.to_yaml());
//! # Ok::<(), gantry_kustomize::Error>(())
//! ```

#![warn(missing_docs)]

mod config;
mod emit;
mod error;
mod fieldspec;
mod generators;
mod hash;
mod kustomization;
mod loader;
mod origin;
mod remote;
mod resid;
mod resource;
mod smp;
mod sort;
mod target;
mod transform;
mod vars;
mod yaml_in;

use std::path::Path;

use serde_json::Value;

pub use emit::to_yaml_document;
pub use error::{Error, Result};
pub use resid::{Gvk, ResId};

/// The `app.kubernetes.io/managed-by` value for `buildMetadata: [managedByLabel]`.
pub const MANAGED_BY: &str = "kustomize-(devel)";

/// Output order, as `kubectl kustomize --reorder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reorder {
    /// Use the kustomization's `sortOptions`, else kustomize's legacy order.
    #[default]
    Default,
    /// kustomize's legacy kind-priority order (`--reorder legacy`).
    Legacy,
    /// Keep the order objects were read and generated in (`--reorder none`).
    None,
}

/// Build options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Output order.
    pub reorder: Reorder,
}

/// The result of a build: the objects, in output order.
#[derive(Clone, Debug)]
pub struct Build {
    objects: Vec<Value>,
}

impl Build {
    /// The objects as JSON values, in output order.
    pub fn objects(&self) -> &[Value] {
        &self.objects
    }

    /// The objects, consumed, in output order.
    pub fn into_objects(self) -> Vec<Value> {
        self.objects
    }

    /// Each object's id, `group_version_Kind|namespace|name` with `~G` for the
    /// core group and `~X` for no namespace, e.g. `apps_v1_Deployment|ns|web`
    /// or `~G_v1_Namespace|~X|ns`.
    pub fn ids(&self) -> Vec<String> {
        self.objects.iter().map(|o| ResId::of(o).to_string()).collect()
    }

    /// Each object as compact JSON.
    pub fn objects_json(&self) -> Vec<String> {
        self.objects.iter().map(|o| serde_json::to_string(o).expect("JSON values serialise")).collect()
    }

    /// The text `kubectl kustomize` prints: each object as go-yaml v2 emits it,
    /// separated by `---` lines.
    pub fn to_yaml(&self) -> String {
        let docs: Vec<String> = self.objects.iter().map(to_yaml_document).collect();
        docs.join("---\n")
    }
}

/// Builds the kustomization in directory `path`.
pub fn build(path: &Path, options: &Options) -> Result<Build> {
    let top = target::read_kustomization(path)?;
    let wants = |o: &str| top.build_metadata.iter().any(|m| m == o);
    let origins = wants("originAnnotations").then(|| vec![origin::Origin::default()]);
    let managed_by = wants("managedByLabel");
    let mut ctx = target::Context { clones: remote::CloneCache::default(), stack: Vec::new(), origins };
    let acc = target::accumulate(&mut ctx, path, Vec::new(), false)?;
    let mut res = acc.resources;
    hash::add_hash_suffixes(&mut res);
    transform::nameref::fix_references(&mut res, &acc.config.namerefs)
        .map_err(|e| e.in_field(&acc.file, "resources"))?;
    vars::resolve(&mut res, &acc.config.varrefs)?;
    res.retain(|r| {
        r.obj
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("config.kubernetes.io/local-config"))
            .and_then(Value::as_str)
            != Some("true")
    });
    // Annotations are a string map to kustomize, also when a transformer
    // (e.g. a replacement) wrote a number into one.
    res.iter_mut().for_each(|r| resource::stringify_annotations(&mut r.obj));
    if managed_by {
        for r in res.iter_mut() {
            let meta = r.metadata_mut();
            let labels = meta.entry("labels").or_insert_with(|| Value::Object(Default::default()));
            if let Value::Object(l) = labels {
                // What kubectl 1.32's embedded kustomize writes (a kustomize
                // binary writes its own version here).
                l.insert("app.kubernetes.io/managed-by".into(), Value::String(MANAGED_BY.into()));
            }
        }
    }
    let sort_opts = acc.kustomization.sort_options.clone();
    let legacy = |res: &mut Vec<resource::Resource>, opts: Option<&kustomization::LegacySortOptions>| {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (first, last) = match opts {
            Some(o) => (o.order_first.clone(), o.order_last.clone()),
            None => (owned(sort::DEFAULT_ORDER_FIRST), owned(sort::DEFAULT_ORDER_LAST)),
        };
        sort::legacy_sort(res, &first, &last);
    };
    match options.reorder {
        Reorder::None => {}
        Reorder::Legacy => legacy(&mut res, None),
        Reorder::Default => match &sort_opts {
            None => legacy(&mut res, None),
            Some(so) if so.order == "legacy" => legacy(&mut res, so.legacy_sort_options.as_ref()),
            Some(so) if so.order == "fifo" => {
                if so.legacy_sort_options.is_some() {
                    return Err(Error::field(
                        &acc.file,
                        "sortOptions",
                        "legacySortOptions is set but the order is fifo",
                    ));
                }
            }
            Some(so) => {
                return Err(Error::field(
                    &acc.file,
                    "sortOptions",
                    format!("order {:?} must be one of [fifo, legacy]", so.order),
                ))
            }
        },
    }
    Ok(Build { objects: res.into_iter().map(|r| r.obj).collect() })
}
