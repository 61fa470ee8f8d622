//! Sprig's dict functions. `set`, `unset`, `merge` and `mergeOverwrite` mutate
//! their first argument, as Go's maps are references.

use super::convert::{is_empty, to_string};
use super::{str_arg, want, want_at_least, FnResult, FuncMap};
use crate::value::{Map, MapRef, Value};

pub fn register(m: &mut FuncMap) {
    m.insert("dict", |_, a| {
        let mut d = Map::new();
        for pair in a.chunks(2) {
            let k = to_string(&pair[0]);
            d.insert(k, pair.get(1).cloned().unwrap_or(Value::str("")));
        }
        Ok(Value::map(d))
    });
    m.insert("get", |_, a| {
        want(a, 2, "get")?;
        let d = dict_at(a, 0)?;
        let k = str_arg(a, 1)?;
        let v = d.borrow().get(&k).cloned();
        Ok(v.unwrap_or(Value::str("")))
    });
    m.insert("set", |_, a| {
        want(a, 3, "set")?;
        let d = dict_at(a, 0)?;
        let k = str_arg(a, 1)?;
        d.borrow_mut().insert(k, a[2].clone());
        Ok(a[0].clone())
    });
    m.insert("unset", |_, a| {
        want(a, 2, "unset")?;
        let d = dict_at(a, 0)?;
        let k = str_arg(a, 1)?;
        d.borrow_mut().remove(&k);
        Ok(a[0].clone())
    });
    m.insert("hasKey", |_, a| {
        want(a, 2, "hasKey")?;
        let d = dict_at(a, 0)?;
        let k = str_arg(a, 1)?;
        let has = d.borrow().contains_key(&k);
        Ok(Value::Bool(has))
    });
    m.insert("keys", |_, a| {
        let mut out = Vec::new();
        for d in a {
            out.extend(dict_arg(d)?.borrow().keys().map(|k| Value::str(k.as_str())));
        }
        Ok(Value::list(out))
    });
    m.insert("values", |_, a| {
        want(a, 1, "values")?;
        let d = dict_at(a, 0)?;
        let v: Vec<Value> = d.borrow().values().cloned().collect();
        Ok(Value::list(v))
    });
    m.insert("pick", |_, a| {
        want_at_least(a, 1, "pick")?;
        let d = dict_at(a, 0)?;
        let src = d.borrow();
        let mut out = Map::new();
        for k in &a[1..] {
            let k = to_string(k);
            if let Some(v) = src.get(&k) {
                out.insert(k, v.clone());
            }
        }
        Ok(Value::map(out))
    });
    m.insert("omit", |_, a| {
        want_at_least(a, 1, "omit")?;
        let d = dict_at(a, 0)?;
        let drop: Vec<String> = a[1..].iter().map(to_string).collect();
        let out: Map =
            d.borrow().iter().filter(|(k, _)| !drop.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(Value::map(out))
    });
    for n in ["merge", "mustMerge"] {
        m.insert(n, |_, a| merge_fn(a, false));
    }
    for n in ["mergeOverwrite", "mustMergeOverwrite"] {
        m.insert(n, |_, a| merge_fn(a, true));
    }
    for n in ["deepCopy", "mustDeepCopy"] {
        m.insert(n, |_, a| {
            want(a, 1, "deepCopy")?;
            Ok(a[0].deep_copy())
        });
    }
    m.insert("dig", |_, a| {
        want_at_least(a, 3, "dig")?;
        let n = a.len();
        let default = a[n - 2].clone();
        let mut cur = a[n - 1].clone();
        for k in &a[..n - 2] {
            let k = str_arg(std::slice::from_ref(k), 0)?;
            let next = match &cur {
                Value::Map(m) => m.borrow().get(&k).cloned(),
                _ => None,
            };
            match next {
                Some(v) => cur = v,
                None => return Ok(default),
            }
        }
        Ok(cur)
    });
    m.insert("pluck", |_, a| {
        want_at_least(a, 1, "pluck")?;
        let k = str_arg(a, 0)?;
        let mut out = Vec::new();
        for d in &a[1..] {
            if let Some(v) = dict_arg(d)?.borrow().get(&k) {
                out.push(v.clone());
            }
        }
        Ok(Value::list(out))
    });
}

/// A `map[string]interface{}` parameter at position `i`.
pub(crate) fn dict_at(a: &[Value], i: usize) -> Result<MapRef, String> {
    match a.get(i) {
        Some(Value::Map(m)) => Ok(m.clone()),
        Some(Value::Nil) | None => Err(super::arg_error(i, "invalid value; expected map[string]interface {}")),
        Some(other) => Err(super::arg_error(
            i,
            format!("wrong type for value; expected map[string]interface {{}}; got {}", other.type_name()),
        )),
    }
}

pub(crate) fn dict_arg(v: &Value) -> Result<MapRef, String> {
    dict_at(std::slice::from_ref(v), 0).map_err(|e| super::split_arg_error(&e).map(|(_, m)| m.to_string()).unwrap_or(e))
}

fn merge_fn(a: &[Value], overwrite: bool) -> FnResult {
    want_at_least(a, 1, "merge")?;
    let dst = dict_arg(&a[0])?;
    for src in &a[1..] {
        let src = dict_arg(src)?;
        if std::rc::Rc::ptr_eq(&src, &dst) {
            continue;
        }
        merge_into(&dst, &src, overwrite, 0);
    }
    Ok(a[0].clone())
}

/// mergo's map merge: nested maps merge key by key; otherwise the source value
/// lands when overwriting, or when the destination is missing or empty.
fn merge_into(dst: &MapRef, src: &MapRef, overwrite: bool, depth: usize) {
    if depth > crate::value::MAX_DATA_DEPTH {
        return;
    }
    let entries: Vec<(String, Value)> = src.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, sv) in entries {
        let dv = dst.borrow().get(&k).cloned();
        if sv.is_nil() {
            if overwrite {
                dst.borrow_mut().insert(k, Value::Nil);
            }
            continue;
        }
        if let (Some(Value::Map(dm)), Value::Map(sm)) = (&dv, &sv) {
            if !std::rc::Rc::ptr_eq(dm, sm) {
                merge_into(dm, sm, overwrite, depth + 1);
            }
            if !dm.borrow().is_empty() {
                continue;
            }
        }
        let dst_empty = dv.as_ref().is_none_or(is_empty);
        if matches!(sv, Value::List(_)) && !dst_empty && !overwrite {
            continue;
        }
        if overwrite || dst_empty {
            dst.borrow_mut().insert(k, sv);
        }
    }
}
