//! kustomize's built-in transformers, run in its order for one kustomization.

mod images;
mod labels;
mod meta;
pub mod nameref;
mod patches;
mod replacements;
pub mod replacements_paths {
    //! Field paths shared with `vars`.
    pub use super::replacements::{lookup, split_field_path};
}
pub mod selector;

use std::path::Path;

use crate::config::ExtraConfig;
use crate::error::Result;
use crate::kustomization::Kustomization;
use crate::loader::Loader;
use crate::resource::Resource;

/// The order of `KustTarget.configureBuiltinTransformers`.
pub fn run_all(
    res: &mut Vec<Resource>,
    k: &Kustomization,
    loader: &Loader,
    kfile: &Path,
    extra: &ExtraConfig,
) -> Result<()> {
    patches::strategic_merge_files(res, &k.patches_strategic_merge, loader, kfile)?;
    patches::patches(res, &k.patches, loader, kfile, "patches")?;
    if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
        meta::namespace(res, ns, kfile, &extra.namespace)?;
    }
    meta::prefix_suffix(res, k.name_prefix.as_deref().unwrap_or(""), k.name_suffix.as_deref().unwrap_or(""), extra);
    labels::common_labels(res, &k.common_labels, &extra.labels);
    for l in &k.labels {
        labels::labels(res, l, extra);
    }
    labels::annotations(res, &k.common_annotations, &extra.annotations);
    patches::patches(res, &k.patches_json6902, loader, kfile, "patchesJson6902")?;
    meta::replicas(res, &k.replicas, &extra.replicas, kfile)?;
    images::images(res, &k.images, &extra.images);
    replacements::replacements(res, &k.replacements, loader, kfile)?;
    Ok(())
}
