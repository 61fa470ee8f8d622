//! String functions: the table that registers them all, and the plain text operations.
//! Regular expressions and printf-style formatting have enough machinery of their own to
//! live in child modules.

mod patterns;
mod printf;
#[cfg(test)]
mod tests;

use patterns::{regex, regexall, replace};
use printf::{format, formatlist};

use super::{arg_int, arg_list, arg_str, spec, to_str, FResult, FuncContext, FuncError, Spec};
use crate::value::Value;

pub(super) const FUNCS: &[Spec] = &[
    spec("chomp", 1, Some(1), chomp),
    spec("format", 1, None, format),
    spec("formatlist", 1, None, formatlist),
    spec("indent", 2, Some(2), indent),
    spec("join", 2, None, join),
    spec("lower", 1, Some(1), lower),
    spec("upper", 1, Some(1), upper),
    spec("regex", 2, Some(2), regex),
    spec("regexall", 2, Some(2), regexall),
    spec("replace", 3, Some(3), replace),
    spec("split", 2, Some(2), split),
    spec("startswith", 2, Some(2), startswith),
    spec("strcontains", 2, Some(2), strcontains),
    spec("endswith", 2, Some(2), endswith),
    spec("strrev", 1, Some(1), strrev),
    spec("substr", 3, Some(3), substr),
    spec("title", 1, Some(1), title),
    spec("trim", 2, Some(2), trim),
    spec("trimprefix", 2, Some(2), trimprefix),
    spec("trimsuffix", 2, Some(2), trimsuffix),
    spec("trimspace", 1, Some(1), trimspace),
];

/// Widths and precisions above this are refused: they can only be mistakes
/// and would otherwise let one call allocate without bound.
const MAX_WIDTH: usize = 10_000;

/// Splits a string into user-perceived characters. Terraform counts grapheme
/// clusters; without a Unicode segmentation table this approximates them by
/// attaching combining marks, variation selectors, emoji modifiers and
/// zero-width-joiner sequences to the preceding character, and `\r\n` pairs.
/// Extended grapheme clusters, which Terraform counts as characters (a flag, a syllable
/// with its vowel signs, a letter with its combining accents are one each).
pub(crate) fn graphemes(s: &str) -> Vec<&str> {
    unicode_segmentation::UnicodeSegmentation::graphemes(s, true).collect()
}

/// Go maps case one character at a time (`unicode.ToUpper`): a character whose case
/// mapping is longer than one character, like `ß`, stays as it is.
fn map_case(s: &str, one: impl Fn(char) -> Option<char>) -> String {
    s.chars().map(|c| one(c).unwrap_or(c)).collect()
}

fn single(mut mapped: impl Iterator<Item = char>) -> Option<char> {
    let first = mapped.next()?;
    mapped.next().is_none().then_some(first)
}

pub(crate) fn go_upper(c: char) -> Option<char> {
    single(c.to_uppercase())
}

fn go_lower(c: char) -> Option<char> {
    // Dotted capital I lowers to a plain i in Go's simple mapping; Rust's full one adds a dot.
    if c == '\u{130}' {
        return Some('i');
    }
    single(c.to_lowercase())
}

fn str1(args: &[Value], f: impl Fn(&str) -> String) -> FResult<Value> {
    Ok(Value::String(f(&arg_str(args, 0, "str")?)))
}

fn chomp(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, |s| s.trim_end_matches(['\r', '\n']).to_string())
}

fn lower(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, |s| map_case(s, go_lower))
}

fn upper(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, |s| map_case(s, go_upper))
}

fn strrev(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, |s| graphemes(s).into_iter().rev().collect())
}

fn trimspace(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, |s| s.trim().to_string())
}

/// Go's strings.Title: a letter is capitalised when it follows a separator.
fn title(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, |s| {
        let mut out = String::with_capacity(s.len());
        let mut after_separator = true;
        for c in s.chars() {
            if after_separator {
                out.push(go_upper(c).unwrap_or(c));
            } else {
                out.push(c);
            }
            // Go's strings.Title: ASCII punctuation and Unicode spaces separate words,
            // other Unicode symbols do not.
            after_separator = if c.is_ascii() { !(c.is_ascii_alphanumeric() || c == '_') } else { c.is_whitespace() };
        }
        out
    })
}

fn indent(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let spaces = arg_int(args, 0, "spaces")?;
    let text = arg_str(args, 1, "str")?;
    if !(0..=MAX_WIDTH as i64).contains(&spaces) {
        return Err(FuncError::at(0, format!("invalid value for \"spaces\": must be between 0 and {MAX_WIDTH}")));
    }
    let pad = " ".repeat(spaces as usize);
    Ok(Value::String(text.replace('\n', &format!("\n{pad}"))))
}

fn join(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let sep = arg_str(args, 0, "separator")?;
    let mut parts = Vec::new();
    for i in 1..args.len() {
        for (j, item) in arg_list(args, i, "lists")?.iter().enumerate() {
            if item.is_null() {
                return Err(FuncError::at(i, format!("element {j} is null; cannot concatenate null values")));
            }
            parts.push(to_str(item).ok_or_else(|| FuncError::at(i, format!("element {j}: string required")))?);
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

fn split(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let sep = arg_str(args, 0, "separator")?;
    let text = arg_str(args, 1, "str")?;
    // Go's strings.Split with an empty separator splits into characters.
    let parts: Vec<Value> = if sep.is_empty() {
        text.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        text.split(sep.as_str()).map(Value::string).collect()
    };
    Ok(Value::List(parts))
}

fn startswith(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Bool(arg_str(args, 0, "str")?.starts_with(&arg_str(args, 1, "prefix")?)))
}

fn strcontains(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Bool(arg_str(args, 0, "str")?.contains(&arg_str(args, 1, "substr")?)))
}

fn endswith(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Bool(arg_str(args, 0, "str")?.ends_with(&arg_str(args, 1, "suffix")?)))
}

fn trim(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let text = arg_str(args, 0, "str")?;
    let cutset: Vec<char> = arg_str(args, 1, "cutset")?.chars().collect();
    Ok(Value::String(text.trim_matches(|c| cutset.contains(&c)).to_string()))
}

fn trimprefix(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let text = arg_str(args, 0, "str")?;
    let prefix = arg_str(args, 1, "prefix")?;
    Ok(Value::String(text.strip_prefix(prefix.as_str()).unwrap_or(&text).to_string()))
}

fn trimsuffix(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let text = arg_str(args, 0, "str")?;
    let suffix = arg_str(args, 1, "suffix")?;
    Ok(Value::String(text.strip_suffix(suffix.as_str()).unwrap_or(&text).to_string()))
}

fn substr(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let text = arg_str(args, 0, "str")?;
    let offset = arg_int(args, 1, "offset")?;
    let length = arg_int(args, 2, "length")?;
    let chars = graphemes(&text);
    let total = chars.len() as i64;
    // A negative offset counts from the end; a negative length means "to the end".
    let start = if offset < 0 { (total + offset).max(0) } else { offset.min(total) };
    let end = if length < 0 { total } else { start.saturating_add(length).min(total) };
    let picked = chars.get(start as usize..end.max(start) as usize).unwrap_or(&[]);
    Ok(Value::String(picked.concat()))
}
