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
        let v = crate::yaml_in::parse_one(
            include_str!("../konfig/namereference.yaml"),
            std::path::Path::new("namereference.yaml"),
        )
        .expect("table parses");
        serde_json::from_value(v["nameReference"].clone()).expect("table is well formed")
    })
}

/// A referral candidate (or a referrer): its ids over time, its current id,
/// and the prefixes and suffixes it was given.
struct Named {
    ids: Vec<ResId>,
    current: ResId,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Named {
    fn of(r: &Resource) -> Named {
        Named { ids: r.all_ids(), current: r.id(), prefixes: r.prefixes.clone(), suffixes: r.suffixes.clone() }
    }

    /// Names the object had before its current one (kustomize's `PrevIds`).
    fn had_name(&self, name: &str) -> bool {
        self.ids[..self.ids.len() - 1].iter().any(|i| i.name == name)
    }
}

pub fn fix_references(res: &mut [Resource], extra: &[(String, String, String, FieldSpec)]) -> crate::error::Result<()> {
    let snapshot: Vec<Named> = res.iter().map(Named::of).collect();
    // Name references declared by `crds` for kinds the built-in table lacks.
    let mut extra_kinds: Vec<Referral> = Vec::new();
    for (kind, group, version, _) in extra {
        if !table().iter().any(|r| r.kind == *kind) && !extra_kinds.iter().any(|r| r.kind == *kind) {
            extra_kinds.push(Referral {
                kind: kind.clone(),
                group: group.clone(),
                version: version.clone(),
                field_specs: Vec::new(),
            });
        }
    }
    for referral in table().iter().chain(extra_kinds.iter()) {
        let candidates: Vec<&Named> = snapshot
            .iter()
            .filter(|c| c.ids.len() > 1)
            .filter(|c| {
                c.ids[..c.ids.len() - 1].iter().any(|i| {
                    i.gvk.kind == referral.kind
                        && (referral.group.is_empty() || i.gvk.group == referral.group)
                        && (referral.version.is_empty() || i.gvk.version == referral.version)
                })
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let added: Vec<&FieldSpec> =
            extra.iter().filter(|(k, _, _, _)| *k == referral.kind).map(|(_, _, _, f)| f).collect();
        for r in res.iter_mut() {
            let referrer = Named::of(r);
            // A roleRef names its kind: a ClusterRole never answers for a Role.
            let role_kind =
                r.obj.get("roleRef").and_then(|x| x.get("kind")).and_then(Value::as_str).map(str::to_string);
            for fs in referral
                .field_specs
                .iter()
                .chain(added.iter().copied())
                .filter(|fs| fs.applies_to(&referrer.current.gvk))
            {
                if fs.path.ends_with("roleRef/name") && role_kind.as_deref().is_some_and(|k| k != referral.kind) {
                    continue;
                }
                let mut err = None;
                fieldspec::visit(&mut r.obj, &fs.segments(), false, &mut |v| {
                    if let Err(e) = update(v, &referrer, &candidates, &referral.kind) {
                        err.get_or_insert(e);
                    }
                });
                if let Some(ids) = err {
                    return Err(crate::error::Error::Build(format!(
                        "updating name reference in '{}' field of '{}': found multiple possible referrals: {}",
                        fs.path, referrer.current, ids
                    )));
                }
            }
        }
    }
    Ok(())
}

/// `shortest` is a suffix of `longest` (kustomize's `SameEndingSubSlice`).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() > b.len() { (b, a) } else { (a, b) };
    if short.is_empty() {
        return long.is_empty();
    }
    long[long.len() - short.len()..] == *short
}

fn affixes_equal(c: &Named, r: &Named, allow_empty: bool) -> bool {
    let pre =
        (allow_empty && (c.prefixes.is_empty() || r.prefixes.is_empty())) || same_ending(&c.prefixes, &r.prefixes);
    let suf =
        (allow_empty && (c.suffixes.is_empty() || r.suffixes.is_empty())) || same_ending(&c.suffixes, &r.suffixes);
    pre && suf
}

/// kustomize's `selectReferral` sieve: previous name, namespace, then
/// matching prefixes/suffixes; several identical survivors are fine.
/// `Err` lists the ids when several different objects remain.
fn pick<'a>(
    cands: &[&'a Named],
    name: &str,
    ns: Option<&str>,
    referrer: &Named,
    with_namespace: bool,
) -> Result<Option<&'a Named>, String> {
    let mut left: Vec<&Named> = cands
        .iter()
        .copied()
        .filter(|c| c.had_name(name))
        .filter(|c| match ns {
            // A namespace written in the reference must be one the object had.
            Some(ns) => {
                let want = if ns.is_empty() { "default" } else { ns };
                c.current.gvk.is_cluster_scoped() || c.ids.iter().any(|i| i.effective_namespace() == want)
            }
            None => {
                referrer.current.gvk.is_cluster_scoped()
                    || c.current.gvk.is_cluster_scoped()
                    || c.current.gvk.kind == "ServiceAccount"
                    || c.current.effective_namespace() == referrer.current.effective_namespace()
            }
        })
        .collect();
    if left.len() == 1 {
        return Ok(left.pop());
    }
    left.retain(|c| affixes_equal(c, referrer, true));
    if left.len() > 1 {
        left.retain(|c| affixes_equal(c, referrer, false));
    }
    let Some(first) = left.first().copied() else { return Ok(None) };
    // A reference that also carries a namespace needs the survivors to agree on it too.
    if left.iter().all(|c| {
        c.current.name == first.current.name && (!with_namespace || c.current.namespace == first.current.namespace)
    }) {
        return Ok(Some(first));
    }
    Err(left.iter().map(|c| c.current.to_string()).collect::<Vec<_>>().join(", "))
}

fn update(v: &mut Value, referrer: &Named, cands: &[&Named], kind: &str) -> Result<(), String> {
    match v {
        Value::String(s) => {
            if let Some(c) = pick(cands, s, None, referrer, false)? {
                *s = c.current.name.clone();
            }
        }
        Value::Array(items) => {
            for it in items {
                update(it, referrer, cands, kind)?;
            }
        }
        Value::Object(m) => {
            // kustomize does not look at a subject's `kind`: a User named like
            // a renamed service account follows it too.
            let Some(name) = m.get("name").and_then(Value::as_str).map(str::to_string) else { return Ok(()) };
            let ns = m.get("namespace").and_then(Value::as_str).map(str::to_string);
            if let Some(c) = pick(cands, &name, ns.as_deref(), referrer, true)? {
                m.insert("name".into(), Value::String(c.current.name.clone()));
                // Subjects name their service account's namespace explicitly.
                if (ns.is_some() || kind == "ServiceAccount") && !c.current.namespace.is_empty() {
                    m.insert("namespace".into(), Value::String(c.current.namespace.clone()));
                }
            }
        }
        _ => {}
    }
    Ok(())
}
