//! One object of the build plus the bookkeeping kustomize keeps beside it.

use serde_json::{Map, Value};

use crate::resid::ResId;

/// How a generated object combines with an existing one of the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Behavior {
    #[default]
    Create,
    Merge,
    Replace,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub obj: Value,
    /// Every id the object has had, oldest first (the current one excluded);
    /// name references are matched against these.
    pub previous: Vec<ResId>,
    /// Generated objects whose name gets kustomize's content-hash suffix.
    pub needs_hash: bool,
    pub behavior: Behavior,
    pub generated: bool,
    /// Name prefixes and suffixes applied, in order; name references prefer
    /// objects renamed the same way as the referrer.
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// Vars bound to this object: (name, field path, declaring kustomization).
    pub ref_vars: Vec<(String, String, std::path::PathBuf)>,
}

impl Resource {
    pub fn new(obj: Value) -> Self {
        let mut obj = obj;
        stringify_annotations(&mut obj);
        Resource {
            obj,
            previous: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            generated: false,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            ref_vars: Vec::new(),
        }
    }

    pub fn id(&self) -> ResId {
        ResId::of(&self.obj)
    }

    /// Records the current id before a transformer changes it.
    pub fn remember_id(&mut self) {
        let id = self.id();
        if self.previous.last() != Some(&id) {
            self.previous.push(id);
        }
    }

    /// All ids, oldest first, ending with the current one.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut v = self.previous.clone();
        v.push(self.id());
        v
    }

    pub fn name(&self) -> String {
        self.id().name
    }

    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let obj = self.obj.as_object_mut().expect("resources are objects");
        let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        meta.as_object_mut().expect("just made an object")
    }

    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut().insert("name".into(), Value::String(name.into()));
    }

    pub fn labels(&self) -> Map<String, Value> {
        self.meta_map("labels")
    }

    pub fn annotations(&self) -> Map<String, Value> {
        self.meta_map("annotations")
    }

    fn meta_map(&self, key: &str) -> Map<String, Value> {
        self.obj.get("metadata").and_then(|m| m.get(key)).and_then(Value::as_object).cloned().unwrap_or_default()
    }
}

/// kustomize reads annotations as a string map, so scalar values such as
/// `port: 8080` come out as strings.
pub fn stringify_annotations(obj: &mut Value) {
    if let Some(Value::Object(a)) = obj.get_mut("metadata").and_then(|m| m.get_mut("annotations")) {
        for v in a.values_mut() {
            let s = match v {
                Value::Number(n) => crate::emit::format_number(n),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            *v = Value::String(s);
        }
    }
}
