//! Numeric functions: abs, ceil, floor, log, max, min, pow, signum, parseint.

use super::{arg_int, arg_num, arg_number, arg_str, echo, spec, FResult, FuncContext, FuncError, Spec};
use crate::value::{quote, Number, Value};

pub(super) const FUNCS: &[Spec] = &[
    spec("abs", 1, Some(1), abs),
    spec("ceil", 1, Some(1), ceil),
    spec("floor", 1, Some(1), floor),
    spec("log", 2, Some(2), log),
    spec("max", 1, None, max),
    spec("min", 1, None, min),
    spec("pow", 2, Some(2), pow),
    spec("signum", 1, Some(1), signum),
    spec("parseint", 2, Some(2), parseint),
];

fn abs(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Number(arg_number(args, 0, "num")?.abs()))
}

fn ceil(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Number(arg_number(args, 0, "num")?.ceil()))
}

fn floor(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Number(arg_number(args, 0, "num")?.floor()))
}

/// Terraform computes `log` and `pow` in float64 and keeps the float's 53 bits; a NaN
/// result (which crashes Terraform's function) is an error here.
fn from_float(f: f64) -> FResult<Value> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| FuncError::new("the result is not a number (NaN), which Terraform's numbers cannot hold"))
}

fn log(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let num = arg_num(args, 0, "num")?;
    let base = arg_num(args, 1, "base")?;
    from_float(num.ln() / base.ln())
}

fn numbers(args: &[Value]) -> FResult<Vec<Number>> {
    (0..args.len()).map(|i| arg_number(args, i, "numbers")).collect()
}

/// The first of the numbers that no later one beats, as cty's max and min keep the
/// earliest of equal values (so `max(-0, 0)` is -0).
fn extreme(args: &[Value], beats: std::cmp::Ordering) -> FResult<Value> {
    let mut best: Option<Number> = None;
    for n in numbers(args)? {
        if best.as_ref().is_none_or(|b| n.cmp_value(b) == beats) {
            best = Some(n);
        }
    }
    best.map(Value::Number).ok_or_else(|| FuncError::new("must pass at least one number"))
}

fn max(args: &[Value], _: &FuncContext) -> FResult<Value> {
    extreme(args, std::cmp::Ordering::Greater)
}

fn min(args: &[Value], _: &FuncContext) -> FResult<Value> {
    extreme(args, std::cmp::Ordering::Less)
}

fn pow(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let x = arg_num(args, 0, "num")?;
    let y = arg_num(args, 1, "power")?;
    from_float(x.powf(y))
}

fn signum(args: &[Value], _: &FuncContext) -> FResult<Value> {
    // Terraform reads the argument as a Go int, so fractions are refused.
    let n = arg_int(args, 0, "num")?;
    Ok(Value::number(n.signum()))
}

fn parseint(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let text = arg_str(args, 0, "number")?;
    let base = arg_int(args, 1, "base")?;
    if !(2..=62).contains(&base) {
        return Err(FuncError::at(
            1,
            format!("invalid value for \"base\": must be between 2 and 62 inclusive, got {}", echo(base)),
        ));
    }
    let fail = || FuncError::at(0, format!("cannot parse {} as a base {} integer", echo(quote(&text)), echo(base)));
    match Number::parse_int(&text, base as u32) {
        Ok(Some(n)) => Ok(Value::Number(n)),
        Ok(None) => Err(fail()),
        Err(e) => {
            Err(FuncError::at(0, format!("cannot parse {} as a base {} integer: {e}", echo(quote(&text)), echo(base))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn abs_ceil_floor() {
        assert_eq!(call_ok("abs", vec![n(23.0)]), n(23.0));
        assert_eq!(call_ok("abs", vec![n(0.0)]), n(0.0));
        assert_eq!(call_ok("abs", vec![n(-12.4)]), n(12.4));
        assert_eq!(call_ok("ceil", vec![n(5.0)]), n(5.0));
        assert_eq!(call_ok("ceil", vec![n(5.1)]), n(6.0));
        assert_eq!(call_ok("floor", vec![n(5.0)]), n(5.0));
        assert_eq!(call_ok("floor", vec![n(4.9)]), n(4.0));
        assert_eq!(call_ok("floor", vec![s("-4.1")]), n(-5.0));
        assert_eq!(call_err("abs", vec![s("x")]).arg, Some(0));
    }

    #[test]
    fn log_and_pow() {
        assert_eq!(call_ok("log", vec![n(50.0), n(10.0)]), n(1.6989700043360185));
        assert_eq!(call_ok("log", vec![n(16.0), n(2.0)]), n(4.0));
        assert_eq!(call_ok("log", vec![n(1.0), n(10.0)]), n(0.0));
        assert_eq!(call_ok("pow", vec![n(3.0), n(2.0)]), n(9.0));
        assert_eq!(call_ok("pow", vec![n(4.0), n(0.0)]), n(1.0));
        assert!(call_err("pow", vec![n(4.0), l(vec![])]).message.contains("\"power\""));
    }

    #[test]
    fn max_min() {
        assert_eq!(call_ok("max", vec![n(12.0), n(54.0), n(3.0)]), n(54.0));
        assert_eq!(call_ok("min", vec![n(12.0), n(54.0), n(3.0)]), n(3.0));
        assert_eq!(call_ok("min", vec![n(-1.5)]), n(-1.5));
        assert!(call_err("max", vec![]).message.starts_with("Not enough"));
        assert_eq!(call_err("max", vec![n(1.0), s("a")]).arg, Some(1));
    }

    #[test]
    fn signum_signs() {
        assert_eq!(call_ok("signum", vec![n(-13.0)]), n(-1.0));
        assert_eq!(call_ok("signum", vec![n(0.0)]), n(0.0));
        assert_eq!(call_ok("signum", vec![n(344.0)]), n(1.0));
    }

    #[test]
    fn parseint_bases() {
        assert_eq!(call_ok("parseint", vec![s("100"), n(10.0)]), n(100.0));
        assert_eq!(call_ok("parseint", vec![s("FF"), n(16.0)]), n(255.0));
        assert_eq!(call_ok("parseint", vec![s("-10"), n(16.0)]), n(-16.0));
        assert_eq!(call_ok("parseint", vec![s("1011111011101111"), n(2.0)]), n(48879.0));
        assert_eq!(call_ok("parseint", vec![s("aA"), n(62.0)]), n(656.0));
        let e = call_err("parseint", vec![s("12"), n(2.0)]);
        assert_eq!(e.message, "cannot parse \"12\" as a base 2 integer");
        assert_eq!(e.arg, Some(0));
        assert_eq!(call_err("parseint", vec![s("1"), n(63.0)]).arg, Some(1));
        assert!(call_err("parseint", vec![s(""), n(10.0)]).message.starts_with("cannot parse"));
    }
}
