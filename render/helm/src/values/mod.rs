//! Values: merging user files, coalescing them with chart defaults and
//! subcharts (globals included) exactly as Helm's `chartutil` does.

pub mod deps;
pub mod schema;
pub mod strvals;

use serde_json::{Map, Value as J};

use deps::Resolved;

pub const GLOBAL_KEY: &str = "global";

/// Values files read as Helm reads them: through JSON, so every number is a float64.
pub fn parse_values_yaml(text: &str) -> Result<Map<String, J>, String> {
    let j = crate::yaml::parse_yaml(text)?;
    match floatify(j) {
        J::Object(o) => Ok(o),
        J::Null => Ok(Map::new()),
        _ => Err("values must be a map at the top level".into()),
    }
}

/// Every number as a float (Go's `encoding/json` into `interface{}`).
pub fn floatify(j: J) -> J {
    match j {
        J::Number(n) => serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0)).map_or(J::Null, J::Number),
        J::Array(a) => J::Array(a.into_iter().map(floatify).collect()),
        J::Object(o) => J::Object(o.into_iter().map(|(k, v)| (k, floatify(v))).collect()),
        other => other,
    }
}

/// Helm CLI's `mergeMaps`: later files win; nested maps merge.
pub fn merge_maps(a: &mut Map<String, J>, b: Map<String, J>) {
    for (k, v) in b {
        if let J::Object(vm) = v {
            if let Some(J::Object(am)) = a.get_mut(&k) {
                merge_maps(am, vm);
                continue;
            }
            a.insert(k, J::Object(vm));
        } else {
            a.insert(k, v);
        }
    }
}

/// `CoalesceValues`: user values over chart defaults, recursively into subcharts,
/// with nulls deleting default keys.
pub fn coalesce_values(chart: &Resolved, user: &Map<String, J>) -> Map<String, J> {
    let mut dest = user.clone();
    coalesce(chart, &mut dest, false, 0);
    dest
}

fn coalesce(c: &Resolved, dest: &mut Map<String, J>, merge: bool, depth: usize) {
    coalesce_chart_values(c, dest, merge);
    if depth > 64 {
        return;
    }
    for sub in &c.deps {
        let entry = dest.entry(sub.name.clone()).or_insert_with(|| J::Object(Map::new()));
        if !entry.is_object() {
            // Helm errors ("type mismatch"); replacing keeps rendering possible and the
            // subchart sees its defaults.
            *entry = J::Object(Map::new());
        }
        let globals = dest.get(GLOBAL_KEY).cloned();
        let Some(J::Object(sub_map)) = dest.get_mut(&sub.name) else { continue };
        coalesce_globals(sub_map, globals.as_ref());
        coalesce(sub, sub_map, merge, depth + 1);
    }
}

fn coalesce_globals(dest: &mut Map<String, J>, src_global: Option<&J>) {
    let mut dg = match dest.get(GLOBAL_KEY) {
        None => Map::new(),
        Some(J::Object(m)) => m.clone(),
        Some(_) => return,
    };
    let sg = match src_global {
        None => Map::new(),
        Some(J::Object(m)) => m.clone(),
        Some(_) => return,
    };
    for (k, v) in sg {
        match (&v, dg.get(&k)) {
            (J::Object(vm), None) => {
                dg.insert(k, J::Object(vm.clone()));
            }
            (J::Object(vm), Some(J::Object(dm))) => {
                // Parent globals win over the subchart's own globals.
                let mut vv = vm.clone();
                coalesce_tables(&mut vv, dm.clone(), true);
                dg.insert(k, J::Object(vv));
            }
            (J::Object(_), Some(_)) => {}
            (_, Some(J::Object(_))) => {}
            _ => {
                dg.insert(k, v);
            }
        }
    }
    dest.insert(GLOBAL_KEY.into(), J::Object(dg));
}

fn coalesce_chart_values(c: &Resolved, v: &mut Map<String, J>, merge: bool) {
    let J::Object(defaults) = &c.values else { return };
    for (key, val) in defaults {
        match v.get_mut(key) {
            Some(J::Null) if !merge => {
                v.remove(key);
            }
            Some(J::Object(dest)) => {
                if let J::Object(src) = val {
                    let child_merge = merge || c.deps.iter().any(|d| &d.name == key);
                    coalesce_tables(dest, src.clone(), child_merge);
                }
            }
            Some(_) => {}
            None => {
                v.insert(key.clone(), val.clone());
            }
        }
    }
}

/// `coalesceTablesFullKey`: `dst` wins; nulls in `dst` delete unless merging.
pub fn coalesce_tables(dst: &mut Map<String, J>, mut src: Map<String, J>, merge: bool) {
    for (k, v) in dst.iter() {
        if v.is_null() {
            src.insert(k.clone(), J::Null);
        }
    }
    for (k, sv) in src {
        match dst.get_mut(&k) {
            Some(J::Null) if !merge => {
                dst.remove(&k);
            }
            None => {
                dst.insert(k, sv);
            }
            Some(J::Object(dm)) => {
                if let J::Object(sm) = sv {
                    coalesce_tables(dm, sm, merge);
                }
            }
            Some(_) => {}
        }
    }
}

/// `PathValue`-style lookup of a dotted path (`a.b.c`).
pub fn path_value<'a>(vals: &'a Map<String, J>, path: &str) -> Option<&'a J> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut cur = vals.get(first)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}
