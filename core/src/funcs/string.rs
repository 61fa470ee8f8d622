//! String functions, including Terraform's printf-like `format` and `formatlist`.

use regex::Regex;

use super::encoding::json_encode;
use super::{arg_int, arg_list, arg_str, spec, to_bool, to_num, to_str, whole, FResult, FuncContext, FuncError, Spec};
use crate::value::{format_number, Map, Value};

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

fn compile(pattern: &str, i: usize) -> FResult<Regex> {
    Regex::new(pattern).map_err(|e| FuncError::at(i, format!("invalid regular expression pattern: {e}")))
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

fn regex(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let re = compile(&arg_str(args, 0, "pattern")?, 0)?;
    let text = arg_str(args, 1, "string")?;
    match re.captures(&text) {
        Some(caps) => match_value(&re, &caps),
        None => Err(FuncError::new("pattern did not match any part of the given string")),
    }
}

fn regexall(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let re = compile(&arg_str(args, 0, "pattern")?, 0)?;
    let text = arg_str(args, 1, "string")?;
    let all: FResult<Vec<Value>> = re.captures_iter(&text).map(|c| match_value(&re, &c)).collect();
    Ok(Value::List(all?))
}

fn replace(args: &[Value], _: &FuncContext) -> FResult<Value> {
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

// ---- format ----

#[derive(Default)]
struct Directive {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
    verb: char,
}

fn parse_num(chars: &[char], pos: &mut usize) -> FResult<Option<usize>> {
    let start = *pos;
    while chars.get(*pos).is_some_and(char::is_ascii_digit) {
        *pos += 1;
    }
    if *pos == start {
        return Ok(None);
    }
    let digits: String = chars.get(start..*pos).unwrap_or(&[]).iter().collect();
    match digits.parse::<usize>() {
        Ok(n) if n <= MAX_WIDTH => Ok(Some(n)),
        _ => Err(FuncError::at(0, format!("width or precision {digits} is too large (at most {MAX_WIDTH})"))),
    }
}

/// Formats `values` according to `spec`. Error argument indexes are offset by
/// one because the spec itself is argument 0.
fn format_values(spec: &str, values: &[Value]) -> FResult<String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    let mut next_arg = 0usize;
    let mut used = vec![false; values.len()];
    while let Some(&c) = chars.get(pos) {
        pos += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.get(pos) == Some(&'%') {
            out.push('%');
            pos += 1;
            continue;
        }
        let mut d = Directive::default();
        while let Some(&f) = chars.get(pos) {
            match f {
                '-' => d.minus = true,
                '+' => d.plus = true,
                '#' => d.sharp = true,
                '0' => d.zero = true,
                ' ' => d.space = true,
                _ => break,
            }
            pos += 1;
        }
        if chars.get(pos) == Some(&'[') {
            pos += 1;
            let n = parse_num(&chars, &mut pos)?;
            match (n, chars.get(pos)) {
                (Some(n), Some(']')) if n >= 1 => next_arg = n - 1,
                _ => return Err(FuncError::at(0, "invalid argument index in format string")),
            }
            pos += 1;
        }
        d.width = parse_num(&chars, &mut pos)?;
        if chars.get(pos) == Some(&'.') {
            pos += 1;
            d.precision = Some(parse_num(&chars, &mut pos)?.unwrap_or(0));
        }
        d.verb = match chars.get(pos) {
            Some(v) => *v,
            None => return Err(FuncError::at(0, "format string ends in the middle of a verb")),
        };
        pos += 1;
        let Some(value) = values.get(next_arg) else {
            return Err(FuncError::at(
                0,
                format!(
                    "not enough arguments for \"%{}\": need argument {} but have {} total",
                    d.verb,
                    next_arg + 1,
                    values.len()
                ),
            ));
        };
        if let Some(u) = used.get_mut(next_arg) {
            *u = true;
        }
        let text = format_one(&d, value).map_err(|m| {
            FuncError::at(next_arg + 1, format!("unsupported value for \"%{}\" at {}: {m}", d.verb, next_arg + 1))
        })?;
        out.push_str(&text);
        next_arg += 1;
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(FuncError::at(
            unused + 1,
            format!("too many arguments; only {} used by format string", used.iter().filter(|u| **u).count()),
        ));
    }
    Ok(out)
}

fn format_one(d: &Directive, value: &Value) -> Result<String, String> {
    let body = match d.verb {
        'v' if d.sharp => json_encode(value)?,
        'v' => match value {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => format_g(*n, None, false),
            Value::Null => "null".to_string(),
            other => json_encode(other)?,
        },
        's' => {
            let s = to_str(value).ok_or("string required")?;
            match d.precision {
                Some(p) => graphemes(&s).into_iter().take(p).collect(),
                None => s,
            }
        }
        'q' => json_encode(&Value::String(to_str(value).ok_or("string required")?))?,
        't' => to_bool(value).ok_or("bool required")?.to_string(),
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let n = to_num(value).ok_or("number required")?;
            return Ok(pad_number(d, format_integer(d, n)?));
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let n = to_num(value).ok_or("number required")?;
            let upper = d.verb.is_ascii_uppercase();
            let text = match d.verb.to_ascii_lowercase() {
                'e' => format_e(n, d.precision.unwrap_or(6), upper),
                'f' => format!("{:.*}", d.precision.unwrap_or(6), n),
                _ => format_g(n, d.precision, upper),
            };
            return Ok(pad_number(d, text));
        }
        other => return Err(format!("unsupported format verb %{other}")),
    };
    Ok(pad_text(d, body))
}

