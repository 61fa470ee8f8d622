//! The set functions. Values have no set type, so these take lists and give their results set
//! semantics (one element type, sorted, no duplicates) through `unify` and `make_set`.

use crate::funcs::{arg_list, loosely_equal, make_set, unify, FResult, FuncContext, FuncError, MAX_ELEMENTS};
use crate::value::Value;

fn sets(args: &[Value]) -> FResult<Vec<Vec<Value>>> {
    (0..args.len())
        .map(|i| {
            let items = arg_list(args, i, "sets")?.clone();
            Ok(make_set(unify(items).map_err(|e| FuncError::at(i, e))?))
        })
        .collect()
}

pub(super) fn setintersection(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let mut all = sets(args)?.into_iter();
    let first = all.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = all.collect();
    let out = first.into_iter().filter(|v| rest.iter().all(|s| s.iter().any(|w| loosely_equal(v, w)))).collect();
    Ok(Value::List(make_set(out)))
}

pub(super) fn setsubtract(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let all = sets(args)?;
    let (a, b) = match all.as_slice() {
        [a, b] => (a, b),
        _ => return Err(FuncError::new("setsubtract requires two sets")),
    };
    let out = a.iter().filter(|v| !b.iter().any(|w| loosely_equal(v, w))).cloned().collect();
    Ok(Value::List(make_set(out)))
}

pub(super) fn setunion(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let all: Vec<Value> = sets(args)?.into_iter().flatten().collect();
    let all = unify(all).map_err(FuncError::new)?;
    Ok(Value::List(make_set(all)))
}

pub(super) fn setproduct(args: &[Value], _: &FuncContext) -> FResult<Value> {
    // Each argument is a set or list parameter, so its elements are brought to one type first.
    let lists: Vec<Vec<Value>> = (0..args.len())
        .map(|i| {
            unify(arg_list(args, i, "sets")?.clone())
                .map_err(|e| FuncError::at(i, format!("invalid value for \"sets\": {e}")))
        })
        .collect::<FResult<_>>()?;
    let total = lists.iter().try_fold(1usize, |acc, l| acc.checked_mul(l.len()));
    match total {
        Some(t) if t <= MAX_ELEMENTS => {}
        _ => return Err(FuncError::new(format!("the product would have more than {MAX_ELEMENTS} elements"))),
    }
    let mut out: Vec<Vec<Value>> = vec![vec![]];
    for list in &lists {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |v| {
                    let mut row = prefix.clone();
                    row.push(v.clone());
                    row
                })
            })
            .collect();
    }
    Ok(Value::List(out.into_iter().map(Value::List).collect()))
}
