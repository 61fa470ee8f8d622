//! Placeholder for the standard function library (being written on its own branch).
use crate::value::Value;

pub struct FuncContext<'a> {
    pub base_dir: &'a std::path::Path,
    pub render_template: &'a dyn Fn(&str, &crate::value::Map) -> Result<Value, String>,
}
#[derive(Debug, Clone, PartialEq)]
pub struct FuncError {
    pub message: String,
    pub arg: Option<usize>,
}
pub fn exists(name: &str) -> bool {
    matches!(name, "length" | "upper" | "file" | "yamldecode" | "jsonencode" | "merge" | "tostring")
}
pub fn names() -> impl Iterator<Item = &'static str> {
    ["length", "upper", "file", "yamldecode", "jsonencode", "merge", "tostring"].into_iter()
}
pub fn call(name: &str, args: Vec<Value>, _ctx: &FuncContext) -> Result<Value, FuncError> {
    if args.iter().any(Value::contains_unknown) { return Ok(Value::Unknown); }
    match (name, args.as_slice()) {
        ("length", [Value::List(l)]) => Ok(Value::Number(l.len() as f64)),
        ("length", [Value::Object(l)]) => Ok(Value::Number(l.len() as f64)),
        ("upper", [Value::String(s)]) => Ok(Value::String(s.to_uppercase())),
        ("tostring", [v]) => Ok(Value::String(v.to_string())),
        _ => Err(FuncError { message: format!("stub {name}"), arg: None }),
    }
}
pub fn yaml_decode_all(_text: &str) -> Result<Vec<Value>, String> { Err("stub".into()) }
