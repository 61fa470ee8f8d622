//! Go's `fmt` over our values: `%v` of maps (`map[a:1]`), slices (`[1 2]`), nil
//! (`<nil>`), floats in `%g` shortest form (`1e+06`), and `printf`'s verbs with
//! flags, width and precision, including Go's `%!d(string=x)` error forms.

use crate::value::{Value, MAX_DATA_DEPTH};

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest
/// round-trip digits, exponent form when the exponent is < -4 or >= 6, so that
/// 1000000 prints as `1e+06` exactly as Helm users see it.
pub fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as Go's -1 precision does.
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    let eprec = 6;
    if exp < -4 || exp >= eprec {
        let mut m = String::new();
        m.push_str(&digits[..1]);
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{es}{:02}", exp.abs());
    }
    format!("{sign}{}", fixed_from_digits(&digits, exp))
}

fn fixed_from_digits(digits: &str, exp: i32) -> String {
    let point = exp + 1;
    if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    }
}

/// `fmt.Sprint`-style `%v` of one value.
pub fn fmt_v(v: &Value) -> String {
    let mut s = String::new();
    write_v(&mut s, v, 0);
    s
}

fn write_v(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_DATA_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_g(*f)),
        Value::Str(s) => out.push_str(s),
        Value::Bytes(b) => {
            out.push('[');
            let parts: Vec<String> = b.iter().map(|x| x.to_string()).collect();
            out.push_str(&parts.join(" "));
            out.push(']');
        }
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, x, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, x)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, x, depth + 1);
            }
            out.push(']');
        }
        Value::Object(o) => out.push_str(&o.display()),
    }
}

/// `fmt.Sprint(args...)`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::Str(_)) && !matches!(args[i - 1], Value::Str(_)) {
            out.push(' ');
        }
        out.push_str(&fmt_v(a));
    }
    out
}

/// `fmt.Sprintln(args...)`: always spaces, trailing newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(fmt_v).collect();
    format!("{}\n", parts.join(" "))
}

/// Widths and precisions are capped so `%1000000000d` cannot allocate gigabytes.
const MAX_WIDTH: usize = 1 << 16;

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut argi = 0;
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut sp = Spec::default();
        while i < chars.len() {
            match chars[i] {
                '-' => sp.minus = true,
                '+' => sp.plus = true,
                '#' => sp.sharp = true,
                '0' => sp.zero = true,
                ' ' => sp.space = true,
                _ => break,
            }
            i += 1;
        }
        let num = |i: &mut usize, argi: &mut usize| -> Option<usize> {
            if *i < chars.len() && chars[*i] == '*' {
                *i += 1;
                let v = args.get(*argi).and_then(|a| match a {
                    Value::Int(n) => Some((*n).max(0) as usize),
                    _ => None,
                });
                *argi += 1;
                return v;
            }
            let s = *i;
            while *i < chars.len() && chars[*i].is_ascii_digit() {
                *i += 1;
            }
            if s == *i {
                None
            } else {
                chars[s..*i].iter().collect::<String>().parse().ok()
            }
        };
        sp.width = num(&mut i, &mut argi).map(|w| w.min(MAX_WIDTH));
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            sp.prec = Some(num(&mut i, &mut argi).unwrap_or(0).min(MAX_WIDTH));
        }
        if i >= chars.len() {
            out.push_str("%!(NOVERB)");
            break;
        }
        let verb = chars[i];
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        argi += 1;
        let body = format_one(verb, arg, &sp);
        out.push_str(&pad(&body, &sp, verb, arg));
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[argi..].iter().map(|a| format!("{}={}", a.type_name(), fmt_v(a))).collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

fn pad(body: &str, sp: &Spec, verb: char, arg: &Value) -> String {
    let Some(w) = sp.width else {
        return body.to_string();
    };
    let n = body.chars().count();
    if n >= w {
        return body.to_string();
    }
    let fill = w - n;
    if sp.minus {
        return format!("{body}{}", " ".repeat(fill));
    }
    let numeric = matches!(arg, Value::Int(_) | Value::Float(_))
        && matches!(verb, 'd' | 'f' | 'F' | 'e' | 'g' | 'x' | 'X' | 'o' | 'b' | 'v');
    if sp.zero && numeric {
        let (sign, rest) = if body.starts_with(['-', '+']) { body.split_at(1) } else { ("", body) };
        return format!("{sign}{}{rest}", "0".repeat(fill));
    }
    format!("{}{body}", " ".repeat(fill))
}

fn bad(verb: char, arg: &Value) -> String {
    match arg {
        Value::Nil => format!("%!{verb}(<nil>)"),
        a => format!("%!{verb}({}={})", a.type_name(), fmt_v(a)),
    }
}

