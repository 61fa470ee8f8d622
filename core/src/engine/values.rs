//! What the walk has evaluated so far, and the [`Scope`] that lets expressions
//! in one module instance see it.

use crate::addr::{InstanceKey, Mode, ModuleInstance, ModulePath};
use crate::diag::{Diagnostic, Span};
use crate::eval::Scope;
use crate::value::{Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;

/// How a module call or resource expanded.
#[derive(Debug, Clone, PartialEq)]
pub enum Expansion {
    Single,
    Count(usize),
    ForEach(Vec<(String, Value)>),
    /// count or for_each was unknown (only allowed while validating).
    Unknown,
}

impl Expansion {
    pub fn keys(&self) -> Vec<InstanceKey> {
        match self {
            Expansion::Single | Expansion::Unknown => vec![InstanceKey::None],
            Expansion::Count(n) => (0..*n).map(|i| InstanceKey::Int(i as i64)).collect(),
            Expansion::ForEach(items) => items.iter().map(|(k, _)| InstanceKey::Str(k.clone())).collect(),
        }
    }

    /// The `each` or `count` object for one instance.
    pub fn repetition(&self, key: &InstanceKey) -> Repetition {
        match (self, key) {
            (Expansion::Count(_), InstanceKey::Int(i)) => Repetition::Count(*i),
            (Expansion::ForEach(_), InstanceKey::Str(k)) => {
                let v = self.each_value(k).cloned().unwrap_or(Value::Null);
                Repetition::Each(k.clone(), v)
            }
            (Expansion::Unknown, _) => Repetition::Unknown,
            _ => Repetition::None,
        }
    }

    /// The `each.value` of key `k`. Keys come sorted from a map or a set, so a binary
    /// search finds them; a scan covers any list built out of order.
    fn each_value(&self, k: &str) -> Option<&Value> {
        let Expansion::ForEach(items) = self else { return None };
        match items.binary_search_by(|(ik, _)| ik.as_str().cmp(k)) {
            Ok(i) => Some(&items[i].1),
            Err(_) => items.iter().find(|(ik, _)| ik == k).map(|(_, v)| v),
        }
    }

    /// The instance key that `whole[key]` picks, when it is plainly one of this expansion's
    /// instances; `None` for anything the whole value's own indexing must judge.
    fn element_key(&self, key: &Value) -> Option<InstanceKey> {
        match (self, key) {
            (Expansion::Count(n), Value::Number(i)) if i.to_usize().is_some_and(|i| i < *n) => {
                i.to_i64().map(InstanceKey::Int)
            }
            (Expansion::ForEach(_), Value::String(s)) if self.each_value(s).is_some() => {
                Some(InstanceKey::Str(s.clone()))
            }
            _ => None,
        }
    }

    /// Gathers per-instance values into the value a reference to the whole sees.
    pub fn collect(&self, mut get: impl FnMut(&InstanceKey) -> Value) -> Value {
        match self {
            Expansion::Single => get(&InstanceKey::None),
            Expansion::Unknown => Value::Unknown,
            Expansion::Count(_) => Value::List(self.keys().iter().map(&mut get).collect()),
            Expansion::ForEach(_) => Value::Object(
                self.keys()
                    .iter()
                    .map(|k| match k {
                        InstanceKey::Str(s) => (s.clone(), get(k)),
                        _ => (String::new(), Value::Null),
                    })
                    .collect(),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Repetition {
    None,
    Count(i64),
    Each(String, Value),
    Unknown,
}

#[derive(Default)]
pub struct Values {
    pub module_instances: HashMap<ModulePath, Vec<ModuleInstance>>,
    pub module_expansions: HashMap<(ModuleInstance, String), Expansion>,
    pub vars: HashMap<ModuleInstance, Map>,
    pub locals: HashMap<ModuleInstance, Map>,
    pub outputs: HashMap<ModuleInstance, Map>,
    pub resource_expansions: HashMap<(ModuleInstance, Mode, String, String), Expansion>,
    pub resource_instances: HashMap<(ModuleInstance, Mode, String, String), HashMap<InstanceKey, Value>>,
}

impl Values {
    pub fn instances_of(&self, path: &ModulePath) -> Vec<ModuleInstance> {
        if path.0.is_empty() {
            return vec![ModuleInstance::root()];
        }
        self.module_instances.get(path).cloned().unwrap_or_default()
    }

    /// The value of `module.NAME` seen from `mi`.
    fn module_value(&self, mi: &ModuleInstance, name: &str) -> Value {
        let Some(expansion) = self.module_expansions.get(&(mi.clone(), name.to_string())) else {
            return Value::Unknown;
        };
        expansion.collect(|key| {
            let child = mi.child(name, key.clone());
            Value::Object(self.outputs.get(&child).cloned().unwrap_or_default())
        })
    }

    /// `module.NAME[key]` seen from `mi`, when `key` plainly names one instance.
    fn module_element(&self, mi: &ModuleInstance, name: &str, key: &Value) -> Option<Value> {
        let expansion = self.module_expansions.get(&(mi.clone(), name.to_string()))?;
        let child = mi.child(name, expansion.element_key(key)?);
        Some(Value::Object(self.outputs.get(&child).cloned().unwrap_or_default()))
    }

    fn resource_value(&self, mi: &ModuleInstance, mode: Mode, t: &str, n: &str) -> Value {
        let key = (mi.clone(), mode, t.to_string(), n.to_string());
        let Some(expansion) = self.resource_expansions.get(&key) else { return Value::Unknown };
        let instances = self.resource_instances.get(&key);
        expansion.collect(|k| instances.and_then(|m| m.get(k)).cloned().unwrap_or(Value::Unknown))
    }

    /// `TYPE.NAME[key]` seen from `mi`, when `key` plainly names one instance.
    fn resource_element(&self, mi: &ModuleInstance, mode: Mode, t: &str, n: &str, key: &Value) -> Option<Value> {
        let rkey = (mi.clone(), mode, t.to_string(), n.to_string());
        let k = self.resource_expansions.get(&rkey)?.element_key(key)?;
        Some(self.resource_instances.get(&rkey).and_then(|m| m.get(&k)).cloned().unwrap_or(Value::Unknown))
    }
}

/// The scope of one module instance, optionally inside one repetition of a resource or module call.
pub struct InstanceScope<'a> {
    pub values: &'a Values,
    pub module: &'a ModuleInstance,
    pub repetition: Repetition,
    pub module_dir: PathBuf,
    pub root_dir: PathBuf,
    /// The selected workspace, `gantry.workspace`.
    pub workspace: String,
    /// Overrides for `var.NAME`, used to check a variable's validation with its new value.
    pub var_override: Option<(&'a str, &'a Value)>,
    /// Every `var.*` and `local.*` reads as unknown: a resource with no instances is
    /// checked for mistakes that hold whatever its inputs (unknown attributes and
    /// functions, wrong nesting) but not for what its inputs rule out (an attribute of
    /// a null object that only the absent instances would read).
    pub inputs_unknown: bool,
}

impl Scope for InstanceScope<'_> {
    fn finds_elements(&self, root: &str, attrs: &[(&str, Span)]) -> bool {
        match root {
            "module" => attrs.len() == 1,
            "data" => attrs.len() == 2,
            "var" | "local" | "each" | "count" | "path" | "gantry" => false,
            _ => attrs.len() == 1,
        }
    }

    fn resolve_element(&self, root: &str, attrs: &[(&str, Span)], key: &Value) -> Option<Value> {
        match (root, attrs) {
            ("module", [(name, _)]) => self.values.module_element(self.module, name, key),
            ("data", [(t, _), (n, _)]) => self.values.resource_element(self.module, Mode::Data, t, n, key),
            ("var" | "local" | "each" | "count" | "path" | "gantry", _) => None,
            (t, [(n, _)]) => self.values.resource_element(self.module, Mode::Managed, t, n, key),
            _ => None,
        }
    }

    fn resolve(&self, root: &str, attrs: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic> {
        let first = attrs.first().map(|(n, _)| *n);
        let need_attr = || {
            Diagnostic::error("Invalid reference", format!("\"{root}\" must be followed by an attribute name."))
                .at(span)
        };
        match root {
            "var" => {
                let name = first.ok_or_else(need_attr)?;
                if self.inputs_unknown {
                    return Ok((Value::Unknown, 1));
                }
                if let Some((n, v)) = self.var_override {
                    if n == name {
                        return Ok((v.clone(), 1));
                    }
                }
                let v = self.values.vars.get(self.module).and_then(|m| m.get(name)).cloned().unwrap_or(Value::Unknown);
                Ok((v, 1))
            }
            "local" => {
                let name = first.ok_or_else(need_attr)?;
                if self.inputs_unknown {
                    return Ok((Value::Unknown, 1));
                }
                let v =
                    self.values.locals.get(self.module).and_then(|m| m.get(name)).cloned().unwrap_or(Value::Unknown);
                Ok((v, 1))
            }
            "module" => {
                let name = first.ok_or_else(need_attr)?;
                Ok((self.values.module_value(self.module, name), 1))
            }
            "data" => match attrs {
                [(t, _), (n, _), ..] => Ok((self.values.resource_value(self.module, Mode::Data, t, n), 2)),
                _ => Err(need_attr()),
            },
            "each" => match &self.repetition {
                Repetition::Each(k, v) => {
                    Ok((Value::object([("key", Value::string(k.clone())), ("value", v.clone())]), 0))
                }
                // The graph already reported a misplaced each; evaluating on keeps other problems visible.
                _ => Ok((Value::Unknown, 0)),
            },
            "count" => match &self.repetition {
                Repetition::Count(i) => Ok((Value::object([("index", Value::number(*i))]), 0)),
                _ => Ok((Value::Unknown, 0)),
            },
            "path" => {
                let cwd = std::env::current_dir().unwrap_or_default();
                Ok((
                    Value::object([
                        ("module", Value::string(clean_path(&self.module_dir))),
                        ("root", Value::string(clean_path(&self.root_dir))),
                        ("cwd", Value::string(cwd.to_string_lossy())),
                    ]),
                    0,
                ))
            }
            "gantry" => Ok((Value::object([("workspace", Value::string(self.workspace.clone()))]), 0)),
            type_name => {
                let name = first.ok_or_else(|| {
                    Diagnostic::error("Invalid reference", format!("\"{type_name}\" is not a known name.")).at(span)
                })?;
                Ok((self.values.resource_value(self.module, Mode::Managed, type_name, name), 1))
            }
        }
    }
}

/// A path as Terraform shows `path.module`: `outer/inner`, not `././outer/./inner`.
fn clean_path(path: &std::path::Path) -> String {
    use std::path::Component;
    let mut parts: Vec<String> = Vec::new();
    let mut rooted = String::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            Component::ParentDir => parts.push("..".into()),
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::RootDir => rooted = "/".into(),
            Component::Prefix(p) => rooted = p.as_os_str().to_string_lossy().into_owned(),
        }
    }
    match (rooted.is_empty(), parts.is_empty()) {
        (true, true) => ".".into(),
        _ => format!("{rooted}{}", parts.join("/")),
    }
}
