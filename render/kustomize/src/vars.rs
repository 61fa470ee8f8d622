//! Legacy `vars`: `$(NAME)` in the fields of kustomize's varreference table
//! is replaced by a field of a named object, after all names are final.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::fieldspec::{self, load_specs};
use crate::kustomization::Var;
use crate::resource::Resource;
use crate::transform::replacements_paths::{lookup, split_field_path};

pub fn resolve(res: &mut [Resource], vars: &[(Var, PathBuf)]) -> Result<()> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (v, file) in vars {
        let target = res.iter().find(|r| {
            r.all_ids().iter().any(|i| {
                i.name == v.obj_ref.name
                    && v.obj_ref.kind.as_deref().is_none_or(|k| k == i.gvk.kind)
                    && v.obj_ref.namespace.as_deref().is_none_or(|n| n == i.namespace)
            })
        });
        let Some(r) = target else {
            return Err(Error::field(file, "vars", format!("var {}: no object {} found", v.name, v.obj_ref.name)));
        };
        let path = v
            .field_ref
            .as_ref()
            .map(|f| f.field_path.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "metadata.name".into());
        let mut found = Vec::new();
        lookup(&r.obj, &split_field_path(&path), &mut found);
        let val = match found.first() {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => crate::emit::format_number(n),
            Some(Value::Bool(b)) => b.to_string(),
            _ => {
                return Err(Error::field(file, "vars", format!("var {}: field {path} not found in {}", v.name, r.id())))
            }
        };
        if values.insert(v.name.clone(), val).is_some() {
            return Err(Error::field(file, "vars", format!("var {} is defined more than once", v.name)));
        }
    }
    let specs = load_specs(include_str!("konfig/varreference.yaml"), "varReference");
    for r in res.iter_mut() {
        let gvk = r.id().gvk;
        for s in specs.iter().filter(|s| s.applies_to(&gvk)) {
            fieldspec::visit(&mut r.obj, &s.segments(), false, &mut |v| substitute(v, &values));
        }
    }
    Ok(())
}

fn substitute(v: &mut Value, values: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            for (k, val) in values {
                let pat = format!("$({k})");
                if s.contains(&pat) {
                    *s = s.replace(&pat, val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, values)),
        Value::Object(m) => m.values_mut().for_each(|x| substitute(x, values)),
        _ => {}
    }
}
