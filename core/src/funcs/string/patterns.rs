//! The regular-expression functions (`regex`, `regexall`, and `replace` given a `/pattern/`),
//! which share how a pattern is compiled and how Terraform shapes a match's captures.

use regex::Regex;

use crate::funcs::{arg_str, echo, FResult, FuncContext, FuncError};
use crate::value::{Map, Value};

fn compile(pattern: &str, i: usize) -> FResult<Regex> {
    Regex::new(pattern).map_err(|e| FuncError::at(i, format!("invalid regular expression pattern: {}", echo(e))))
}

/// The value of one match, shaped the way Terraform shapes it: the whole match
/// without groups, a list for unnamed groups, an object for named ones.
fn match_value(re: &Regex, caps: &regex::Captures) -> FResult<Value> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        return Ok(caps.get(0).map(|m| Value::string(m.as_str())).unwrap_or(Value::Null));
    }
    let group = |i: usize| caps.get(i).map(|m| Value::string(m.as_str())).unwrap_or(Value::Null);
    let named = names.iter().filter(|n| n.is_some()).count();
    if named == 0 {
        return Ok(Value::List((1..=names.len()).map(group).collect()));
    }
    if named != names.len() {
        return Err(FuncError::at(
            0,
            "invalid regular expression pattern: cannot mix both named and unnamed capture groups",
        ));
    }
    let mut map = Map::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(name) = name {
            map.insert((*name).to_string(), group(i + 1));
        }
    }
    Ok(Value::Object(map))
}

pub(super) fn regex(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let re = compile(&arg_str(args, 0, "pattern")?, 0)?;
    let text = arg_str(args, 1, "string")?;
    match re.captures(&text) {
        Some(caps) => match_value(&re, &caps),
        None => Err(FuncError::new("pattern did not match any part of the given string")),
    }
}

pub(super) fn regexall(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let re = compile(&arg_str(args, 0, "pattern")?, 0)?;
    let text = arg_str(args, 1, "string")?;
    let all: FResult<Vec<Value>> = re.captures_iter(&text).map(|c| match_value(&re, &c)).collect();
    Ok(Value::List(all?))
}

pub(super) fn replace(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let text = arg_str(args, 0, "str")?;
    let substr = arg_str(args, 1, "substr")?;
    let replacement = arg_str(args, 2, "replace")?;
    // A substring wrapped in slashes is a regular expression, as in Terraform.
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let re = compile(&substr[1..substr.len() - 1], 1)?;
        return Ok(Value::String(re.replace_all(&text, replacement.as_str()).into_owned()));
    }
    Ok(Value::String(text.replace(&substr, &replacement)))
}
