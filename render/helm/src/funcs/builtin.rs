//! Go's predefined template functions: comparison, `len`, `index`, `slice`,
//! `print*`, `not`, `html`, `js`, `urlquery`, `call`.

use super::{want, want_at_least, FnResult, FuncMap};
use crate::template::exec::Exec;
use crate::template::format::{fmt_v, sprint, sprintf, sprintln};
use crate::value::Value;

pub fn register(m: &mut FuncMap) {
    m.insert("eq", eq);
    m.insert("ne", ne);
    m.insert("lt", |_, a| cmp_fn(a, "lt", |o| o.is_lt()));
    m.insert("le", |_, a| cmp_fn(a, "le", |o| o.is_le()));
    m.insert("gt", |_, a| cmp_fn(a, "gt", |o| o.is_gt()));
    m.insert("ge", |_, a| cmp_fn(a, "ge", |o| o.is_ge()));
    m.insert("not", |_, a| {
        want(a, 1, "not")?;
        Ok(Value::Bool(!a[0].truthy()))
    });
    m.insert("len", len);
    m.insert("index", index);
    m.insert("slice", slice);
    m.insert("print", |_, a| Ok(Value::str(sprint(a))));
    m.insert("println", |_, a| Ok(Value::str(sprintln(a))));
    m.insert("printf", |_, a| {
        want_at_least(a, 1, "printf")?;
        let f = super::str_arg(a, 0)?;
        Ok(Value::str(sprintf(&f, &a[1..])))
    });
    m.insert("html", |_, a| Ok(Value::str(html_escape(&eval_args(a)))));
    m.insert("js", |_, a| Ok(Value::str(js_escape(&eval_args(a)))));
    m.insert("urlquery", |_, a| Ok(Value::str(query_escape(&eval_args(a)))));
    m.insert("call", |_, a| {
        want_at_least(a, 1, "call")?;
        Err(format!("non-function {} of type {}", fmt_v(&a[0]), a[0].type_name()))
    });
}

/// Go's `evalArgs`: one string argument as-is, otherwise `fmt.Sprint`.
fn eval_args(a: &[Value]) -> String {
    if let [Value::Str(s)] = a {
        return s.to_string();
    }
    sprint(a)
}

#[derive(PartialEq, Clone, Copy, Debug)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    Str,
    Other,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::Nil => Kind::Invalid,
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Other,
    }
}

const BAD_COMPARISON: &str = "incompatible types for comparison";

