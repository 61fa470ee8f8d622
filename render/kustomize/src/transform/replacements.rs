//! `replacements`: copy a field of one object into fields of others.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::kustomization::{FieldOptions, Replacement, ReplacementEntry, Selector, SourceSelector};
use crate::loader::Loader;
use crate::resource::Resource;
use crate::yaml_in;

use super::selector;

const FIELD: &str = "replacements";

pub fn replacements(res: &mut [Resource], list: &[ReplacementEntry], loader: &Loader, kfile: &Path) -> Result<()> {
    for entry in list {
        let reps: Vec<Replacement> = match entry {
            ReplacementEntry::Inline(r) => vec![(**r).clone()],
            ReplacementEntry::Path { path } => {
                let text = loader.read_text(path).map_err(|e| e.in_field(kfile, FIELD))?;
                let mut out = Vec::new();
                for doc in yaml_in::parse_documents(&text, &loader.root.join(path))? {
                    let items = if doc.is_array() { doc.as_array().cloned().unwrap_or_default() } else { vec![doc] };
                    for item in items {
                        out.push(
                            serde_json::from_value(item)
                                .map_err(|e| Error::field(kfile, FIELD, format!("{path}: {e}")))?,
                        );
                    }
                }
                out
            }
        };
        for r in &reps {
            apply(res, r, kfile)?;
        }
    }
    Ok(())
}

fn source_matches(s: &SourceSelector, r: &Resource) -> bool {
    let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w.is_empty() || w == have);
    r.all_ids().iter().any(|id| {
        eq(&s.group, &id.gvk.group)
            && eq(&s.version, &id.gvk.version)
            && eq(&s.kind, &id.gvk.kind)
            && eq(&s.name, &id.name)
            && eq(&s.namespace, &id.namespace)
    })
}

fn target_matches(s: &Selector, r: &Resource) -> Result<bool> {
    let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w.is_empty() || w == have);
    let any_id = r.all_ids().iter().any(|id| {
        eq(&s.group, &id.gvk.group)
            && eq(&s.version, &id.gvk.version)
            && eq(&s.kind, &id.gvk.kind)
            && eq(&s.name, &id.name)
            && eq(&s.namespace, &id.namespace)
    });
    if !any_id {
        return Ok(false);
    }
    let sel = Selector {
        label_selector: s.label_selector.clone(),
        annotation_selector: s.annotation_selector.clone(),
        ..Default::default()
    };
    selector::matches(&sel, r)
}

fn apply(res: &mut [Resource], rep: &Replacement, kfile: &Path) -> Result<()> {
    let src = rep.source.as_ref().ok_or_else(|| Error::field(kfile, FIELD, "a replacement needs a `source`"))?;
    let found: Vec<&Resource> = res.iter().filter(|r| source_matches(src, r)).collect();
    let desc = format!("{}/{}", src.kind.as_deref().unwrap_or("*"), src.name.as_deref().unwrap_or("*"));
    let source = match found.as_slice() {
        [one] => *one,
        [] => return Err(Error::field(kfile, FIELD, format!("nothing selected by source {desc}"))),
        _ => return Err(Error::field(kfile, FIELD, format!("multiple matches for source {desc}"))),
    };
    let path = src.field_path.clone().unwrap_or_else(|| "metadata.name".into());
    let segs = split_field_path(&path);
    let mut values = Vec::new();
    lookup(&source.obj, &segs, &mut values);
    let mut value = values
        .first()
        .cloned()
        .cloned()
        .ok_or_else(|| Error::field(kfile, FIELD, format!("source {desc} has no field {path}")))?;
    if let Some(opts) = &src.options {
        if let (Some(d), Value::String(s)) = (opts.delimiter.as_deref().filter(|d| !d.is_empty()), &value) {
            let parts: Vec<&str> = s.split(d).collect();
            let i = usize::try_from(opts.index).ok().filter(|i| *i < parts.len()).ok_or_else(|| {
                Error::field(kfile, FIELD, format!("options.index {} is out of bounds for value {s}", opts.index))
            })?;
            value = Value::String(parts[i].to_string());
        }
    }
    for t in &rep.targets {
        let sel = t.select.as_ref().ok_or_else(|| Error::field(kfile, FIELD, "a replacement target needs `select`"))?;
        for r in res.iter_mut() {
            if !target_matches(sel, r).map_err(|e| e.in_field(kfile, FIELD))? {
                continue;
            }
            let mut rejected = false;
            for rej in &t.reject {
                if target_matches(rej, r).map_err(|e| e.in_field(kfile, FIELD))? {
                    rejected = true;
                }
            }
            if rejected {
                continue;
            }
            for fp in &t.field_paths {
                let segs = split_field_path(fp);
                let opts = t.options.clone().unwrap_or_default();
                let mut err = None;
                let mut hits = 0;
                set(&mut r.obj, &segs, opts.create, &mut |v| {
                    hits += 1;
                    if let Err(e) = put(v, &value, &opts) {
                        err = Some(e);
                    }
                });
                if let Some(e) = err {
                    return Err(Error::field(kfile, FIELD, format!("{fp}: {e}")));
                }
                if hits == 0 {
                    return Err(Error::field(
                        kfile,
                        FIELD,
                        format!("unable to find field {fp:?} in replacement target {}", r.id()),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn put(target: &mut Value, value: &Value, opts: &FieldOptions) -> std::result::Result<(), String> {
    match opts.delimiter.as_deref().filter(|d| !d.is_empty()) {
        None => *target = retyped(target, value),
        Some(d) => {
            let cur = match &*target {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => crate::emit::to_yaml_document(other).trim_end().to_string(),
            };
            let mut parts: Vec<String> = cur.split(d).map(str::to_string).collect();
            let v = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => crate::emit::format_number(n),
                other => other.to_string(),
            };
            if opts.index < 0 {
                parts.insert(0, v);
            } else if (opts.index as usize) >= parts.len() {
                parts.push(v);
            } else {
                parts[opts.index as usize] = v;
            }
            *target = Value::String(parts.join(d));
        }
    }
    Ok(())
}

/// kustomize copies only the text into an existing scalar, which keeps its
/// type: a number replacing a string stays a string, and the reverse.
fn retyped(target: &Value, value: &Value) -> Value {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => crate::emit::format_number(n),
        Value::Bool(b) => b.to_string(),
        _ => return value.clone(),
    };
    match target {
        Value::String(_) => Value::String(text),
        Value::Number(_) => {
            serde_json::from_str::<serde_json::Number>(&text).map(Value::Number).unwrap_or(Value::String(text))
        }
        Value::Bool(_) => match text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text),
        },
        _ => value.clone(),
    }
}

/// Splits `a.b.[name=x].c` on dots outside brackets.
pub fn split_field_path(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in p.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth -= 1;
                cur.push(c);
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    // `containers[0]` and `containers[name=x]` (the vars spelling) are two
    // segments; `[0]` is a list index.
    let mut split = Vec::new();
    for seg in out.into_iter().filter(|s| !s.is_empty()) {
        match seg.find('[') {
            Some(i) if i > 0 && seg.ends_with(']') => {
                split.push(seg[..i].to_string());
                split.push(seg[i..].to_string());
            }
            _ => split.push(seg),
        }
    }
    split
        .into_iter()
        .map(|s| match s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            Some(inner) if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) => inner.to_string(),
            _ => s,
        })
        .collect()
}

/// A `[k=v]` segment selects list elements; `[key]` a map key with dots.
fn bracket(seg: &str) -> Option<(&str, Option<&str>)> {
    let inner = seg.strip_prefix('[')?.strip_suffix(']')?;
    Some(match inner.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (inner, None),
    })
}

