//! Namespace, name prefix/suffix and replica counts.

use std::path::Path;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::fieldspec::{self, load_specs, FieldSpec};
use crate::kustomization::Replica;
use crate::resource::Resource;

pub fn namespace(res: &mut [Resource], ns: &str, kfile: &Path, extra: &[FieldSpec]) -> Result<()> {
    let mut specs = load_specs(include_str!("../konfig/namespace.yaml"), "namespace");
    specs.extend(extra.iter().cloned());
    for r in res.iter_mut() {
        r.remember_id();
        let id = r.id();
        if !id.gvk.is_cluster_scoped() {
            r.metadata_mut().insert("namespace".into(), json!(ns));
        }
        for s in &specs {
            if !s.applies_to(&id.gvk) || s.path == "metadata/namespace" {
                continue;
            }
            // Namespace objects are renamed only for core v1.
            if s.path == "metadata/name" && id.gvk.api_version() != "v1" {
                continue;
            }
            fieldspec::visit(&mut r.obj, &s.segments(), s.create, &mut |v| {
                if v.is_null() || v.is_string() {
                    *v = json!(ns)
                }
            });
        }
        if id.gvk.kind == "RoleBinding" || id.gvk.kind == "ClusterRoleBinding" {
            if let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
                for s in subjects {
                    if s.get("name").and_then(Value::as_str) == Some("default") {
                        if let Value::Object(m) = s {
                            m.insert("namespace".into(), json!(ns));
                        }
                    }
                }
            }
        }
    }
    for (i, a) in res.iter().enumerate() {
        let id = a.id();
        if res[..i].iter().any(|b| b.id() == id) {
            return Err(Error::field(
                kfile,
                "namespace",
                format!("namespace transformation produces ID conflict: {id}"),
            ));
        }
    }
    Ok(())
}

/// Kinds whose names kustomize never prefixes or suffixes.
fn skips_prefix(r: &Resource) -> bool {
    let gvk = r.id().gvk;
    gvk.kind == "CustomResourceDefinition"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
        || gvk.kind == "Namespace"
}

pub fn prefix_suffix(res: &mut [Resource], prefix: &str, suffix: &str, extra: &crate::config::ExtraConfig) {
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for r in res.iter_mut() {
        if skips_prefix(r) {
            continue;
        }
        r.remember_id();
        let name = r.name();
        r.set_name(&format!("{prefix}{name}{suffix}"));
        if !prefix.is_empty() {
            r.prefixes.push(prefix.to_string());
        }
        if !suffix.is_empty() {
            r.suffixes.push(suffix.to_string());
        }
        let gvk = r.id().gvk;
        for (specs, pre, suf) in [(&extra.prefix, prefix, ""), (&extra.suffix, "", suffix)] {
            if pre.is_empty() && suf.is_empty() {
                continue;
            }
            for s in specs.iter().filter(|s| s.applies_to(&gvk) && s.path != "metadata/name") {
                fieldspec::visit(&mut r.obj, &s.segments(), false, &mut |v| {
                    if let Value::String(n) = v {
                        *n = format!("{pre}{n}{suf}");
                    }
                });
            }
        }
    }
}

/// A replica count must reach at least one object of a scalable kind with
/// that name, else (as in kustomize) the build fails.
pub fn replicas(res: &mut [Resource], reps: &[Replica], extra: &[FieldSpec], kfile: &Path) -> Result<()> {
    if reps.is_empty() {
        return Ok(());
    }
    let mut specs = load_specs(include_str!("../konfig/replicas.yaml"), "replicas");
    specs.extend(extra.iter().cloned());
    for rep in reps {
        let mut found = false;
        for r in res.iter_mut() {
            let ids = r.all_ids();
            for s in specs.iter() {
                if !ids.iter().any(|i| i.name == rep.name && s.applies_to(&i.gvk)) {
                    continue;
                }
                found = true;
                fieldspec::visit(&mut r.obj, &s.segments(), s.create, &mut |v| *v = json!(rep.count));
            }
        }
        if !found {
            let kinds: Vec<&str> = specs.iter().map(|s| s.kind.as_str()).collect();
            return Err(Error::field(
                kfile,
                "replicas",
                format!("no object named {:?} of a kind with replicas ({})", rep.name, kinds.join(", ")),
            ));
        }
    }
    Ok(())
}