fn sign(s: String, sp: &Spec, negative: bool) -> String {
    if negative {
        s
    } else if sp.plus {
        format!("+{s}")
    } else if sp.space {
        format!(" {s}")
    } else {
        s
    }
}

fn format_one(verb: char, arg: &Value, sp: &Spec) -> String {
    match verb {
        'v' => match arg {
            Value::Float(f) => sign(format_float_g(*f), sp, *f < 0.0),
            Value::Int(i) => sign(i.to_string(), sp, *i < 0),
            Value::Str(s) if sp.sharp => go_quote(s),
            _ => fmt_v(arg),
        },
        'T' => arg.type_name(),
        't' => match arg {
            Value::Bool(b) => b.to_string(),
            a => bad(verb, a),
        },
        'd' => match arg {
            Value::Int(i) => sign(i.to_string(), sp, *i < 0),
            Value::List(l) => {
                let parts: Vec<String> = l.iter().map(|x| format_one('d', x, sp)).collect();
                format!("[{}]", parts.join(" "))
            }
            a => bad(verb, a),
        },
        'b' | 'o' | 'O' | 'x' | 'X' => match arg {
            Value::Int(i) => {
                let (neg, u) = (*i < 0, i.unsigned_abs());
                let mut s = match verb {
                    'b' => format!("{u:b}"),
                    'o' | 'O' => format!("{u:o}"),
                    'x' => format!("{u:x}"),
                    _ => format!("{u:X}"),
                };
                if sp.sharp || verb == 'O' {
                    let p = match verb {
                        'b' => "0b",
                        'o' => "0",
                        'O' => "0o",
                        'x' => "0x",
                        _ => "0X",
                    };
                    s = format!("{p}{s}");
                }
                if neg {
                    s = format!("-{s}");
                }
                sign(s, sp, neg)
            }
            Value::Str(s) if verb == 'x' || verb == 'X' => hex_str(s.as_bytes(), verb),
            Value::Bytes(b) if verb == 'x' || verb == 'X' => hex_str(b, verb),
            Value::Float(f) if verb == 'x' || verb == 'X' => bad(verb, &Value::Float(*f)),
            a => bad(verb, a),
        },
        'c' => match arg {
            Value::Int(i) => char::from_u32(*i as u32).unwrap_or('\u{fffd}').to_string(),
            a => bad(verb, a),
        },
        'U' => match arg {
            Value::Int(i) => format!("U+{:04X}", i),
            a => bad(verb, a),
        },
        'q' => match arg {
            Value::Str(s) => {
                if sp.sharp && !s.contains('`') {
                    format!("`{s}`")
                } else {
                    go_quote(s)
                }
            }
            Value::Int(i) => format!("'{}'", char::from_u32(*i as u32).unwrap_or('\u{fffd}')),
            Value::List(l) => {
                let parts: Vec<String> = l.iter().map(|x| format_one('q', x, sp)).collect();
                format!("[{}]", parts.join(" "))
            }
            a => bad(verb, a),
        },
        's' => match arg {
            Value::Str(s) => truncate(s, sp.prec),
            Value::Bytes(b) => truncate(&String::from_utf8_lossy(b), sp.prec),
            Value::List(l) => {
                let parts: Vec<String> = l.iter().map(|x| format_one('s', x, sp)).collect();
                format!("[{}]", parts.join(" "))
            }
            Value::Map(_) | Value::Object(_) => fmt_v(arg),
            Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Nil => bad(verb, arg),
        },
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let f = match arg {
                Value::Float(f) => *f,
                a => return bad(verb, a),
            };
            let s = match verb {
                'f' | 'F' => format!("{:.*}", sp.prec.unwrap_or(6), f),
                'e' | 'E' => {
                    let s = go_exp(f, sp.prec.unwrap_or(6));
                    if verb == 'E' {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
                _ => match sp.prec {
                    None => format_float_g(f),
                    Some(p) => go_g_prec(f, p.max(1)),
                },
            };
            sign(s, sp, f < 0.0)
        }
        _ => format!("%!{verb}({}={})", arg.type_name(), fmt_v(arg)),
    }
}

fn hex_str(b: &[u8], verb: char) -> String {
    let s = hex::encode(b);
    if verb == 'X' {
        s.to_uppercase()
    } else {
        s
    }
}

fn truncate(s: &str, prec: Option<usize>) -> String {
    match prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    }
}

fn go_exp(f: f64, prec: usize) -> String {
    let s = format!("{:.*e}", prec, f);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

fn go_g_prec(f: f64, prec: usize) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let s = format!("{:.*e}", prec - 1, f);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = e.parse().unwrap_or(0);
    if exp < -4 || exp >= prec as i32 {
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        return format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let decimals = (prec as i32 - 1 - exp).max(0) as usize;
    let s = format!("{:.*}", decimals, f);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
