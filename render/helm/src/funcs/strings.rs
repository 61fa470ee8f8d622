//! Sprig's string functions.

use super::convert::{str_slice, to_string};
use super::{int_arg, str_arg, want, FnResult, FuncMap};
use crate::template::format::go_quote;
use crate::value::{Map, Value};

pub fn register(m: &mut FuncMap) {
    m.insert("trim", |_, a| s1(a, "trim", |s| s.trim().to_string()));
    m.insert("upper", |_, a| s1(a, "upper", |s| s.to_uppercase()));
    m.insert("lower", |_, a| s1(a, "lower", |s| s.to_lowercase()));
    m.insert("title", |_, a| s1(a, "title", title));
    m.insert("untitle", |_, a| s1(a, "untitle", untitle));
    m.insert("nospace", |_, a| s1(a, "nospace", |s| s.chars().filter(|c| !c.is_whitespace()).collect()));
    m.insert("swapcase", |_, a| {
        s1(a, "swapcase", |s| {
            s.chars()
                .map(
                    |c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<String>()
                        } else {
                            c.to_uppercase().collect()
                        }
                    },
                )
                .collect()
        })
    });
    m.insert("snakecase", |_, a| s1(a, "snakecase", |s| delimited(s, '_')));
    m.insert("kebabcase", |_, a| s1(a, "kebabcase", |s| delimited(s, '-')));
    m.insert("camelcase", |_, a| s1(a, "camelcase", camelcase));
    m.insert("initials", |_, a| s1(a, "initials", |s| s.split_whitespace().filter_map(|w| w.chars().next()).collect()));
    m.insert("trimAll", |_, a| s2(a, "trimAll", |cut, s| s.trim_matches(|c| cut.contains(c)).to_string()));
    m.insert("trimPrefix", |_, a| s2(a, "trimPrefix", |p, s| s.strip_prefix(p).unwrap_or(s).to_string()));
    m.insert("trimSuffix", |_, a| s2(a, "trimSuffix", |p, s| s.strip_suffix(p).unwrap_or(s).to_string()));
    m.insert("contains", |_, a| b2(a, "contains", |sub, s| s.contains(sub)));
    m.insert("hasPrefix", |_, a| b2(a, "hasPrefix", |p, s| s.starts_with(p)));
    m.insert("hasSuffix", |_, a| b2(a, "hasSuffix", |p, s| s.ends_with(p)));
    m.insert("replace", |_, a| {
        want(a, 3, "replace")?;
        let (old, new, s) = (str_arg(a, 0)?, str_arg(a, 1)?, str_arg(a, 2)?);
        Ok(Value::str(go_replace(&s, &old, &new)))
    });
    m.insert("repeat", |_, a| {
        want(a, 2, "repeat")?;
        let (n, s) = (int_arg(a, 0)?, str_arg(a, 1)?);
        if n < 0 {
            return Err("strings: negative Repeat count".into());
        }
        if (n as u128) * (s.len() as u128) > 64 << 20 {
            return Err("repeat: result would exceed 64 MiB".into());
        }
        Ok(Value::str(s.repeat(n as usize)))
    });
    m.insert("substr", |_, a| {
        want(a, 3, "substr")?;
        let (start, end, s) = (int_arg(a, 0)?, int_arg(a, 1)?, str_arg(a, 2)?);
        let b = s.as_bytes();
        let len = b.len() as i64;
        let out = if start < 0 {
            &b[..end.clamp(0, len) as usize]
        } else if end < 0 || end > len {
            &b[start.min(len) as usize..]
        } else {
            &b[start.min(end) as usize..end as usize]
        };
        Ok(Value::str(String::from_utf8_lossy(out).into_owned()))
    });
    m.insert("trunc", |_, a| {
        want(a, 2, "trunc")?;
        let (c, s) = (int_arg(a, 0)?, str_arg(a, 1)?);
        let len = s.len() as i64;
        let b = s.as_bytes();
        let out = if c < 0 && len + c > 0 {
            &b[(len + c) as usize..]
        } else if c >= 0 && len > c {
            &b[..c as usize]
        } else {
            b
        };
        Ok(Value::str(String::from_utf8_lossy(out).into_owned()))
    });
    m.insert("abbrev", |_, a| {
        want(a, 2, "abbrev")?;
        let (w, s) = (int_arg(a, 0)?, str_arg(a, 1)?);
        if w < 4 || s.chars().count() as i64 <= w {
            return Ok(Value::str(s));
        }
        let keep: String = s.chars().take((w - 3) as usize).collect();
        Ok(Value::str(format!("{keep}...")))
    });
    m.insert("split", |_, a| {
        want(a, 2, "split")?;
        let (sep, s) = (str_arg(a, 0)?, str_arg(a, 1)?);
        Ok(indexed_map(go_split(&s, &sep, -1)))
    });
    m.insert("splitn", |_, a| {
        want(a, 3, "splitn")?;
        let (sep, n, s) = (str_arg(a, 0)?, int_arg(a, 1)?, str_arg(a, 2)?);
        Ok(indexed_map(go_split(&s, &sep, n)))
    });
    m.insert("splitList", |_, a| {
        want(a, 2, "splitList")?;
        let (sep, s) = (str_arg(a, 0)?, str_arg(a, 1)?);
        Ok(Value::list(go_split(&s, &sep, -1).into_iter().map(Value::from).collect()))
    });
    m.insert("join", |_, a| {
        want(a, 2, "join")?;
        let sep = str_arg(a, 0)?;
        Ok(Value::str(str_slice(&a[1]).join(&sep)))
    });
    m.insert("indent", |_, a| {
        want(a, 2, "indent")?;
        let (n, s) = (int_arg(a, 0)?, str_arg(a, 1)?);
        Ok(Value::str(indent(n, &s)))
    });
    m.insert("nindent", |_, a| {
        want(a, 2, "nindent")?;
        let (n, s) = (int_arg(a, 0)?, str_arg(a, 1)?);
        Ok(Value::str(format!("\n{}", indent(n, &s))))
    });
    m.insert("quote", |_, a| {
        let parts: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(|v| go_quote(&to_string(v))).collect();
        Ok(Value::str(parts.join(" ")))
    });
    m.insert("squote", |_, a| {
        let parts: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(|v| format!("'{}'", to_string(v))).collect();
        Ok(Value::str(parts.join(" ")))
    });
    m.insert("cat", |_, a| {
        let parts: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(to_string).collect();
        Ok(Value::str(parts.join(" ")))
    });
    m.insert("toString", |_, a| {
        want(a, 1, "toString")?;
        Ok(Value::str(to_string(&a[0])))
    });
    m.insert("toStrings", |_, a| {
        want(a, 1, "toStrings")?;
        Ok(Value::list(str_slice(&a[0]).into_iter().map(Value::from).collect()))
    });
    m.insert("plural", |_, a| {
        want(a, 3, "plural")?;
        let (one, many, n) = (str_arg(a, 0)?, str_arg(a, 1)?, int_arg(a, 2)?);
        Ok(Value::str(if n == 1 { one } else { many }))
    });
    m.insert("wrap", |_, a| {
        want(a, 2, "wrap")?;
        let (w, s) = (int_arg(a, 0)?, str_arg(a, 1)?);
        Ok(Value::str(wrap(&s, w.max(1) as usize, "\n")))
    });
    m.insert("wrapWith", |_, a| {
        want(a, 3, "wrapWith")?;
        let (w, sep, s) = (int_arg(a, 0)?, str_arg(a, 1)?, str_arg(a, 2)?);
        Ok(Value::str(wrap(&s, w.max(1) as usize, &sep)))
    });
    m.insert("shuffle", |_, a| s1(a, "shuffle", |s| s.to_string()));
}

