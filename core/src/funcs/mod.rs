//! Terraform's standard function library: the registry, argument checks and dispatch.
//!
//! Each category lives in its own file and exports a table of [`Spec`]s. `call`
//! does everything that is common to all functions (arity, unknown and
//! sensitive propagation) so that the implementations only see plain, known
//! values. `can` and `try` are not here: they need lazy evaluation and belong
//! to the evaluator.

use std::cmp::Ordering;

use crate::redact::{Secrets, SENSITIVE_VALUE};
use crate::value::{format_number, Map, Number, Value};

mod collection;
mod encoding;
mod filesystem;
mod hash;
mod ids;
mod instances;
mod network;
mod numeric;
mod string;
mod textcodec;
mod time;
mod types;
mod yaml11;

pub use encoding::yaml_decode_all;

/// What a function may need from the evaluator besides its arguments.
pub struct FuncContext<'a> {
    /// Directory of the module whose expression calls the function; relative paths in file functions resolve against it.
    pub base_dir: &'a std::path::Path,
    /// Renders the text of the template file at the given path with the given variables (used by
    /// templatefile); provided by the evaluator, which renders with the variables' marks, so that
    /// its error message is safe to show.
    pub render_template: &'a dyn Fn(&std::path::Path, &str, &Map) -> Result<Value, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncError {
    pub message: String,
    /// index of the offending argument, when one is to blame
    pub arg: Option<usize>,
}

impl FuncError {
    pub(crate) fn new(message: impl Into<String>) -> FuncError {
        FuncError { message: message.into(), arg: None }
    }

    pub(crate) fn at(arg: usize, message: impl Into<String>) -> FuncError {
        FuncError { message: message.into(), arg: Some(arg) }
    }
}

impl std::fmt::Display for FuncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FuncError {}

pub(crate) type FResult<T> = Result<T, FuncError>;

/// One function: its name, how many arguments it takes and its implementation.
pub(crate) struct Spec {
    pub name: &'static str,
    pub min: usize,
    /// `None` for variadic functions.
    pub max: Option<usize>,
    pub imp: fn(&[Value], &FuncContext) -> FResult<Value>,
}

/// Shorthand used by the category tables.
pub(crate) const fn spec(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    imp: fn(&[Value], &FuncContext) -> FResult<Value>,
) -> Spec {
    Spec { name, min, max, imp }
}

/// Collections larger than this are refused rather than built, so that a
/// typo such as `range(1e9)` cannot exhaust memory.
pub(crate) const MAX_ELEMENTS: usize = 1_000_000;

fn registry() -> impl Iterator<Item = &'static Spec> {
    numeric::FUNCS
        .iter()
        .chain(string::FUNCS)
        .chain(collection::FUNCS)
        .chain(encoding::FUNCS)
        .chain(filesystem::FUNCS)
        .chain(hash::FUNCS)
        .chain(instances::FUNCS)
        .chain(network::FUNCS)
        .chain(types::FUNCS)
        .chain(time::FUNCS)
        .chain(textcodec::FUNCS)
        .chain(ids::FUNCS)
}

fn lookup(name: &str) -> Option<&'static Spec> {
    registry().find(|s| s.name == name)
}

pub fn exists(name: &str) -> bool {
    lookup(name).is_some()
}

pub fn names() -> impl Iterator<Item = &'static str> {
    registry().map(|s| s.name)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "argument"
    } else {
        "arguments"
    }
}

/// Functions that look at marks and unknowns themselves instead of having
/// `call` propagate them.
const MARK_AWARE: &[&str] = &["sensitive", "nonsensitive", "type", "issensitive"];

pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    let Some(spec) = lookup(name) else {
        return Err(FuncError::new(format!("There is no function named \"{name}\".")));
    };
    if args.len() < spec.min {
        let qualifier = if spec.max == Some(spec.min) { "" } else { "at least " };
        return Err(FuncError::new(format!(
            "Not enough function arguments: function \"{name}\" requires {qualifier}{} {}",
            spec.min,
            plural(spec.min)
        )));
    }
    if let Some(max) = spec.max {
        if args.len() > max {
            let qualifier = if max == spec.min { "" } else { "at most " };
            return Err(FuncError {
                message: format!(
                    "Too many function arguments: function \"{name}\" requires {qualifier}{max} {}",
                    plural(max)
                ),
                arg: Some(max),
            });
        }
    }
    if MARK_AWARE.contains(&name) {
        return (spec.imp)(&args, ctx);
    }
    if args.iter().any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    let marks: Vec<bool> = args.iter().map(Value::contains_sensitive).collect();
    let sensitive = marks.contains(&true);
    let secrets = if sensitive { Secrets::of(&args) } else { Secrets::default() };
    let args: Vec<Value> = args.into_iter().map(Value::deep_unmarked).collect();
    // The implementation saw no marks, so its message is made safe here: echoed
    // argument text is withheld, and whatever else still holds a secret is scrubbed.
    let result = (spec.imp)(&args, ctx)
        .map_err(|e| FuncError { message: secrets.scrub(&resolve_echoes(&e.message, &marks)), arg: e.arg })?;
    Ok(if sensitive { result.mark_sensitive() } else { result })
}

/// Brackets text that an error message takes from an argument's value (private-use
/// code points, which no message otherwise contains). The opening bracket is followed
/// by a tag: the argument's index as a digit, or `*` for text that may come from any.
const ECHO_OPEN: char = '\u{E000}';
const ECHO_CLOSE: char = '\u{E001}';

/// Text an error message takes from the arguments' values: a string that does not
/// parse, a library's error that quotes its input. Implementations see arguments
/// without their marks and so cannot tell whether one was sensitive; `call` shows the
/// text as written when none was, and `(sensitive value)` when any was.
pub(crate) fn echo(text: impl std::fmt::Display) -> String {
    bracket('*', text)
}

/// Like [`echo`], for text that comes from argument `i` alone (a path): hidden only
/// when that argument was sensitive.
pub(crate) fn echo_arg(i: usize, text: impl std::fmt::Display) -> String {
    bracket(char::from_digit(i as u32, 10).unwrap_or('*'), text)
}

fn bracket(tag: char, text: impl std::fmt::Display) -> String {
    let text = text.to_string().replace([ECHO_OPEN, ECHO_CLOSE], "\u{FFFD}");
    format!("{ECHO_OPEN}{tag}{text}{ECHO_CLOSE}")
}

/// The message with each echo shown or hidden by the sensitivity of the arguments it came from.
fn resolve_echoes(message: &str, sensitive: &[bool]) -> String {
    let any = sensitive.contains(&true);
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(ECHO_OPEN) {
        out.push_str(&rest[..open]);
        let after = &rest[open + ECHO_OPEN.len_utf8()..];
        let (echoed, next) = match after.find(ECHO_CLOSE) {
            Some(close) => (&after[..close], &after[close + ECHO_CLOSE.len_utf8()..]),
            None => (after, ""),
        };
        let mut chars = echoed.chars();
        let hidden = match chars.next().and_then(|t| t.to_digit(10)) {
            Some(i) => sensitive.get(i as usize).copied().unwrap_or(any),
            None => any,
        };
        out.push_str(if hidden { SENSITIVE_VALUE } else { chars.as_str() });
        rest = next;
    }
    out.push_str(rest);
    out
}

// ---- argument helpers shared by the categories ----
//
// Terraform converts arguments to the parameter's type before calling a
// function (a number passed where a string is wanted becomes a string), so the
// helpers do the same safe conversions instead of insisting on exact types.

fn invalid(i: usize, param: &str, what: &str) -> FuncError {
    FuncError::at(i, format!("invalid value for \"{param}\": {what}"))
}

fn arg<'v>(args: &'v [Value], i: usize, param: &str) -> FResult<&'v Value> {
    match args.get(i) {
        Some(Value::Null) => Err(invalid(i, param, "argument must not be null")),
        Some(v) => Ok(v),
        None => Err(invalid(i, param, "argument is missing")),
    }
}