/// Pads to the width in user-perceived characters; like Terraform, the `0`
/// flag pads text with zeros too.
fn pad_text(d: &Directive, s: String) -> String {
    pad_with(d, s, if d.zero { '0' } else { ' ' })
}

fn pad_with(d: &Directive, s: String, fill: char) -> String {
    let len = graphemes(&s).len();
    match d.width {
        Some(w) if w > len => {
            let fill = fill.to_string().repeat(w - len);
            if d.minus {
                s + &fill
            } else {
                fill + &s
            }
        }
        _ => s,
    }
}

/// Adds the sign flags, then pads; zero padding goes between sign and digits.
fn pad_number(d: &Directive, mut s: String) -> String {
    if !s.starts_with('-') {
        if d.plus {
            s.insert(0, '+');
        } else if d.space {
            s.insert(0, ' ');
        }
    }
    let len = s.chars().count();
    match d.width {
        Some(w) if w > len && d.zero && !d.minus => {
            let sign_len = usize::from(s.starts_with(['+', '-', ' ']));
            let (sign, digits) = s.split_at(sign_len);
            format!("{sign}{}{digits}", "0".repeat(w - len))
        }
        _ => pad_with(d, s, ' '),
    }
}

fn format_integer(d: &Directive, n: f64) -> Result<String, String> {
    if !n.is_finite() || n.fract() != 0.0 {
        return Err("integer required".to_string());
    }
    if d.verb == 'd' {
        // Adding zero turns -0 into 0, which Go prints without a sign.
        return Ok(format!("{:.0}", n + 0.0));
    }
    let i = whole(n).ok_or("integer too large for this verb")?;
    let (neg, m) = (i < 0, i.unsigned_abs());
    let digits = match d.verb {
        'b' => format!("{m:b}"),
        'o' if d.sharp => format!("0{m:o}"),
        'o' => format!("{m:o}"),
        'x' if d.sharp => format!("0x{m:x}"),
        'x' => format!("{m:x}"),
        'X' if d.sharp => format!("0X{m:X}"),
        _ => format!("{m:X}"),
    };
    Ok(if neg { format!("-{digits}") } else { digits })
}

/// Go's `%e`: at least two exponent digits and an explicit exponent sign.
fn format_e(n: f64, precision: usize, upper: bool) -> String {
    let raw = format!("{n:.precision$e}");
    go_exponent(&raw, upper)
}

fn go_exponent(raw: &str, upper: bool) -> String {
    let Some((mantissa, exp)) = raw.split_once('e') else {
        return raw.to_string();
    };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{sign}{digits:0>2}")
}

/// Go's `%g`: shortest representation (or `precision` significant digits),
/// switching to exponent form for very large or small magnitudes.
fn format_g(n: f64, precision: Option<usize>, upper: bool) -> String {
    if !n.is_finite() {
        return format_number(n);
    }
    let sci = match precision {
        Some(p) => format!("{:.*e}", p.max(1) - 1, n),
        None => format!("{n:e}"),
    };
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i64 = exp.parse().unwrap_or(0);
    // Trailing zeros are never significant in %g output.
    let mantissa = if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
    let digits = mantissa.chars().filter(char::is_ascii_digit).count() as i64;
    // Go switches to exponent form at 6 digits for shortest output, else at the precision.
    let eprec = match precision {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i64;
            if p > digits && digits > exp {
                digits
            } else {
                p
            }
        }
    };
    if exp < -4 || exp >= eprec {
        go_exponent(&format!("{mantissa}e{exp}"), upper)
    } else {
        let decimals = (digits - 1 - exp).max(0) as usize;
        format!("{n:.decimals$}")
    }
}

