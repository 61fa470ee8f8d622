//! `patches`, `patchesStrategicMerge` and `patchesJson6902`.

use std::path::Path;

use serde_json::Value;

use super::selector;
use crate::error::{Error, Result};
use crate::kustomization::Patch;
use crate::loader::Loader;
use crate::resid::ResId;
use crate::resource::Resource;
use crate::smp;
use crate::yaml_in;

/// A patch file or inline text: a JSON 6902 op list or strategic merge
/// document(s). kustomize tells them apart the same way, by shape.
enum Parsed {
    Json6902(json_patch::Patch),
    Strategic(Vec<Value>),
}

fn parse_patch(text: &str, origin: &Path, field: &str, kfile: &Path) -> Result<Parsed> {
    let docs = yaml_in::parse_documents(text, origin)?;
    if docs.len() == 1 && docs[0].is_array() {
        let ops: json_patch::Patch = serde_json::from_value(docs[0].clone())
            .map_err(|e| Error::field(kfile, field, format!("invalid JSON 6902 patch: {e}")))?;
        return Ok(Parsed::Json6902(ops));
    }
    if docs.iter().any(|d| !d.is_object()) {
        return Err(Error::field(
            kfile,
            field,
            format!("{}: a strategic merge patch must be a YAML mapping", origin.display()),
        ));
    }
    Ok(Parsed::Strategic(docs))
}

fn patch_text(p: &Patch, loader: &Loader, kfile: &Path, field: &str) -> Result<(String, std::path::PathBuf)> {
    match (&p.path, &p.patch) {
        (Some(_), Some(_)) => Err(Error::field(kfile, field, "a patch has both `path` and `patch`; give one")),
        (Some(path), None) => {
            let text = loader.read_text(path).map_err(|e| e.in_field(kfile, field))?;
            Ok((text, loader.root.join(path)))
        }
        (None, Some(inline)) => Ok((inline.clone(), kfile.to_path_buf())),
        (None, None) => Err(Error::field(kfile, field, "a patch needs `path` or `patch`")),
    }
}

pub fn patches(res: &mut Vec<Resource>, list: &[Patch], loader: &Loader, kfile: &Path, field: &str) -> Result<()> {
    for p in list {
        for opt in p.options.keys() {
            if opt != "allowNameChange" && opt != "allowKindChange" {
                return Err(Error::field(kfile, field, format!("unknown patch option {opt:?}")));
            }
        }
        let allow_name = p.options.get("allowNameChange").copied().unwrap_or(false);
        let allow_kind = p.options.get("allowKindChange").copied().unwrap_or(false);
        let (text, origin) = patch_text(p, loader, kfile, field)?;
        match parse_patch(&text, &origin, field, kfile)? {
            Parsed::Json6902(ops) => {
                let target = p
                    .target
                    .as_ref()
                    .ok_or_else(|| Error::field(kfile, field, "a JSON 6902 patch needs a `target`"))?;
                for r in res.iter_mut() {
                    if !selector::matches(target, r).map_err(|e| e.in_field(kfile, field))? {
                        continue;
                    }
                    let before = r.id();
                    apply_json6902(&mut r.obj, &ops).map_err(|e| {
                        Error::field(kfile, field, format!("applying JSON 6902 patch to {before}: {e}"))
                    })?;
                    if !r.obj.is_object() {
                        return Err(Error::field(
                            kfile,
                            field,
                            format!("JSON 6902 patch turned {before} into something that is not an object"),
                        ));
                    }
                    if r.id() != before {
                        r.previous.push(before);
                    }
                }
            }
            Parsed::Strategic(docs) => {
                for doc in docs {
                    match &p.target {
                        Some(target) => {
                            let mut i = 0;
                            while i < res.len() {
                                if selector::matches(target, &res[i]).map_err(|e| e.in_field(kfile, field))?
                                    && !apply_smp(&mut res[i], &doc, allow_name, allow_kind, true)
                                {
                                    res.remove(i);
                                    continue;
                                }
                                i += 1;
                            }
                        }
                        None => smp_by_id(res, &doc, kfile, field)?,
                    }
                }
            }
        }
    }
    Ok(())
}

