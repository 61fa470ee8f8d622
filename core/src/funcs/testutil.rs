//! Helpers the function tests share: calling a function with a toy template renderer,
//! and short constructors for values.

use super::*;

pub fn ctx_in(dir: &std::path::Path, f: impl FnOnce(&FuncContext)) {
    let render = |_: &std::path::Path, tpl: &str, vars: &Map| -> Result<Value, String> {
        // A toy renderer: replaces ${name} with string variables.
        let mut out = tpl.to_string();
        for (k, v) in vars {
            let s = to_str(v).ok_or_else(|| format!("variable {k} is not a string"))?;
            out = out.replace(&format!("${{{k}}}"), &s);
        }
        Ok(Value::String(out))
    };
    let ctx = FuncContext { base_dir: dir, render_template: &render };
    f(&ctx)
}

pub fn call_ok(name: &str, args: Vec<Value>) -> Value {
    let mut out = Value::Null;
    ctx_in(std::path::Path::new("."), |ctx| {
        out = call(name, args, ctx).unwrap_or_else(|e| panic!("{name} failed: {}", e.message));
    });
    out
}

pub fn call_err(name: &str, args: Vec<Value>) -> FuncError {
    let mut out = None;
    ctx_in(std::path::Path::new("."), |ctx| {
        out = Some(call(name, args, ctx));
    });
    match out {
        Some(Err(e)) => e,
        other => panic!("{name} should have failed, got {other:?}"),
    }
}

pub fn s(x: &str) -> Value {
    Value::string(x)
}

pub fn n(x: f64) -> Value {
    Value::from_f64(x)
}

pub fn b(x: bool) -> Value {
    Value::Bool(x)
}

pub fn l(items: Vec<Value>) -> Value {
    Value::List(items)
}

pub fn sl(items: &[&str]) -> Value {
    Value::List(items.iter().map(|x| s(x)).collect())
}

pub fn nl(items: &[f64]) -> Value {
    Value::List(items.iter().map(|x| n(*x)).collect())
}

pub fn o(entries: &[(&str, Value)]) -> Value {
    Value::object(entries.iter().map(|(k, v)| (k.to_string(), v.clone())))
}