fn scalar_eq(v: &Value, want: &str) -> bool {
    match v {
        Value::String(s) => s == want,
        Value::Number(n) => crate::emit::format_number(n) == want,
        Value::Bool(b) => b.to_string() == want,
        _ => false,
    }
}

pub fn lookup<'a>(node: &'a Value, segs: &[String], out: &mut Vec<&'a Value>) {
    let Some((first, rest)) = segs.split_first() else {
        out.push(node);
        return;
    };
    match (node, bracket(first)) {
        (Value::Array(items), Some((k, Some(v)))) => {
            for it in items.iter().filter(|it| it.get(k).is_some_and(|x| scalar_eq(x, v))) {
                lookup(it, rest, out);
            }
        }
        (Value::Array(items), _) if first == "*" => items.iter().for_each(|it| lookup(it, rest, out)),
        (Value::Array(items), _) => {
            if let Ok(i) = first.parse::<usize>() {
                if let Some(it) = items.get(i) {
                    lookup(it, rest, out);
                }
            }
        }
        (Value::Object(m), b) => {
            let key = match b {
                Some((k, None)) => k,
                _ => first.as_str(),
            };
            if first == "*" {
                m.values().for_each(|v| lookup(v, rest, out));
            } else if let Some(v) = m.get(key) {
                lookup(v, rest, out);
            }
        }
        _ => {}
    }
}

fn set<F: FnMut(&mut Value)>(node: &mut Value, segs: &[String], create: bool, f: &mut F) {
    let Some((first, rest)) = segs.split_first() else {
        f(node);
        return;
    };
    match (&mut *node, bracket(first)) {
        (Value::Array(items), Some((k, Some(v)))) => {
            let mut hit = false;
            for it in items.iter_mut().filter(|it| it.get(k).is_some_and(|x| scalar_eq(x, v))) {
                hit = true;
                set(it, rest, create, f);
            }
            if !hit && create {
                let mut m = Map::new();
                m.insert(k.to_string(), Value::String(v.to_string()));
                items.push(Value::Object(m));
                let last = items.last_mut().expect("pushed");
                set(last, rest, create, f);
            }
        }
        (Value::Array(items), _) if first == "*" => items.iter_mut().for_each(|it| set(it, rest, create, f)),
        (Value::Array(items), _) => {
            if let Ok(i) = first.parse::<usize>() {
                if let Some(it) = items.get_mut(i) {
                    set(it, rest, create, f);
                }
            }
        }
        (Value::Object(m), b) => {
            let key = match b {
                Some((k, None)) => k.to_string(),
                _ => first.clone(),
            };
            if first == "*" {
                m.values_mut().for_each(|v| set(v, rest, create, f));
                return;
            }
            if !m.contains_key(&key) {
                if !create {
                    return;
                }
                let fresh = if rest.is_empty() { Value::Null } else { Value::Object(Map::new()) };
                m.insert(key.clone(), fresh);
            }
            set(m.get_mut(&key).expect("present"), rest, create, f);
        }
        (Value::Null, _) if create => {
            *node = Value::Object(Map::new());
            set(node, segs, create, f);
        }
        _ => {}
    }
}
