//! Name references: after names change (prefix, suffix, content hash), every
//! field that refers to an object by name follows it. Which fields refer to
//! which kinds is kustomize's built-in table, `konfig/namereference.yaml`.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::fieldspec::{self, FieldSpec};
use crate::resid::ResId;
use crate::resource::Resource;

#[derive(Deserialize, Clone)]
struct Referral {
    kind: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(rename = "fieldSpecs")]
    field_specs: Vec<FieldSpec>,
}

fn table() -> &'static [Referral] {
    static T: OnceLock<Vec<Referral>> = OnceLock::new();
    T.get_or_init(|| {
        let v: Value = serde_yaml_ng::from_str(include_str!("../konfig/namereference.yaml")).expect("table parses");
        serde_json::from_value(v["nameReference"].clone()).expect("table is well formed")
    })
}

/// A referral candidate: its ids over time and its current id.
struct Candidate {
    ids: Vec<ResId>,
    current: ResId,
}

pub fn fix_references(res: &mut [Resource], extra: &[(String, String, FieldSpec)]) {
    let snapshot: Vec<Candidate> = res.iter().map(|r| Candidate { ids: r.all_ids(), current: r.id() }).collect();
    // Name references declared by `crds` for kinds the built-in table lacks.
    let mut extra_kinds: Vec<Referral> = Vec::new();
    for (kind, version, _) in extra {
        if !table().iter().any(|r| r.kind == *kind) && !extra_kinds.iter().any(|r| r.kind == *kind) {
            extra_kinds.push(Referral { kind: kind.clone(), group: String::new(), version: version.clone(), field_specs: Vec::new() });
        }
    }
    for referral in table().iter().chain(extra_kinds.iter()) {
        let candidates: Vec<&Candidate> = snapshot
            .iter()
            .filter(|c| {
                c.current.gvk.kind == referral.kind
                    && (referral.group.is_empty() || c.current.gvk.group == referral.group)
                    && (referral.version.is_empty() || c.current.gvk.version == referral.version)
            })
            .filter(|c| c.ids.len() > 1 || c.ids.iter().any(|i| i.name != c.current.name))
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let added: Vec<&FieldSpec> =
            extra.iter().filter(|(k, v, _)| *k == referral.kind && (referral.version.is_empty() || *v == referral.version)).map(|(_, _, f)| f).collect();
        for r in res.iter_mut() {
            let rid = r.id();
            for fs in referral.field_specs.iter().chain(added.iter().copied()).filter(|fs| fs.applies_to(&rid.gvk)) {
                fieldspec::visit(&mut r.obj, &fs.segments(), false, &mut |v| {
                    update(v, &rid, &candidates, &referral.kind)
                });
            }
        }
    }
}

fn pick<'a>(cands: &[&'a Candidate], name: &str, ns: Option<&str>, referrer: &ResId) -> Option<&'a Candidate> {
    let matching: Vec<&Candidate> = cands
        .iter()
        .copied()
        .filter(|c| c.ids.iter().any(|i| i.name == name))
        .filter(|c| {
            if c.current.gvk.is_cluster_scoped() {
                return true;
            }
            match ns {
                Some(ns) => c
                    .ids
                    .iter()
                    .any(|i| i.name == name && i.effective_namespace() == if ns.is_empty() { "default" } else { ns }),
                None => {
                    referrer.gvk.is_cluster_scoped()
                        || c.current.effective_namespace() == referrer.effective_namespace()
                }
            }
        })
        .collect();
    let first = *matching.first()?;
    matching.iter().all(|c| c.current.name == first.current.name).then_some(first)
}

fn update(v: &mut Value, referrer: &ResId, cands: &[&Candidate], kind: &str) {
    match v {
        Value::String(s) => {
            if let Some(c) = pick(cands, s, None, referrer) {
                *s = c.current.name.clone();
            }
        }
        Value::Array(items) => {
            for it in items {
                update(it, referrer, cands, kind);
            }
        }
        Value::Object(m) => {
            // kustomize does not look at a subject's `kind`: a User named like
            // a renamed service account follows it too.
            let Some(name) = m.get("name").and_then(Value::as_str).map(str::to_string) else { return };
            let ns = m.get("namespace").and_then(Value::as_str).map(str::to_string);
            let ns_ref = ns.as_deref().or(if referrer.gvk.is_cluster_scoped() {
                None
            } else {
                Some(referrer.namespace.as_str())
            });
            if let Some(c) = pick(cands, &name, ns_ref, referrer) {
                m.insert("name".into(), Value::String(c.current.name.clone()));
                // Subjects name their service account's namespace explicitly.
                if (ns.is_some() || kind == "ServiceAccount") && !c.current.namespace.is_empty() {
                    m.insert("namespace".into(), Value::String(c.current.namespace.clone()));
                }
            }
        }
        _ => {}
    }
}
