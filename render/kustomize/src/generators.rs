//! `configMapGenerator` and `secretGenerator`.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::kustomization::{GeneratorArgs, GeneratorOptions};
use crate::loader::Loader;
use crate::resource::{Behavior, Resource};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum GenKind {
    ConfigMap,
    Secret,
}

impl GenKind {
    fn field(self) -> &'static str {
        match self {
            GenKind::ConfigMap => "configMapGenerator",
            GenKind::Secret => "secretGenerator",
        }
    }
}

/// kustomize's `MergeGlobalOptionsIntoLocal`: local labels/annotations win,
/// global booleans switch things on.
fn merge_options(local: Option<&GeneratorOptions>, global: Option<&GeneratorOptions>) -> GeneratorOptions {
    let mut out = local.cloned().unwrap_or_default();
    if let Some(g) = global {
        for (k, v) in &g.labels {
            out.labels.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &g.annotations {
            out.annotations.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if g.disable_name_suffix_hash == Some(true) {
            out.disable_name_suffix_hash = Some(true);
        }
        if g.immutable == Some(true) {
            out.immutable = Some(true);
        }
    }
    out
}

pub fn generate(
    kind: GenKind,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    loader: &Loader,
    kfile: &Path,
) -> Result<Resource> {
    let field = kind.field();
    let name = args
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::field(kfile, field, "a generator needs a name"))?;
    let behavior = match args.behavior.as_deref().unwrap_or("create") {
        "" | "create" => Behavior::Create,
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        other => {
            return Err(Error::field(
                kfile,
                field,
                format!("{name}: unknown behavior {other:?} (want create, merge or replace)"),
            ))
        }
    };
    let opts = merge_options(args.options.as_ref(), global);
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    let ctx = |m: String| Error::field(kfile, field, format!("{name}: {m}"));
    let mut envs = args.envs.clone();
    if let Some(e) = &args.env {
        envs.push(e.clone());
    }
    for env in &envs {
        let text = loader.read_text(env).map_err(|e| ctx(e.to_string()))?;
        for (i, line) in text.lines().enumerate() {
            let line = if i == 0 { line.trim_start_matches('\u{feff}') } else { line };
            let line = line.trim_start().trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = match line.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (line.to_string(), std::env::var(line).unwrap_or_default()),
            };
            if k.contains(char::is_whitespace) {
                return Err(ctx(format!("{env}:{}: invalid key {k:?}", i + 1)));
            }
            pairs.push((k, v.into_bytes()));
        }
    }
    for lit in &args.literals {
        let (k, v) = lit.split_once('=').ok_or_else(|| ctx(format!("literal {lit:?} is not KEY=VALUE")))?;
        pairs.push((k.to_string(), unquote(v).as_bytes().to_vec()));
    }
    for f in &args.files {
        let (key, path) = match f.split_once('=') {
            Some((k, p)) => (k.to_string(), p.to_string()),
            None => (Path::new(f).file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_default(), f.clone()),
        };
        let bytes = loader.read_bytes(&path).map_err(|e| ctx(e.to_string()))?;
        pairs.push((key, bytes));
    }
    let mut data = BTreeMap::new();
    for (k, v) in pairs {
        if data.insert(k.clone(), v).is_some() {
            return Err(ctx(format!("key {k:?} is given more than once")));
        }
    }
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    if let Some(ns) = args.namespace.as_ref().filter(|n| !n.is_empty()) {
        meta.insert("namespace".into(), json!(ns));
    }
    if !opts.labels.is_empty() {
        meta.insert("labels".into(), json!(opts.labels));
    }
    if !opts.annotations.is_empty() {
        meta.insert("annotations".into(), json!(opts.annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!("v1"));
    let b64 = base64::engine::general_purpose::STANDARD;
    match kind {
        GenKind::ConfigMap => {
            obj.insert("kind".into(), json!("ConfigMap"));
            obj.insert("metadata".into(), Value::Object(meta));
            let mut text = Map::new();
            let mut binary = Map::new();
            for (k, v) in data {
                match String::from_utf8(v) {
                    Ok(s) => text.insert(k, Value::String(s)),
                    Err(e) => binary.insert(k, Value::String(b64.encode(e.into_bytes()))),
                };
            }
            if !text.is_empty() {
                obj.insert("data".into(), Value::Object(text));
            }
            if !binary.is_empty() {
                obj.insert("binaryData".into(), Value::Object(binary));
            }
        }
        GenKind::Secret => {
            obj.insert("kind".into(), json!("Secret"));
            obj.insert("metadata".into(), Value::Object(meta));
            let enc: Map<String, Value> = data.into_iter().map(|(k, v)| (k, Value::String(b64.encode(v)))).collect();
            if !enc.is_empty() {
                obj.insert("data".into(), Value::Object(enc));
            }
            let t = args.secret_type.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "Opaque".into());
            obj.insert("type".into(), json!(t));
        }
    }
    if opts.immutable == Some(true) {
        obj.insert("immutable".into(), json!(true));
    }
    let mut r = Resource::new(Value::Object(obj));
    r.needs_hash = opts.disable_name_suffix_hash != Some(true);
    r.behavior = behavior;
    r.generated = true;
    Ok(r)
}

/// Literal values may be wrapped in matching quotes, which kustomize drops.
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Combines a generated object with the accumulated ones per its behavior.
pub fn absorb(resources: &mut Vec<Resource>, r: Resource, kfile: &Path, field: &str) -> Result<()> {
    let id = r.id();
    let pos = resources.iter().position(|o| {
        o.all_ids().iter().any(|i| {
            i.gvk.kind == id.gvk.kind && i.name == id.name && i.effective_namespace() == id.effective_namespace()
        })
    });
    match (r.behavior, pos) {
        (Behavior::Create, None) => resources.push(r),
        (Behavior::Create, Some(_)) => {
            return Err(Error::field(
                kfile,
                field,
                format!("{}: an object with this id already exists; use behavior merge or replace", id),
            ))
        }
        (_, None) => {
            return Err(Error::field(
                kfile,
                field,
                format!("{}: behavior {:?} needs an existing object of this name", id, r.behavior),
            ))
        }
        (behavior, Some(i)) => {
            // kustomize keeps the generated object, with the old one's name,
            // namespace and history, labels and annotations merged (the new
            // ones win) and, for merge, the data merged the same way. A hash
            // suffix is kept only if both asked for one.
            let old = &resources[i];
            let mut new_obj = r.obj.clone();
            for key in ["labels", "annotations"] {
                let mut merged = old.obj["metadata"].get(key).and_then(Value::as_object).cloned().unwrap_or_default();
                if let Some(Value::Object(add)) = r.obj["metadata"].get(key) {
                    for (k, v) in add {
                        merged.insert(k.clone(), v.clone());
                    }
                }
                if !merged.is_empty() {
                    new_obj["metadata"][key] = Value::Object(merged);
                }
            }
            new_obj["metadata"]["name"] = old.obj["metadata"]["name"].clone();
            match old.obj["metadata"].get("namespace") {
                Some(ns) => new_obj["metadata"]["namespace"] = ns.clone(),
                None => {
                    if let Some(m) = new_obj["metadata"].as_object_mut() {
                        m.shift_remove("namespace");
                    }
                }
            }
            if behavior == Behavior::Merge {
                // A merge keeps saying where the object was first generated.
                if let Some(o) = old.obj["metadata"].get("annotations").and_then(|a| a.get(crate::origin::ANNOTATION)) {
                    new_obj["metadata"]["annotations"][crate::origin::ANNOTATION] = o.clone();
                }
                for key in ["data", "binaryData"] {
                    let mut merged = old.obj.get(key).and_then(Value::as_object).cloned().unwrap_or_default();
                    if let Some(Value::Object(add)) = r.obj.get(key) {
                        for (k, v) in add {
                            merged.insert(k.clone(), v.clone());
                        }
                    }
                    if !merged.is_empty() {
                        new_obj[key] = Value::Object(merged);
                    }
                }
            }
            let needs_hash = old.needs_hash && r.needs_hash;
            let old = &mut resources[i];
            old.obj = new_obj;
            old.needs_hash = needs_hash;
            old.generated = true;
        }
    }
    Ok(())
}