/// A primitive as a string, the way Terraform converts it; `None` for anything else.
pub(crate) fn to_str(v: &Value) -> Option<String> {
    match v.unmarked() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parses a decimal number the way Terraform's string-to-number conversion does: at 512
/// bits, with `Inf` but no `nan`, hex or surrounding spaces.
pub(crate) fn parse_number(s: &str) -> Option<Number> {
    s.parse().ok()
}

pub(crate) fn to_number(v: &Value) -> Option<Number> {
    match v.unmarked() {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

pub(crate) fn to_bool(v: &Value) -> Option<bool> {
    match v.unmarked() {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

pub(crate) fn arg_str(args: &[Value], i: usize, param: &str) -> FResult<String> {
    to_str(arg(args, i, param)?).ok_or_else(|| invalid(i, param, "string required"))
}

pub(crate) fn arg_num(args: &[Value], i: usize, param: &str) -> FResult<f64> {
    arg_number(args, i, param).map(|n| n.to_f64())
}

pub(crate) fn arg_number(args: &[Value], i: usize, param: &str) -> FResult<Number> {
    to_number(arg(args, i, param)?).ok_or_else(|| invalid(i, param, "number required"))
}

/// What Terraform says of a number that must fit a Go `int`.
pub(crate) const NOT_AN_INT: &str =
    "value must be a whole number, between -9223372036854775808 and 9223372036854775807";

/// A whole number that fits in an i64.
pub(crate) fn arg_int(args: &[Value], i: usize, param: &str) -> FResult<i64> {
    arg_number(args, i, param)?.to_i64().ok_or_else(|| invalid(i, param, NOT_AN_INT))
}

/// A whole number as a value; the one place the new functions build numbers from integers.
pub(crate) fn int_value(n: i64) -> Value {
    Value::number(n)
}

pub(crate) fn arg_list<'v>(args: &'v [Value], i: usize, param: &str) -> FResult<&'v Vec<Value>> {
    arg(args, i, param)?.as_list().ok_or_else(|| invalid(i, param, "list, set or tuple required"))
}

pub(crate) fn arg_map<'v>(args: &'v [Value], i: usize, param: &str) -> FResult<&'v Map> {
    arg(args, i, param)?.as_object().ok_or_else(|| invalid(i, param, "map or object required"))
}

/// A list of strings, converting primitive elements; null elements are refused.
pub(crate) fn arg_str_list(args: &[Value], i: usize, param: &str) -> FResult<Vec<String>> {
    arg_list(args, i, param)?
        .iter()
        .enumerate()
        .map(|(j, v)| match v {
            Value::Null => Err(invalid(i, param, &format!("element {j} is null"))),
            v => to_str(v).ok_or_else(|| invalid(i, param, &format!("element {j}: string required"))),
        })
        .collect()
}

/// Total order used to keep sets sorted: by kind, then by value (strings lexicographically).
pub(crate) fn cmp_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            // cty puts null at the end of a set.
            Value::Null => 8,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::List(_) => 4,
            Value::Object(_) => 5,
            Value::Unknown => 6,
            Value::Sensitive(_) => 7,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.cmp_value(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = cmp_values(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            for ((kp, p), (kq, q)) in x.iter().zip(y) {
                let o = kp.cmp(kq).then_with(|| cmp_values(p, q));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Sensitive(x), Value::Sensitive(y)) => cmp_values(x, y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Makes a set: sorted and without duplicates.
pub(crate) fn make_set(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(cmp_values);
    items.dedup_by(|a, b| cmp_values(a, b) == Ordering::Equal);
    items
}

/// Brings the elements of a collection to one type where Terraform would:
/// mixed strings, numbers and bools all become strings. Mixing primitives with
/// collections, or numbers with bools, has no common type and is an error.
pub(crate) fn unify(items: Vec<Value>) -> Result<Vec<Value>, String> {
    let kinds: Vec<&'static str> = items
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| match v.unmarked() {
            Value::List(_) | Value::Object(_) => "collection",
            other => other.type_name(),
        })
        .collect();
    let first = match kinds.first() {
        Some(k) => *k,
        None => return Ok(items),
    };
    if kinds.iter().all(|k| *k == first) {
        return Ok(items);
    }
    if kinds.contains(&"collection") || !kinds.contains(&"string") {
        return Err("all elements must have the same type".to_string());
    }
    Ok(items
        .into_iter()
        .map(|v| match to_str(&v) {
            Some(s) if !v.is_null() => Value::String(s),
            _ => v,
        })
        .collect())
}

/// Equality across the sets of `setintersection` and `setsubtract`, whose arguments Terraform
/// brings to one element type together, so that `"1"` meets `1`.
pub(crate) fn loosely_equal(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::String(_), Value::Number(_) | Value::Bool(_))
        | (Value::Number(_) | Value::Bool(_), Value::String(_)) => to_str(a) == to_str(b),
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests;