fn format(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let spec = arg_str(args, 0, "format")?;
    Ok(Value::String(format_values(&spec, args.get(1..).unwrap_or(&[]))?))
}

fn formatlist(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let spec = arg_str(args, 0, "format")?;
    let rest = args.get(1..).unwrap_or(&[]);
    // Lists are iterated in step; everything else repeats on every iteration.
    let mut count: Option<usize> = None;
    for (i, v) in rest.iter().enumerate() {
        if let Value::List(items) = v {
            match count {
                Some(c) if c != items.len() => {
                    return Err(FuncError::at(
                        i + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {c}",
                            i + 1,
                            items.len(),
                            first_list(rest) + 1
                        ),
                    ));
                }
                _ => count = Some(items.len()),
            }
        }
    }
    let mut out = Vec::new();
    for n in 0..count.unwrap_or(1) {
        let row: Vec<Value> = rest
            .iter()
            .map(|v| match v {
                Value::List(items) => items.get(n).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        out.push(Value::String(format_values(&spec, &row).map_err(|e| FuncError {
            message: format!("error on format iteration {n}: {}", e.message),
            arg: e.arg,
        })?));
    }
    Ok(Value::List(out))
}

fn first_list(values: &[Value]) -> usize {
    values.iter().position(|v| matches!(v, Value::List(_))).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::graphemes;

    fn f(spec: &str, args: Vec<crate::value::Value>) -> String {
        let mut all = vec![s(spec)];
        all.extend(args);
        match call_ok("format", all) {
            crate::value::Value::String(x) => x,
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn chomp_examples() {
        assert_eq!(call_ok("chomp", vec![s("hello\n")]), s("hello"));
        assert_eq!(call_ok("chomp", vec![s("hello\r\n")]), s("hello"));
        assert_eq!(call_ok("chomp", vec![s("hello\n\n")]), s("hello"));
        assert_eq!(call_ok("chomp", vec![s("hello")]), s("hello"));
    }

    #[test]
    fn format_examples() {
        assert_eq!(f("Hello, %s!", vec![s("Ander")]), "Hello, Ander!");
        assert_eq!(f("There are %d lights", vec![n(4.0)]), "There are 4 lights");
        assert_eq!(f("%#v", vec![s("hello")]), "\"hello\"");
        assert_eq!(f("%#v", vec![b(true)]), "true");
        assert_eq!(f("%#v", vec![n(1.0)]), "1");
        assert_eq!(f("%#v", vec![o(&[("a", n(1.0))])]), "{\"a\":1}");
        assert_eq!(f("%#v", vec![l(vec![b(true)])]), "[true]");
        assert_eq!(f("%#v", vec![crate::value::Value::Null]), "null");
        assert_eq!(f("%.2f", vec![n(1.23456)]), "1.23");
        assert_eq!(f("%f", vec![n(1.5)]), "1.500000");
        assert_eq!(f("%5d|%-5d|%05d", vec![n(42.0), n(42.0), n(-42.0)]), "   42|42   |-0042");
        assert_eq!(f("%+d %x %X %o %b", vec![n(5.0), n(255.0), n(255.0), n(8.0), n(5.0)]), "+5 ff FF 10 101");
        assert_eq!(f("%q", vec![s("a\"b")]), "\"a\\\"b\"");
        assert_eq!(f("%t %v %v", vec![b(false), s("x"), n(2.5)]), "false x 2.5");
        assert_eq!(f("100%%", vec![]), "100%");
        assert_eq!(f("%[2]s %[1]s %s", vec![s("a"), s("b")]), "b a b");
        assert_eq!(f("%e", vec![n(1234.5678)]), "1.234568e+03");
        assert_eq!(f("%g", vec![n(0.00001)]), "1e-05");
        assert_eq!(f("%8.3s|", vec![s("abcdef")]), "     abc|");
        assert_eq!(f("%s", vec![n(7.0)]), "7");
        assert_eq!(f("%x|%05s|%-4d|", vec![s("255"), s("ab"), n(-0.0)]), "ff|000ab|0   |");
        assert_eq!(f("%v %v", vec![n(1e6), n(123456.0)]), "1e+06 123456");
        assert_eq!(f("%.1s|%3s|", vec![s("🤔🤷"), s("é")]), "🤔|  é|");
    }

    #[test]
    fn format_errors() {
        assert!(call_err("format", vec![s("%d"), s("x")]).message.contains("number required"));
        assert!(call_err("format", vec![s("%d"), n(1.5)]).message.contains("integer required"));
        assert!(call_err("format", vec![s("%s %s"), s("x")]).message.contains("not enough arguments"));
        assert_eq!(call_err("format", vec![s("%s"), s("x"), s("y")]).arg, Some(2));
        assert!(call_err("format", vec![s("%z"), s("x")]).message.contains("unsupported format verb"));
        assert!(call_err("format", vec![s("%999999999d"), n(1.0)]).message.contains("too large"));
        assert!(call_err("format", vec![s("abc %")]).message.contains("ends in the middle"));
    }

    #[test]
    fn formatlist_examples() {
        assert_eq!(
            call_ok("formatlist", vec![s("Hello, %s!"), sl(&["Valentina", "Ander", "Olivia", "Sam"])]),
            sl(&["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"])
        );
        assert_eq!(
            call_ok("formatlist", vec![s("%s, %s!"), s("Salutations"), sl(&["Valentina", "Ander"])]),
            sl(&["Salutations, Valentina!", "Salutations, Ander!"])
        );
        assert_eq!(call_ok("formatlist", vec![s("%s"), s("x")]), sl(&["x"]));
        assert!(call_err("formatlist", vec![s("%s%s"), sl(&["a"]), sl(&["a", "b"])]).message.contains("inconsistent"));
    }

    #[test]
    fn indent_example() {
        assert_eq!(call_ok("indent", vec![n(2.0), s("[\n  foo,\n  bar,\n]")]), s("[\n    foo,\n    bar,\n  ]"));
        assert!(call_err("indent", vec![n(1e9), s("x")]).message.contains("spaces"));
    }

    #[test]
    fn join_examples() {
        assert_eq!(call_ok("join", vec![s("-"), sl(&["foo", "bar", "baz"])]), s("foo-bar-baz"));
        assert_eq!(call_ok("join", vec![s(", "), sl(&["foo", "bar", "baz"])]), s("foo, bar, baz"));
        assert_eq!(call_ok("join", vec![s(", "), sl(&["foo"])]), s("foo"));
        assert_eq!(call_ok("join", vec![s(","), sl(&["a"]), nl(&[1.0, 2.0])]), s("a,1,2"));
        assert_eq!(call_err("join", vec![s(","), l(vec![crate::value::Value::Null])]).arg, Some(1));
    }

    #[test]
    fn lower_upper_title() {
        assert_eq!(call_ok("lower", vec![s("HELLO")]), s("hello"));
        assert_eq!(call_ok("lower", vec![s("АЛЛО!")]), s("алло!"));
        assert_eq!(call_ok("upper", vec![s("hello")]), s("HELLO"));
        assert_eq!(call_ok("upper", vec![s("алло!")]), s("АЛЛО!"));
        assert_eq!(call_ok("title", vec![s("hello world")]), s("Hello World"));
        assert_eq!(call_ok("title", vec![s("foo-bar_baz")]), s("Foo-Bar_baz"));
    }

    #[test]
    fn regex_examples() {
        assert_eq!(call_ok("regex", vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")]), s("aaabbbccc"));
        assert_eq!(call_ok("regex", vec![s(r"(\d\d\d\d)-(\d\d)-(\d\d)"), s("2019-02-01")]), sl(&["2019", "02", "01"]));
        assert_eq!(
            call_ok(
                "regex",
                vec![s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"), s("https://terraform.io/docs/")]
            ),
            o(&[("authority", s("terraform.io")), ("scheme", s("https"))])
        );
        assert_eq!(
            call_err("regex", vec![s("[a-z]+"), s("53453453.34534523454")]).message,
            "pattern did not match any part of the given string"
        );
        assert_eq!(call_err("regex", vec![s("("), s("x")]).arg, Some(0));
        assert!(call_err("regex", vec![s("(?P<a>x)(y)"), s("xy")]).message.contains("mix"));
    }

    #[test]
    fn regexall_examples() {
        assert_eq!(call_ok("regexall", vec![s("[a-z]+"), s("1234abcd5678efgh9")]), sl(&["abcd", "efgh"]));
        assert_eq!(call_ok("regexall", vec![s("[a-z]+"), s("123")]), l(vec![]));
        assert_eq!(call_ok("regexall", vec![s(r"(\d)(\w)"), s("1a2b")]), l(vec![sl(&["1", "a"]), sl(&["2", "b"])]));
    }

    #[test]
    fn replace_examples() {
        assert_eq!(call_ok("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]), s("1 - 2 - 3"));
        assert_eq!(call_ok("replace", vec![s("hello world"), s("/w.*d/"), s("everybody")]), s("hello everybody"));
        assert_eq!(call_ok("replace", vec![s("hello world"), s("/(h)(e)/"), s("$2$1")]), s("ehllo world"));
        assert_eq!(call_ok("replace", vec![s("a/b"), s("/"), s("-")]), s("a-b"));
        assert_eq!(call_err("replace", vec![s("x"), s("/(/"), s("y")]).arg, Some(1));
    }

    #[test]
    fn split_examples() {
        assert_eq!(call_ok("split", vec![s(","), s("foo,bar,baz")]), sl(&["foo", "bar", "baz"]));
        assert_eq!(call_ok("split", vec![s(","), s("foo")]), sl(&["foo"]));
        assert_eq!(call_ok("split", vec![s(","), s("")]), sl(&[""]));
        assert_eq!(call_ok("split", vec![s(""), s("ab")]), sl(&["a", "b"]));
    }

    #[test]
    fn startswith_endswith() {
        assert_eq!(call_ok("startswith", vec![s("hello world"), s("hello")]), b(true));
        assert_eq!(call_ok("startswith", vec![s("hello world"), s("world")]), b(false));
        assert_eq!(call_ok("endswith", vec![s("hello world"), s("world")]), b(true));
        assert_eq!(call_ok("endswith", vec![s("hello world"), s("hello")]), b(false));
    }

    #[test]
    fn strrev_examples() {
        assert_eq!(call_ok("strrev", vec![s("hello")]), s("olleh"));
        assert_eq!(call_ok("strrev", vec![s("a ☃")]), s("☃ a"));
        assert_eq!(call_ok("strrev", vec![s("ae\u{301}")]), s("e\u{301}a"));
        assert_eq!(graphemes("👾🕹️"), vec!["👾", "🕹️"]);
    }

    #[test]
    fn substr_examples() {
        assert_eq!(call_ok("substr", vec![s("hello world"), n(1.0), n(4.0)]), s("ello"));
        assert_eq!(call_ok("substr", vec![s("🤔🤷"), n(0.0), n(1.0)]), s("🤔"));
        assert_eq!(call_ok("substr", vec![s("hello world"), n(-5.0), n(-1.0)]), s("world"));
        assert_eq!(call_ok("substr", vec![s("hello world"), n(6.0), n(10.0)]), s("world"));
        assert_eq!(call_ok("substr", vec![s("hello"), n(10.0), n(2.0)]), s(""));
        assert_eq!(call_err("substr", vec![s("hello"), n(1.5), n(2.0)]).arg, Some(1));
    }

    #[test]
    fn trim_family() {
        assert_eq!(call_ok("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
        assert_eq!(call_ok("trim", vec![s("foobar"), s("far")]), s("oob"));
        assert_eq!(call_ok("trim", vec![s("   hello! world.!  "), s("! ")]), s("hello! world."));
        assert_eq!(call_ok("trimprefix", vec![s("helloworld"), s("hello")]), s("world"));
        assert_eq!(call_ok("trimprefix", vec![s("helloworld"), s("cat")]), s("helloworld"));
        assert_eq!(call_ok("trimsuffix", vec![s("helloworld"), s("world")]), s("hello"));
        assert_eq!(call_ok("trimsuffix", vec![s("helloworld"), s("cat")]), s("helloworld"));
        assert_eq!(call_ok("trimspace", vec![s("  hello\n\n")]), s("hello"));
        assert_eq!(call_err("trimspace", vec![l(vec![])]).arg, Some(0));
    }
}
