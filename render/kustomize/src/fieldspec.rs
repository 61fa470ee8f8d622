//! Field specs: "this path, in objects of this group/version/kind", the way
//! kustomize's transformers are configured. The built-in tables live in
//! `konfig/*.yaml`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::resid::Gvk;

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    pub path: String,
    #[serde(default)]
    pub create: bool,
}

impl FieldSpec {
    /// Empty parts of the spec match anything.
    pub fn applies_to(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
            && (self.kind.is_empty() || self.kind == gvk.kind)
    }

    pub fn segments(&self) -> Vec<String> {
        split_path(&self.path)
    }
}

/// Splits `a/b[]/c` on unescaped slashes; `\/` stands for a slash in a key.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Calls `f` on every value found at `segments` below `node`. Sequences met
/// on the way are walked element by element (with or without a `[]` suffix).
/// With `create`, missing maps along the path (and the last field, as null)
/// are created first, as kustomize does for `create: true` specs.
pub fn visit<F: FnMut(&mut Value)>(node: &mut Value, segments: &[String], create: bool, f: &mut F) {
    if let Value::Array(items) = node {
        for item in items {
            visit(item, segments, create, f);
        }
        return;
    }
    let Some((first, rest)) = segments.split_first() else {
        f(node);
        return;
    };
    let key = first.strip_suffix("[]").unwrap_or(first);
    let Value::Object(map) = node else { return };
    if !map.contains_key(key) {
        if !create || first.ends_with("[]") {
            return;
        }
        let fresh = if rest.is_empty() { Value::Null } else { Value::Object(Map::new()) };
        map.insert(key.to_string(), fresh);
    }
    let child = map.get_mut(key).expect("present");
    if child.is_null() && !rest.is_empty() {
        if !create {
            return;
        }
        *child = Value::Object(Map::new());
    }
    visit(child, rest, create, f);
}

pub fn load_specs(yaml: &str, key: &str) -> Vec<FieldSpec> {
    let v = crate::yaml_in::parse_one(yaml, std::path::Path::new(key)).expect("built-in field specs parse");
    serde_json::from_value(v.get(key).cloned().unwrap_or(Value::Null)).expect("built-in field specs are well formed")
}
