//! Strategic merge patch as kustomize (kyaml `merge2`) applies it.
//!
//! Lists merge by key only where the Kubernetes schema gives them a
//! `merge` patch strategy (see `schema`); other lists, and every list of a
//! kind without a built-in schema, are replaced by the patch's list. Keyed
//! merges put the patch's elements first, then the remaining original
//! elements (kustomize's "prepend" order); with several merge keys (e.g.
//! container ports) new elements come first, then all originals in order.
//! `$patch: delete|replace|merge` and nulls are directives; kyaml does not
//! know `$setElementOrder`, `$deleteFromPrimitiveList` or `$retainKeys`, so,
//! as in kustomize, they stay in the object as ordinary fields.

mod schema;

use serde_json::{Map, Value};

use schema::{FieldInfo, Schema};

/// Applies `patch` to `target` (both full objects). Returns `false` when
/// the patch deletes the whole object (`$patch: delete` at the top).
pub fn apply(target: &mut Value, patch: &Value) -> bool {
    let gvk = crate::resid::Gvk::from_object(target);
    let root = Schema::get().root_type(&gvk);
    if directive(patch) == Some("delete") {
        return false;
    }
    merge_value(target, patch, root.map(FieldInfo::object).as_ref());
    true
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

/// Drops patch directives from a value that is inserted as is.
fn clean(v: &Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if directive(v) == Some("delete") {
                return None;
            }
            let mut out = Map::new();
            for (k, c) in m {
                if k == "$patch" {
                    continue;
                }
                if let Some(c) = clean(c) {
                    out.insert(k.clone(), c);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(a) => Some(Value::Array(
            a.iter()
                .filter(|e| !(e.is_object() && directive(e).is_some() && e.as_object().is_some_and(|m| m.len() == 1)))
                .filter_map(clean)
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn merge_value(dest: &mut Value, patch: &Value, info: Option<&FieldInfo>) {
    match (dest, patch) {
        (Value::Object(d), Value::Object(p)) => {
            let type_name = info.and_then(|i| i.type_name.clone());
            merge_map(d, p, type_name.as_deref());
        }
        (dest @ Value::Array(_), Value::Array(p)) => {
            let Value::Array(d) = dest else { unreachable!() };
            let merged = merge_list(d, p, info);
            *dest = Value::Array(merged);
        }
        (dest, p) => {
            if let Some(c) = clean(p) {
                *dest = c;
            }
        }
    }
}

fn merge_map(dest: &mut Map<String, Value>, patch: &Map<String, Value>, type_name: Option<&str>) {
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        if let Some(Value::Object(c)) = clean(&Value::Object(patch.clone())) {
            *dest = c;
        }
        return;
    }
    let schema = Schema::get();
    for (k, pv) in patch {
        if k == "$patch" {
            continue;
        }
        if pv.is_null() {
            dest.shift_remove(k);
            continue;
        }
        let info = type_name.and_then(|t| schema.field(t, k));
        match dest.get_mut(k) {
            None => {
                if let Some(c) = clean(pv) {
                    if !(pv.is_object() && directive(pv) == Some("delete")) {
                        dest.insert(k.clone(), c);
                    }
                }
            }
            Some(dv) => {
                if pv.is_object() && directive(pv) == Some("delete") {
                    dest.shift_remove(k);
                    continue;
                }
                merge_value(dv, pv, info.as_ref());
            }
        }
    }
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => crate::emit::format_number(n),
        other => other.to_string(),
    }
}

/// kyaml's key-tuple match: equal where both are set, at least one equal.
fn keys_match(a: &[String], b: &[String]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut common = false;
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
        } else if !x.is_empty() && !y.is_empty() {
            return false;
        }
    }
    common
}

fn merge_list(dest: &[Value], patch: &[Value], info: Option<&FieldInfo>) -> Vec<Value> {
    let replace = patch.iter().any(|e| directive(e) == Some("replace") && e.as_object().is_some_and(|m| m.len() == 1));
    let merge = info.is_some_and(|i| i.strategy.split(',').any(|s| s == "merge"));
    if replace || !merge {
        return match clean(&Value::Array(patch.to_vec())) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
    }
    let info = info.expect("merge implies schema");
    // kyaml only uses the merge keys that some element, original or patch,
    // actually sets (ports without any `protocol` merge by `port` alone).
    let used: Vec<String> = info
        .keys
        .iter()
        .filter(|k| dest.iter().chain(patch).any(|e| e.get(k.as_str()).is_some_and(|v| !scalar_string(v).is_empty())))
        .cloned()
        .collect();
    let keys = if used.is_empty() { &info.keys } else { &used };
    if keys.is_empty() {
        let mut out: Vec<Value> = Vec::new();
        for v in patch.iter().chain(dest) {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        return out;
    }
    let key_of =
        |v: &Value| -> Vec<String> { keys.iter().map(|k| v.get(k).map(scalar_string).unwrap_or_default()).collect() };
    let mut used = vec![false; dest.len()];
    let mut out = Vec::new();
    for p in patch {
        if !p.is_object() {
            continue;
        }
        let pk = key_of(p);
        let found = dest.iter().enumerate().position(|(i, d)| !used[i] && keys_match(&key_of(d), &pk));
        if directive(p) == Some("delete") {
            if let Some(i) = found {
                used[i] = true;
            }
            continue;
        }
        match found {
            Some(i) => {
                used[i] = true;
                let mut merged = dest[i].clone();
                let elem = info.type_name.clone();
                if let (Value::Object(d), Value::Object(pm)) = (&mut merged, p) {
                    merge_map(d, pm, elem.as_deref());
                }
                out.push((merged, Some(i)));
            }
            None => {
                if let Some(c) = clean(p) {
                    out.push((c, None));
                }
            }
        }
    }
    for (i, d) in dest.iter().enumerate() {
        if !used[i] {
            out.push((d.clone(), Some(i)));
        }
    }
    if keys.len() > 1 {
        // With several merge keys kyaml re-appends every original element in
        // original order, so new elements end up first.
        let (mut fresh, mut old): (Vec<_>, Vec<_>) = out.into_iter().partition(|(_, i)| i.is_none());
        old.sort_by_key(|(_, i)| *i);
        fresh.extend(old);
        out = fresh;
    }
    out.into_iter().map(|(v, _)| v).collect()
}
