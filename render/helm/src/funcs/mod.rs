//! Template functions: Go's builtins, the Sprig library charts use, and Helm's own
//! (`include`, `tpl`, `required`, `toYaml`, `lookup`...).
//!
//! Arguments arrive evaluated; each function converts them as its Go signature
//! would (Sprig's `interface{}` parameters through spf13/cast's rules, `string`
//! parameters strictly, as Go's reflection-based call does).

mod builtin;
mod convert;
mod dates;
mod dicts;
mod encoding;
mod lists;
mod math;
pub(crate) mod misc;
mod regex_fns;
mod semver_fns;
mod strings;
pub mod yaml_out;

use std::collections::HashMap;

use crate::template::exec::Exec;
use crate::value::Value;

pub use convert::{to_f64, to_i64, to_string};
pub use semver_fns::semver_compare;

pub type FnResult = Result<Value, String>;
pub type Func = fn(&mut Exec, &[Value]) -> FnResult;
pub type FuncMap = HashMap<&'static str, Func>;

/// What the renderer asks of its caller while executing templates.
pub trait Host {
    /// Helm's `lookup apiVersion kind namespace name`: the live object, or a list
    /// object when `name` is empty. At plan time there is no cluster, so the default
    /// answers with an empty dict, as `helm template` does.
    fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> FnResult {
        let _ = (api_version, kind, namespace, name);
        Ok(Value::empty_map())
    }
}

/// A host without a cluster: `lookup` returns an empty dict.
pub struct NoCluster;
impl Host for NoCluster {}

/// Every function the engine knows.
pub fn func_map() -> FuncMap {
    let mut m: FuncMap = HashMap::new();
    builtin::register(&mut m);
    strings::register(&mut m);
    lists::register(&mut m);
    dicts::register(&mut m);
    math::register(&mut m);
    encoding::register(&mut m);
    regex_fns::register(&mut m);
    semver_fns::register(&mut m);
    dates::register(&mut m);
    misc::register(&mut m);
    m
}

/// Go's "wrong number of args" check.
pub(crate) fn want(args: &[Value], n: usize, name: &str) -> Result<(), String> {
    if args.len() != n {
        return Err(format!("wrong number of args for {name}: want {n} got {}", args.len()));
    }
    Ok(())
}

pub(crate) fn want_at_least(args: &[Value], n: usize, name: &str) -> Result<(), String> {
    if args.len() < n {
        return Err(format!("wrong number of args for {name}: want at least {n} got {}", args.len()));
    }
    Ok(())
}

const ARG_ERROR: &str = "\u{0}arg";

/// An error in argument `i`'s type, which Go reports at the argument itself,
/// without "error calling".
pub(crate) fn arg_error(i: usize, msg: impl std::fmt::Display) -> String {
    format!("{ARG_ERROR}{i}:{msg}")
}

pub(crate) fn split_arg_error(e: &str) -> Option<(usize, &str)> {
    let rest = e.strip_prefix(ARG_ERROR)?;
    let (i, msg) = rest.split_once(':')?;
    Some((i.parse().ok()?, msg))
}

/// A `string` parameter, as Go's call would type-check it.
pub(crate) fn str_arg(args: &[Value], i: usize) -> Result<String, String> {
    match args.get(i) {
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(Value::Nil) | None => Err(arg_error(i, "invalid value; expected string")),
        Some(v) => Err(arg_error(i, format!("wrong type for value; expected string; got {}", v.type_name()))),
    }
}

/// An `int` parameter. Go would reject a float64 here; accepting integral floats is
/// harmless because such charts fail in Helm and never reach users.
pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, String> {
    match args.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::Float(f)) if f.fract() == 0.0 => Ok(*f as i64),
        Some(Value::Nil) | None => Err(arg_error(i, "invalid value; expected int")),
        Some(v) => Err(arg_error(i, format!("wrong type for value; expected int; got {}", v.type_name()))),
    }
}

/// Largest list the range-building functions (`until`, `seq`...) will produce, so a
/// typo such as `until 1000000000` fails instead of exhausting memory.
pub(crate) const MAX_GENERATED: i64 = 1_000_000;
