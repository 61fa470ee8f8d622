//! Terraform's printf-like `format` and `formatlist`. Terraform follows Go's fmt, whose verbs,
//! flags and number forms (`%g`, exponents) differ from Rust's, so they are reproduced here.

use super::{graphemes, MAX_WIDTH};
use crate::funcs::encoding::json_encode;
use crate::funcs::{arg_str, echo, to_bool, to_number, to_str, FResult, FuncContext, FuncError};
use crate::value::{Number, Value};

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
        _ => Err(FuncError::at(0, format!("width or precision {} is too large (at most {MAX_WIDTH})", echo(digits)))),
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
            Value::Number(n) => n.format_general(None, false),
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
            let n = to_number(value).ok_or("number required")?;
            return Ok(pad_number(d, format_integer(d, &n)?));
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let n = to_number(value).ok_or("number required")?;
            let upper = d.verb.is_ascii_uppercase();
            // Terraform formats its big numbers exactly, never through a float64.
            let text = match d.verb.to_ascii_lowercase() {
                'e' => n.format_exponent(Some(d.precision.unwrap_or(6)), upper),
                'f' => n.format_fixed(d.precision.unwrap_or(6)),
                _ => n.format_general(d.precision, upper),
            };
            return Ok(pad_number(d, text));
        }
        other => return Err(format!("unsupported format verb %{}", echo(other))),
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

fn format_integer(d: &Directive, n: &Number) -> Result<String, String> {
    let radix = match d.verb {
        'b' => 2,
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let text = n.integer_text(radix).ok_or("an integer is required")?;
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", text),
    };
    let digits = match d.verb {
        'o' if d.sharp => format!("0{digits}"),
        'x' if d.sharp => format!("0x{digits}"),
        'X' if d.sharp => format!("0X{}", digits.to_ascii_uppercase()),
        'X' => digits.to_ascii_uppercase(),
        _ => digits,
    };
    Ok(format!("{sign}{digits}"))
}

pub(super) fn format(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let spec = arg_str(args, 0, "format")?;
    Ok(Value::String(format_values(&spec, args.get(1..).unwrap_or(&[]))?))
}

pub(super) fn formatlist(args: &[Value], _: &FuncContext) -> FResult<Value> {
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
