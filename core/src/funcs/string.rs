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
pub(crate) fn graphemes(s: &str) -> Vec<&str> {
    fn extends(c: char) -> bool {
        matches!(c as u32,
            0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF
            | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF | 0x200D
            | 0xE0020..=0xE007F | 0xE0100..=0xE01EF)
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        let joins = match prev {
            None => false,
            Some('\u{200D}') => true,
            Some('\r') => c == '\n',
            Some(_) => extends(c),
        };
        if !joins && i > start {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(c);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn str1(args: &[Value], f: impl Fn(&str) -> String) -> FResult<Value> {
    Ok(Value::String(f(&arg_str(args, 0, "str")?)))
}

fn chomp(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, |s| s.trim_end_matches(['\r', '\n']).to_string())
}

fn lower(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, str::to_lowercase)
}

fn upper(args: &[Value], _: &FuncContext) -> FResult<Value> {
    str1(args, str::to_uppercase)
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
                out.extend(c.to_uppercase());
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