fn s1(a: &[Value], name: &str, f: impl Fn(&str) -> String) -> FnResult {
    want(a, 1, name)?;
    Ok(Value::str(f(&str_arg(a, 0)?)))
}

fn s2(a: &[Value], name: &str, f: impl Fn(&str, &str) -> String) -> FnResult {
    want(a, 2, name)?;
    Ok(Value::str(f(&str_arg(a, 0)?, &str_arg(a, 1)?)))
}

fn b2(a: &[Value], name: &str, f: impl Fn(&str, &str) -> bool) -> FnResult {
    want(a, 2, name)?;
    Ok(Value::Bool(f(&str_arg(a, 0)?, &str_arg(a, 1)?)))
}

/// `strings.Replace(s, old, new, -1)`, including Go's empty-`old` behaviour.
fn go_replace(s: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        let mut o = String::from(new);
        for c in s.chars() {
            o.push(c);
            o.push_str(new);
        }
        return o;
    }
    s.replace(old, new)
}

/// `strings.SplitN` (n < 0: all), with Go's empty-separator rule (split into chars).
pub fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let mut v: Vec<String> = s.chars().map(|c| c.to_string()).collect();
        if n > 0 && v.len() as i64 > n {
            let rest: String = v[(n - 1) as usize..].concat();
            v.truncate((n - 1) as usize);
            v.push(rest);
        }
        return v;
    }
    if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(n as usize, sep).map(String::from).collect()
    }
}

fn indexed_map(parts: Vec<String>) -> Value {
    let mut m = Map::new();
    for (i, p) in parts.into_iter().enumerate() {
        m.insert(format!("_{i}"), Value::str(p));
    }
    Value::map(m)
}

fn indent(n: i64, s: &str) -> String {
    let pad = " ".repeat(n.max(0) as usize);
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

/// Go's deprecated `strings.Title`: upper-cases letters that follow a separator.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_');
    }
    out
}

fn untitle(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_space = true;
    for c in s.chars() {
        if prev_space {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev_space = c.is_whitespace();
    }
    out
}

fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev_lower = chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev_lower || (chars[i - 1].is_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn delimited(s: &str, d: char) -> String {
    words(s).iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(&d.to_string())
}

fn camelcase(s: &str) -> String {
    s.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn wrap(s: &str, width: usize, sep: &str) -> String {
    let mut out = Vec::new();
    for line in s.split('\n') {
        let mut cur = String::new();
        for w in line.split(' ') {
            if !cur.is_empty() && cur.len() + 1 + w.len() > width {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(w);
        }
        out.push(cur);
    }
    out.join(sep)
}
