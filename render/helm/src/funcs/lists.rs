//! Sprig's list functions, plus `until`/`untilStep`/`seq`.

use super::convert::{as_list, is_empty, str_slice, to_i64};
use super::{want, want_at_least, FnResult, FuncMap, MAX_GENERATED};
use crate::value::{deep_equal, Value};

pub fn register(m: &mut FuncMap) {
    m.insert("list", |_, a| Ok(Value::list(a.to_vec())));
    m.insert("tuple", |_, a| Ok(Value::list(a.to_vec())));
    for n in ["append", "push", "mustAppend", "mustPush"] {
        m.insert(n, |_, a| {
            want(a, 2, "append")?;
            let mut l = as_list(&a[0], "push").map_err(|_| push_err(&a[0]))?;
            l.push(a[1].clone());
            Ok(Value::list(l))
        });
    }
    for n in ["prepend", "mustPrepend"] {
        m.insert(n, |_, a| {
            want(a, 2, "prepend")?;
            let mut l = as_list(&a[0], "prepend")?;
            l.insert(0, a[1].clone());
            Ok(Value::list(l))
        });
    }
    m.insert("concat", |_, a| {
        let mut out = Vec::new();
        for l in a {
            out.extend(as_list(l, "concat")?);
        }
        Ok(Value::list(out))
    });
    for n in ["first", "mustFirst"] {
        m.insert(n, |_, a| one_list(a, "first", |l| l.first().cloned().unwrap_or(Value::Nil)));
    }
    for n in ["last", "mustLast"] {
        m.insert(n, |_, a| one_list(a, "last", |l| l.last().cloned().unwrap_or(Value::Nil)));
    }
    for n in ["rest", "mustRest"] {
        m.insert(n, |_, a| {
            one_list(a, "rest", |l| if l.is_empty() { Value::Nil } else { Value::list(l[1..].to_vec()) })
        });
    }
    for n in ["initial", "mustInitial"] {
        m.insert(n, |_, a| {
            one_list(a, "initial", |l| if l.is_empty() { Value::Nil } else { Value::list(l[..l.len() - 1].to_vec()) })
        });
    }
    for n in ["reverse", "mustReverse"] {
        m.insert(n, |_, a| one_list(a, "reverse", |l| Value::list(l.iter().rev().cloned().collect())));
    }
    for n in ["uniq", "mustUniq"] {
        m.insert(n, |_, a| {
            one_list(a, "uniq", |l| {
                let mut out: Vec<Value> = Vec::new();
                for x in l {
                    if !out.iter().any(|y| deep_equal(x, y)) {
                        out.push(x.clone());
                    }
                }
                Value::list(out)
            })
        });
    }
    for n in ["compact", "mustCompact"] {
        m.insert(n, |_, a| {
            one_list(a, "compact", |l| Value::list(l.iter().filter(|x| !is_empty(x)).cloned().collect()))
        });
    }
    for n in ["without", "mustWithout"] {
        m.insert(n, |_, a| {
            want_at_least(a, 1, "without")?;
            let l = as_list(&a[0], "without")?;
            Ok(Value::list(l.into_iter().filter(|x| !a[1..].iter().any(|y| deep_equal(x, y))).collect()))
        });
    }
    for n in ["has", "mustHas"] {
        m.insert(n, |_, a| {
            want(a, 2, "has")?;
            if a[1].is_nil() {
                return Ok(Value::Bool(false));
            }
            let l = as_list(&a[1], "has")?;
            Ok(Value::Bool(l.iter().any(|y| deep_equal(&a[0], y))))
        });
    }
    m.insert("sortAlpha", |_, a| {
        want(a, 1, "sortAlpha")?;
        let mut s = str_slice(&a[0]);
        s.sort();
        Ok(Value::list(s.into_iter().map(Value::from).collect()))
    });
    for n in ["chunk", "mustChunk"] {
        m.insert(n, |_, a| {
            want(a, 2, "chunk")?;
            let size = to_i64(&a[0]);
            if size <= 0 {
                return Err("chunk size must be positive".into());
            }
            let l = as_list(&a[1], "chunk")?;
            Ok(Value::list(l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect()))
        });
    }
    m.insert("until", |_, a| {
        want(a, 1, "until")?;
        let n = to_i64(&a[0]);
        let step = if n < 0 { -1 } else { 1 };
        until_step(0, n, step)
    });
    m.insert("untilStep", |_, a| {
        want(a, 3, "untilStep")?;
        until_step(to_i64(&a[0]), to_i64(&a[1]), to_i64(&a[2]))
    });
    m.insert("seq", |_, a| {
        let n: Vec<i64> = a.iter().map(to_i64).collect();
        let (start, step, end) = match n.as_slice() {
            [] => return Ok(Value::str("")),
            [e] => (1, 1, *e),
            [s, e] => (*s, if s <= e { 1 } else { -1 }, *e),
            [s, st, e, ..] => (*s, *st, *e),
        };
        if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
            return Ok(Value::str(""));
        }
        let v = until_step(start, end + step.signum(), step)?;
        let parts = str_slice(&v);
        Ok(Value::str(parts.join(" ")))
    });
}

fn push_err(v: &Value) -> String {
    format!("Cannot push on type {}", v.type_name())
}

fn one_list(a: &[Value], name: &str, f: impl Fn(&[Value]) -> Value) -> FnResult {
    want(a, 1, name)?;
    let l = as_list(&a[0], name)?;
    Ok(f(&l))
}

fn until_step(start: i64, stop: i64, step: i64) -> FnResult {
    let mut out = Vec::new();
    if step == 0 {
        return Ok(Value::list(out));
    }
    let count = (stop - start) / step;
    if count > MAX_GENERATED {
        return Err(format!("refusing to build a list of {count} numbers (limit {MAX_GENERATED})"));
    }
    let mut i = start;
    if step > 0 {
        while i < stop {
            out.push(Value::Int(i));
            i += step;
        }
    } else {
        while i > stop {
            out.push(Value::Int(i));
            i += step;
        }
    }
    Ok(Value::list(out))
}
