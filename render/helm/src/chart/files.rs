//! `.Files` in templates: `Get`, `GetBytes`, `Glob`, `AsConfig`, `AsSecrets`, `Lines`.

use std::collections::BTreeMap;
use std::rc::Rc;

use base64::Engine;

use super::glob::files_glob_match;
use crate::value::{Map, Object, Value};

#[derive(Debug, Default)]
pub struct Files {
    pub files: BTreeMap<String, Rc<Vec<u8>>>,
}

impl Files {
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Files {
        Files { files: files.into_iter().map(|(k, v)| (k, Rc::new(v))).collect() }
    }

    fn base_map(&self, f: impl Fn(&[u8]) -> String) -> String {
        let mut m = Map::new();
        for (k, v) in &self.files {
            let base = k.rsplit('/').next().unwrap_or(k);
            m.insert(base.to_string(), Value::str(f(v)));
        }
        if m.is_empty() {
            return String::new();
        }
        crate::funcs::yaml_out::to_yaml(&Value::map(m).to_json())
    }
}

fn str_arg(args: &[Value], method: &str) -> Result<String, String> {
    match args {
        [Value::Str(s)] => Ok(s.to_string()),
        _ => Err(format!("{method} needs one string argument")),
    }
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }

    fn member(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let r = match name {
            "Get" => str_arg(args, name).map(|p| {
                Value::str(self.files.get(&p).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default())
            }),
            "GetBytes" => str_arg(args, name).map(|p| Value::Bytes(self.files.get(&p).cloned().unwrap_or_default())),
            "Glob" => str_arg(args, name).map(|pat| {
                let files = self
                    .files
                    .iter()
                    .filter(|(k, _)| files_glob_match(&pat, k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Value::Object(Rc::new(Files { files }))
            }),
            "AsConfig" => Ok(Value::str(self.base_map(|b| String::from_utf8_lossy(b).into_owned()))),
            "AsSecrets" => Ok(Value::str(self.base_map(|b| base64::engine::general_purpose::STANDARD.encode(b)))),
            "Lines" => str_arg(args, name).map(|p| {
                let Some(b) = self.files.get(&p) else {
                    return Value::list(Vec::new());
                };
                let s = String::from_utf8_lossy(b);
                let s = s.strip_suffix('\n').unwrap_or(&s);
                Value::list(s.split('\n').map(Value::from).collect())
            }),
            _ => return None,
        };
        Some(r)
    }

    fn display(&self) -> String {
        let parts: Vec<String> = self.files.iter().map(|(k, v)| format!("{k}:{:?}", v.as_slice())).collect();
        format!("map[{}]", parts.join(" "))
    }

    fn to_data(&self) -> Value {
        let m: Map = self.files.iter().map(|(k, v)| (k.clone(), Value::Bytes(v.clone()))).collect();
        Value::map(m)
    }
}