/// A strategic merge patch without a target applies to the object with the
/// patch's own id (matched against every id the object has had).
fn smp_by_id(res: &mut Vec<Resource>, doc: &Value, kfile: &Path, field: &str) -> Result<()> {
    let pid = ResId::of(doc);
    let idx: Vec<usize> = res
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.all_ids().iter().any(|i| {
                i.gvk.kind == pid.gvk.kind
                    && (pid.gvk.group.is_empty() || i.gvk.group == pid.gvk.group)
                    && i.name == pid.name
                    && i.effective_namespace() == pid.effective_namespace()
            })
        })
        .map(|(i, _)| i)
        .collect();
    match idx.as_slice() {
        [i] => {
            if !apply_smp(&mut res[*i], doc, false, false, false) {
                res.remove(*i);
            }
            Ok(())
        }
        [] => Err(Error::field(kfile, field, format!("no resource matches strategic merge patch {pid}"))),
        _ => Err(Error::field(kfile, field, format!("more than one resource matches strategic merge patch {pid}"))),
    }
}

/// Returns false when the patch deletes the object.
fn apply_smp(r: &mut Resource, doc: &Value, allow_name: bool, allow_kind: bool, targeted: bool) -> bool {
    let before = r.id();
    let mut patch = doc.clone();
    if targeted {
        // The patch's own name and kind only matter when changes are allowed.
        if let Value::Object(m) = &mut patch {
            if !allow_kind {
                m.insert("kind".into(), Value::String(before.gvk.kind.clone()));
                m.insert("apiVersion".into(), Value::String(before.gvk.api_version()));
            }
            if let Some(Value::Object(meta)) = m.get_mut("metadata") {
                if !allow_name {
                    meta.insert("name".into(), Value::String(before.name.clone()));
                }
                if !before.namespace.is_empty() || meta.contains_key("namespace") {
                    meta.insert("namespace".into(), Value::String(before.namespace.clone()));
                }
            }
        }
    } else if let Some(Value::Object(meta)) = patch.get_mut("metadata") {
        meta.insert("name".into(), Value::String(before.name.clone()));
        if !before.namespace.is_empty() {
            meta.insert("namespace".into(), Value::String(before.namespace.clone()));
        } else {
            meta.shift_remove("namespace");
        }
    }
    if !smp::apply(&mut r.obj, &patch) {
        return false;
    }
    if r.id() != before {
        r.previous.push(before);
    }
    true
}

pub fn strategic_merge_files(res: &mut Vec<Resource>, list: &[String], loader: &Loader, kfile: &Path) -> Result<()> {
    let field = "patchesStrategicMerge";
    for entry in list {
        // Entries are file paths or inline YAML.
        let (text, origin) = if !entry.contains('\n') && loader.root.join(entry).is_file() {
            (loader.read_text(entry).map_err(|e| e.in_field(kfile, field))?, loader.root.join(entry))
        } else if entry.contains('\n') || entry.contains(':') {
            (entry.clone(), kfile.to_path_buf())
        } else {
            return Err(Error::field(kfile, field, format!("{entry:?}: no such file")));
        };
        for doc in yaml_in::parse_documents(&text, &origin)? {
            smp_by_id(res, &doc, kfile, field)?;
        }
    }
    Ok(())
}

/// Applies the operations one by one. Like the evanphx/json-patch v4 that
/// kustomize uses, `replace` of a missing key in an existing object adds it.
///
/// kustomize's objects always carry (internal) annotations while patches
/// run, so `/metadata/annotations/...` can be added to even where the object
/// has none; an annotations map that stays empty is dropped again.
fn apply_json6902(doc: &mut Value, ops: &json_patch::Patch) -> std::result::Result<(), json_patch::PatchError> {
    let added_annotations = match doc.get_mut("metadata") {
        Some(Value::Object(meta)) if !meta.contains_key("annotations") => {
            meta.insert("annotations".into(), Value::Object(Default::default()));
            true
        }
        _ => false,
    };
    let result = apply_ops(doc, ops);
    if added_annotations {
        if let Some(Value::Object(meta)) = doc.get_mut("metadata") {
            if meta.get("annotations").is_some_and(|a| a.as_object().is_some_and(|m| m.is_empty())) {
                meta.shift_remove("annotations");
            }
        }
    }
    result
}

fn apply_ops(doc: &mut Value, ops: &json_patch::Patch) -> std::result::Result<(), json_patch::PatchError> {
    use json_patch::{AddOperation, PatchOperation};
    for op in ops.iter() {
        let op = match op {
            PatchOperation::Replace(r) if doc.pointer(r.path.as_str()).is_none() => {
                let parent_is_object =
                    r.path.parent().and_then(|p| doc.pointer(p.as_str())).is_some_and(Value::is_object);
                if parent_is_object {
                    PatchOperation::Add(AddOperation { path: r.path.clone(), value: r.value.clone() })
                } else {
                    op.clone()
                }
            }
            _ => op.clone(),
        };
        json_patch::patch(doc, std::slice::from_ref(&op))?;
    }
    Ok(())
}
