//! Legacy `vars`: `$(NAME)` in the fields of kustomize's varreference table
//! is replaced by a field of a named object, after all names are final.
//!
//! As in kustomize, a var is bound to its object in the kustomization that
//! declares it (among that kustomization's objects), and read at the end.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::fieldspec::{self, load_specs};
use crate::kustomization::Var;
use crate::resource::Resource;
use crate::transform::replacements_paths::{lookup, split_field_path};

/// Binds each var of one kustomization to the one object it names.
pub fn bind(res: &mut [Resource], vars: &[Var], kfile: &Path) -> Result<()> {
    for v in vars {
        let matches: Vec<usize> = res
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.all_ids().iter().any(|i| {
                    i.name == v.obj_ref.name
                        && v.obj_ref.kind.as_deref().is_none_or(|k| k == i.gvk.kind)
                        && v.obj_ref.namespace.as_deref().is_none_or(|n| n.is_empty() || n == i.namespace)
                })
            })
            .map(|(i, _)| i)
            .collect();
        let i = match matches.as_slice() {
            [i] => *i,
            [] => {
                return Err(Error::field(
                    kfile,
                    "vars",
                    format!("var {}: no object named {} found", v.name, v.obj_ref.name),
                ))
            }
            _ => {
                return Err(Error::field(
                    kfile,
                    "vars",
                    format!("var {}: more than one object named {}", v.name, v.obj_ref.name),
                ))
            }
        };
        let path = v
            .field_ref
            .as_ref()
            .map(|f| f.field_path.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "metadata.name".into());
        res[i].ref_vars.push((v.name.clone(), path, kfile.to_path_buf()));
    }
    Ok(())
}

pub fn resolve(res: &mut [Resource], extra: &[crate::fieldspec::FieldSpec]) -> Result<()> {
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for r in res.iter() {
        for (name, path, kfile) in &r.ref_vars {
            let mut found = Vec::new();
            lookup(&r.obj, &split_field_path(path), &mut found);
            let val = match found.first() {
                Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => (*v).clone(),
                _ => {
                    return Err(Error::field(
                        kfile,
                        "vars",
                        format!("var {name}: field {path} not found in {}", r.id()),
                    ))
                }
            };
            if values.insert(name.clone(), val).is_some() {
                return Err(Error::field(kfile, "vars", format!("var {name} is defined more than once")));
            }
        }
    }
    if values.is_empty() {
        return Ok(());
    }
    let mut specs = load_specs(include_str!("konfig/varreference.yaml"), "varReference");
    specs.extend(extra.iter().cloned());
    for r in res.iter_mut() {
        let gvk = r.id().gvk;
        for s in specs.iter().filter(|s| s.applies_to(&gvk)) {
            fieldspec::visit(&mut r.obj, &s.segments(), false, &mut |v| substitute(v, &values));
        }
    }
    Ok(())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => crate::emit::format_number(n),
        other => other.to_string(),
    }
}

fn substitute(v: &mut Value, values: &BTreeMap<String, Value>) {
    match v {
        Value::String(s) => {
            // A field that is exactly `$(VAR)` takes the var's value and type.
            if let Some(name) = s.strip_prefix("$(").and_then(|r| r.strip_suffix(')')) {
                if let Some(val) = values.get(name) {
                    *v = val.clone();
                    return;
                }
            }
            for (k, val) in values {
                let pat = format!("$({k})");
                if s.contains(&pat) {
                    *s = s.replace(&pat, &text(val));
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, values)),
        Value::Object(m) => m.values_mut().for_each(|x| substitute(x, values)),
        _ => {}
    }
}
