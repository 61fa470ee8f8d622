//! Terraform's printf-like `format` and `formatlist`. Terraform follows Go's fmt, whose verbs,
//! flags and number forms (`%g`, exponents) differ from Rust's, so they are reproduced here.

use super::{graphemes, MAX_WIDTH};
use crate::funcs::encoding::json_encode;
use crate::funcs::{arg_str, echo, to_bool, to_num, to_str, whole, FResult, FuncContext, FuncError};
use crate::value::{format_number, Value};

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