fn eq(_: &mut Exec, a: &[Value]) -> FnResult {
    want_at_least(a, 1, "eq")?;
    if a.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    let x = &a[0];
    for y in &a[1..] {
        if eq2(x, y)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn eq2(x: &Value, y: &Value) -> Result<bool, String> {
    let (kx, ky) = (kind(x), kind(y));
    if kx != ky {
        if kx != Kind::Invalid && ky != Kind::Invalid {
            // Go compares two non-basic values (maps, slices) of differing kinds
            // through canCompare, which fails the same way.
            return Err(BAD_COMPARISON.into());
        }
        return Ok(false);
    }
    Ok(match (x, y) {
        (Value::Bool(p), Value::Bool(q)) => p == q,
        (Value::Int(p), Value::Int(q)) => p == q,
        (Value::Float(p), Value::Float(q)) => p == q,
        (Value::Str(p), Value::Str(q)) => p == q,
        (Value::Nil, Value::Nil) => true,
        (Value::Object(p), Value::Object(q)) => std::rc::Rc::ptr_eq(p, q),
        (p, q) => {
            return Err(format!(
                "non-comparable types {}: {}, {}: {}",
                fmt_v(p),
                p.type_name(),
                q.type_name(),
                fmt_v(q)
            ))
        }
    })
}

fn ne(_: &mut Exec, a: &[Value]) -> FnResult {
    want(a, 2, "ne")?;
    Ok(Value::Bool(!eq2(&a[0], &a[1])?))
}

fn cmp_fn(a: &[Value], name: &str, pick: fn(std::cmp::Ordering) -> bool) -> FnResult {
    want(a, 2, name)?;
    let (x, y) = (&a[0], &a[1]);
    let (kx, ky) = (kind(x), kind(y));
    if kx == Kind::Invalid || ky == Kind::Invalid || kx == Kind::Other || ky == Kind::Other {
        return Err("invalid type for comparison".into());
    }
    if kx != ky {
        return Err(BAD_COMPARISON.into());
    }
    let ord = match (x, y) {
        (Value::Int(p), Value::Int(q)) => p.cmp(q),
        (Value::Float(p), Value::Float(q)) => match p.partial_cmp(q) {
            Some(o) => o,
            None => return Ok(Value::Bool(false)),
        },
        (Value::Str(p), Value::Str(q)) => p.cmp(q),
        _ => return Err("invalid type for comparison".into()),
    };
    Ok(Value::Bool(pick(ord)))
}

fn len(_: &mut Exec, a: &[Value]) -> FnResult {
    want(a, 1, "len")?;
    Ok(Value::Int(match &a[0] {
        Value::Str(s) => s.len() as i64,
        Value::Bytes(b) => b.len() as i64,
        Value::List(l) => l.len() as i64,
        Value::Map(m) => m.borrow().len() as i64,
        Value::Nil => return Err("len of nil pointer".into()),
        Value::Object(o) => match o.to_data() {
            Value::Map(m) => m.borrow().len() as i64,
            Value::List(l) => l.len() as i64,
            _ => return Err(format!("len of type {}", o.type_name())),
        },
        other => return Err(format!("len of type {}", other.type_name())),
    }))
}

fn index_of(v: &Value, len: usize) -> Result<usize, String> {
    let i = match v {
        Value::Int(i) => *i,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if i < 0 || i as usize >= len {
        return Err(format!("index out of range: {i}"));
    }
    Ok(i as usize)
}

fn index(_: &mut Exec, a: &[Value]) -> FnResult {
    want_at_least(a, 1, "index")?;
    let mut cur = a[0].clone();
    for k in &a[1..] {
        cur = match &cur {
            Value::Nil => return Err("index of untyped nil".into()),
            Value::List(l) => l[index_of(k, l.len())?].clone(),
            Value::Bytes(b) => Value::Int(b[index_of(k, b.len())?] as i64),
            Value::Str(s) => Value::Int(s.as_bytes()[index_of(k, s.len())?] as i64),
            Value::Map(m) => match k {
                Value::Str(key) => m.borrow().get(key.as_ref()).cloned().unwrap_or(Value::Nil),
                Value::Nil => Value::Nil,
                other => return Err(format!("value has type {}; should be string", other.type_name())),
            },
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(cur)
}

fn slice(_: &mut Exec, a: &[Value]) -> FnResult {
    want_at_least(a, 1, "slice")?;
    if a.len() > 4 {
        return Err(format!("too many slice indexes: {}", a.len() - 1));
    }
    let len = match &a[0] {
        Value::List(l) => l.len(),
        Value::Str(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::Nil => return Err("slice of untyped nil".into()),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0usize, len, len];
    for (n, v) in a[1..].iter().enumerate() {
        let i = match v {
            Value::Int(i) if *i >= 0 => *i as usize,
            Value::Int(i) => return Err(format!("index out of range: {i}")),
            other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
        };
        if i > len {
            return Err(format!("index out of range: {i}"));
        }
        idx[n] = i;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    Ok(match &a[0] {
        Value::List(l) => Value::list(l[idx[0]..idx[1]].to_vec()),
        Value::Str(s) => match s.get(idx[0]..idx[1]) {
            Some(t) => Value::str(t),
            None => Value::str(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned()),
        },
        Value::Bytes(b) => Value::Bytes(std::rc::Rc::new(b[idx[0]..idx[1]].to_vec())),
        _ => Value::Nil,
    })
}

pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("&#34;"),
            '\'' => o.push_str("&#39;"),
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\0' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

fn js_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '"' => o.push_str("\\\""),
            '<' => o.push_str("\\u003C"),
            '>' => o.push_str("\\u003E"),
            '&' => o.push_str("\\u0026"),
            '=' => o.push_str("\\u003D"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => o.push(b as char),
            b' ' => o.push('+'),
            b => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}
