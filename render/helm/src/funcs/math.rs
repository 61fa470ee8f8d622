//! Sprig's integer and float math, and the numeric conversions.

use super::convert::{to_f64, to_i64, to_string};
use super::{want, want_at_least, FnResult, FuncMap};
use crate::value::Value;

pub fn register(m: &mut FuncMap) {
    m.insert("add1", |_, a| {
        want(a, 1, "add1")?;
        Ok(Value::Int(to_i64(&a[0]).wrapping_add(1)))
    });
    m.insert("add", |_, a| Ok(Value::Int(a.iter().map(to_i64).fold(0i64, i64::wrapping_add))));
    m.insert("mul", |_, a| Ok(Value::Int(a.iter().map(to_i64).fold(1i64, i64::wrapping_mul))));
    m.insert("sub", |_, a| int2(a, "sub", |x, y| Ok(x.wrapping_sub(y))));
    m.insert("div", |_, a| {
        int2(
            a,
            "div",
            |x, y| {
                if y == 0 {
                    Err("runtime error: integer divide by zero".into())
                } else {
                    Ok(x.wrapping_div(y))
                }
            },
        )
    });
    m.insert("mod", |_, a| {
        int2(
            a,
            "mod",
            |x, y| {
                if y == 0 {
                    Err("runtime error: integer divide by zero".into())
                } else {
                    Ok(x.wrapping_rem(y))
                }
            },
        )
    });
    m.insert("max", |_, a| {
        want_at_least(a, 1, "max")?;
        Ok(Value::Int(a.iter().map(to_i64).max().unwrap_or(0)))
    });
    m.insert("min", |_, a| {
        want_at_least(a, 1, "min")?;
        Ok(Value::Int(a.iter().map(to_i64).min().unwrap_or(0)))
    });
    m.insert("addf", |_, a| Ok(Value::Float(a.iter().map(to_f64).sum())));
    m.insert("add1f", |_, a| {
        want(a, 1, "add1f")?;
        Ok(Value::Float(to_f64(&a[0]) + 1.0))
    });
    m.insert("mulf", |_, a| Ok(Value::Float(a.iter().map(to_f64).product())));
    m.insert("subf", |_, a| float_fold(a, "subf", |x, y| x - y));
    m.insert("divf", |_, a| float_fold(a, "divf", |x, y| x / y));
    m.insert("maxf", |_, a| float_fold(a, "maxf", f64::max));
    m.insert("minf", |_, a| float_fold(a, "minf", f64::min));
    m.insert("floor", |_, a| f1(a, "floor", f64::floor));
    m.insert("ceil", |_, a| f1(a, "ceil", f64::ceil));
    m.insert("round", |_, a| {
        want_at_least(a, 2, "round")?;
        let (x, places) = (to_f64(&a[0]), to_i64(&a[1]));
        let roundon = a.get(2).map(to_f64).unwrap_or(0.5);
        let pow = 10f64.powi(places as i32);
        let digit = pow * x;
        let (int, frac) = (digit.trunc(), digit.fract());
        let r = if frac.abs() >= roundon { int + frac.signum() } else { int };
        Ok(Value::Float(r / pow))
    });
    m.insert("int", |_, a| {
        want(a, 1, "int")?;
        Ok(Value::Int(to_i64(&a[0])))
    });
    m.insert("int64", |_, a| {
        want(a, 1, "int64")?;
        Ok(Value::Int(to_i64(&a[0])))
    });
    m.insert("float64", |_, a| {
        want(a, 1, "float64")?;
        Ok(Value::Float(to_f64(&a[0])))
    });
    m.insert("atoi", |_, a| {
        want(a, 1, "atoi")?;
        Ok(Value::Int(to_string(&a[0]).parse().unwrap_or(0)))
    });
    m.insert("toDecimal", |_, a| {
        want(a, 1, "toDecimal")?;
        Ok(Value::Int(i64::from_str_radix(&to_string(&a[0]), 8).unwrap_or(0)))
    });
    m.insert("biggest", |_, a| {
        want_at_least(a, 1, "biggest")?;
        Ok(Value::Int(a.iter().map(to_i64).max().unwrap_or(0)))
    });
}

fn int2(a: &[Value], name: &str, f: fn(i64, i64) -> Result<i64, String>) -> FnResult {
    want(a, 2, name)?;
    Ok(Value::Int(f(to_i64(&a[0]), to_i64(&a[1]))?))
}

fn f1(a: &[Value], name: &str, f: fn(f64) -> f64) -> FnResult {
    want(a, 1, name)?;
    Ok(Value::Float(f(to_f64(&a[0]))))
}

fn float_fold(a: &[Value], name: &str, f: fn(f64, f64) -> f64) -> FnResult {
    want_at_least(a, 1, name)?;
    let mut it = a.iter().map(to_f64);
    let first = it.next().unwrap_or(0.0);
    Ok(Value::Float(it.fold(first, f)))
}
