//! The regular-expression functions (`regex`, `regexall`, and `replace` given a `/pattern/`),
//! which share how a pattern is compiled and how Terraform shapes a match's captures.

use regex::Regex;

use crate::funcs::{arg_str, echo, FResult, FuncContext, FuncError};
use crate::value::{Map, Value};

fn compile(pattern: &str, i: usize) -> FResult<Regex> {
    Regex::new(&ascii_classes(pattern))
        .map_err(|e| FuncError::at(i, format!("invalid regular expression pattern: {}", echo(e))))
}

/// The pattern with RE2's meaning of the Perl classes: `\d`, `\w`, `\s` and `\b` are ASCII
/// in RE2 (and so in Terraform), where Rust's regex makes them Unicode-aware.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let (bare, class) = match next {
                    'd' => ("0-9", true),
                    'w' => ("0-9A-Za-z_", true),
                    's' => ("\\t\\n\\f\\r ", true),
                    'D' => ("0-9", false),
                    'W' => ("0-9A-Za-z_", false),
                    'S' => ("\\t\\n\\f\\r ", false),
                    _ => ("", false),
                };
                match (bare.is_empty(), in_class, class) {
                    (false, true, true) => out.push_str(bare),
                    (false, false, true) => out.push_str(&format!("[{bare}]")),
                    (false, false, false) => out.push_str(&format!("[^{bare}]")),
                    _ if next == 'b' || next == 'B' => {
                        if in_class {
                            out.push('\\');
                            out.push(next);
                        } else {
                            out.push_str(&format!("(?-u:\\{next})"));
                        }
                    }
                    _ => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` (after an optional `^`) right at the start is a literal member.
                let rest = chars.as_str();
                let lead = if rest.starts_with('^') { 1 } else { 0 };
                if rest[lead..].starts_with(']') {
                    out.push_str(&rest[..lead + 1]);
                    for _ in 0..lead + 1 {
                        chars.next();
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::ascii_classes;

    #[test]
    fn perl_classes_become_ascii_as_in_re2() {
        assert_eq!(ascii_classes(r"\d+"), "[0-9]+");
        assert_eq!(ascii_classes(r"[\w-]"), "[0-9A-Za-z_-]");
        assert_eq!(ascii_classes(r"\S"), r"[^\t\n\f\r ]");
        assert_eq!(ascii_classes(r"\bx\.y"), r"(?-u:\b)x\.y");
        assert_eq!(ascii_classes(r"[]\d]"), "[]0-9]");
        let re = regex::Regex::new(&ascii_classes(r"\b\w+\b")).unwrap();
        let words: Vec<&str> = re.find_iter("héllo wörld").map(|m| m.as_str()).collect();
        assert_eq!(words, ["h", "llo", "w", "rld"], "what Terraform's regexall gives");
    }
}
