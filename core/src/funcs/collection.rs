//! Collection functions over lists, sets, tuples, maps and objects: the table that registers
//! them all, and the functions on sequences. Those that look elements up by key, and those with
//! set semantics, live in child modules.

mod maps;
mod sets;
#[cfg(test)]
mod tests;

use maps::{keys, lookup, matchkeys, merge, transpose, values, zipmap};
use sets::{setintersection, setproduct, setsubtract, setunion};

use super::string::graphemes;
use super::{
    arg_int, arg_list, arg_number, arg_str_list, spec, to_bool, to_number, unify, FResult, FuncContext, FuncError, Spec,
};
use crate::value::{Number, Value};

pub(super) const FUNCS: &[Spec] = &[
    spec("alltrue", 1, Some(1), alltrue),
    spec("anytrue", 1, Some(1), anytrue),
    spec("chunklist", 2, Some(2), chunklist),
    spec("coalesce", 1, None, coalesce),
    spec("coalescelist", 1, None, coalescelist),
    spec("compact", 1, Some(1), compact),
    spec("concat", 0, None, concat),
    spec("contains", 2, Some(2), contains),
    spec("distinct", 1, Some(1), distinct),
    spec("element", 2, Some(2), element),
    spec("flatten", 1, Some(1), flatten),
    spec("index", 2, Some(2), index),
    spec("keys", 1, Some(1), keys),
    spec("length", 1, Some(1), length),
    spec("lookup", 2, Some(3), lookup),
    spec("matchkeys", 3, Some(3), matchkeys),
    spec("merge", 0, None, merge),
    spec("one", 1, Some(1), one),
    spec("range", 1, Some(3), range),
    spec("reverse", 1, Some(1), reverse),
    spec("setintersection", 1, None, setintersection),
    spec("setproduct", 2, None, setproduct),
    spec("setsubtract", 2, Some(2), setsubtract),
    spec("setunion", 1, None, setunion),
    spec("slice", 3, Some(3), slice),
    spec("sort", 1, Some(1), sort),
    spec("sum", 1, Some(1), sum),
    spec("transpose", 1, Some(1), transpose),
    spec("values", 1, Some(1), values),
    spec("zipmap", 2, Some(2), zipmap),
];

/// Terraform's `range` refuses to build more than this many elements.
const MAX_RANGE: usize = 1024;

fn bools(args: &[Value]) -> FResult<Vec<Option<bool>>> {
    arg_list(args, 0, "list")?
        .iter()
        .map(|v| match v {
            Value::Null => Ok(None),
            v => to_bool(v)
                .map(Some)
                .ok_or_else(|| FuncError::at(0, "invalid value for \"list\": all elements must be bools")),
        })
        .collect()
}

fn alltrue(args: &[Value], _: &FuncContext) -> FResult<Value> {
    // A null element counts as false, as in Terraform.
    Ok(Value::Bool(bools(args)?.iter().all(|b| *b == Some(true))))
}

fn anytrue(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::Bool(bools(args)?.contains(&Some(true))))
}

fn chunklist(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = arg_list(args, 0, "list")?;
    let size = arg_int(args, 1, "size")?;
    if size < 0 {
        return Err(FuncError::at(1, "the size argument must be positive"));
    }
    if list.is_empty() {
        return Ok(Value::List(vec![]));
    }
    // Size zero means "one chunk holding everything", as in Terraform.
    let size = if size == 0 { list.len() } else { usize::try_from(size).unwrap_or(usize::MAX) };
    Ok(Value::List(list.chunks(size).map(|c| Value::List(c.to_vec())).collect()))
}

fn coalesce(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let unified =
        unify(args.to_vec()).map_err(|e| FuncError::new(format!("all arguments must have the same type: {e}")))?;
    unified
        .into_iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .ok_or_else(|| FuncError::new("no non-null, non-empty-string arguments"))
}

fn coalescelist(args: &[Value], _: &FuncContext) -> FResult<Value> {
    for (i, v) in args.iter().enumerate() {
        match v {
            Value::List(items) if items.is_empty() => continue,
            Value::List(_) => return Ok(v.clone()),
            _ => return Err(FuncError::at(i, "coalescelist arguments must be lists or tuples")),
        }
    }
    Err(FuncError::new("no non-null arguments"))
}

fn compact(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = arg_list(args, 0, "list")?;
    let mut out = Vec::new();
    for v in list {
        if v.is_null() {
            continue;
        }
        let s =
            super::to_str(v).ok_or_else(|| FuncError::at(0, "invalid value for \"list\": list of string required"))?;
        if !s.is_empty() {
            out.push(Value::String(s));
        }
    }
    Ok(Value::List(out))
}

fn concat(args: &[Value], _: &FuncContext) -> FResult<Value> {
    if args.is_empty() {
        return Err(FuncError::new("at least one argument is required"));
    }
    let mut out = Vec::new();
    for i in 0..args.len() {
        out.extend(arg_list(args, i, "seqs")?.iter().cloned());
    }
    Ok(Value::List(out))
}

/// The list argument as Terraform's list parameter receives it: its elements brought to one type.
fn typed_list(args: &[Value], i: usize, param: &str) -> FResult<Vec<Value>> {
    unify(arg_list(args, i, param)?.clone())
        .map_err(|e| FuncError::at(i, format!("invalid value for \"{param}\": {e}")))
}

/// The searched value is not converted: `contains([1, 2], "1")` is false, as in Terraform.
fn contains(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = typed_list(args, 0, "list")?;
    let needle = args.get(1).unwrap_or(&Value::Null);
    Ok(Value::Bool(list.iter().any(|v| v == needle)))
}

fn distinct(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in &typed_list(args, 0, "list")? {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out))
}

fn element(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = arg_list(args, 0, "list")?;
    let index = arg_int(args, 1, "index")?;
    if list.is_empty() {
        return Err(FuncError::at(0, "cannot use element function with an empty list"));
    }
    if index < 0 {
        return Err(FuncError::at(1, "cannot use element function with a negative index"));
    }
    // Indexes past the end wrap around, as documented by Terraform.
    let i = (index as u64 % list.len() as u64) as usize;
    Ok(list.get(i).cloned().unwrap_or(Value::Null))
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>) {
    for v in items {
        match v {
            Value::List(inner) => flatten_into(inner, out),
            other => out.push(other.clone()),
        }
    }
}

fn flatten(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let mut out = Vec::new();
    flatten_into(arg_list(args, 0, "list")?, &mut out);
    Ok(Value::List(out))
}

fn index(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = typed_list(args, 0, "list")?;
    let needle = args.get(1).unwrap_or(&Value::Null);
    list.iter().position(|v| v == needle).map(Value::number).ok_or_else(|| FuncError::new("item not found"))
}

fn length(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let n = match args.first() {
        Some(Value::String(s)) => graphemes(s).len(),
        Some(Value::List(items)) => items.len(),
        Some(Value::Object(map)) => map.len(),
        Some(Value::Null) => return Err(FuncError::at(0, "argument must not be null")),
        _ => return Err(FuncError::at(0, "argument must be a string, a collection type, or a structural type")),
    };
    Ok(Value::number(n))
}

fn one(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = arg_list(args, 0, "list")?;
    match list.as_slice() {
        [] => Ok(Value::Null),
        [v] => Ok(v.clone()),
        _ => Err(FuncError::at(0, "must be a list, set, or tuple value with either zero or one elements")),
    }
}

fn range(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let nums: Vec<Number> = (0..args.len())
        .map(|i| arg_number(args, i, ["start", "limit", "step"].get(i).copied().unwrap_or("step")))
        .collect::<FResult<_>>()?;
    let one = |negative: bool| Number::from(if negative { -1 } else { 1 });
    let (start, limit, step) = match nums.as_slice() {
        [limit] => (Number::zero(), limit.clone(), one(limit.is_negative() && !limit.is_zero())),
        [start, limit] => (start.clone(), limit.clone(), one(limit.cmp_value(start).is_lt())),
        [start, limit, step] => (start.clone(), limit.clone(), step.clone()),
        _ => return Err(FuncError::new("range requires one to three arguments")),
    };
    let down = step.signum() < 0;
    if step.is_zero() {
        return Err(FuncError::at(2, "step must not be zero"));
    }
    if down && limit.cmp_value(&start).is_gt() {
        return Err(FuncError::at(2, "step must be positive when start is less than limit"));
    }
    if !down && limit.cmp_value(&start).is_lt() {
        return Err(FuncError::at(2, "step must be negative when start is greater than limit"));
    }
    // Like Terraform, each value is the previous plus the step, in full precision.
    let mut values = Vec::new();
    let mut current = start;
    while if down { current.cmp_value(&limit).is_gt() } else { current.cmp_value(&limit).is_lt() } {
        if values.len() >= MAX_RANGE {
            return Err(FuncError::new(format!(
                "more than {MAX_RANGE} values were generated; either decrease the difference between start and end or use a smaller step"
            )));
        }
        let next = current.add(&step).map_err(|e| FuncError::new(e.to_string()))?;
        values.push(Value::Number(std::mem::replace(&mut current, next)));
    }
    Ok(Value::List(values))
}

fn reverse(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::List(arg_list(args, 0, "list")?.iter().rev().cloned().collect()))
}

fn slice(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = arg_list(args, 0, "list")?;
    let start = arg_int(args, 1, "start_index")?;
    let end = arg_int(args, 2, "end_index")?;
    if start < 0 {
        return Err(FuncError::at(1, "the start index must not be less than zero"));
    }
    if end > list.len() as i64 {
        return Err(FuncError::at(2, "the end index must not be greater than the length of the list"));
    }
    if start > end {
        return Err(FuncError::at(1, "the start index must not be greater than the end index"));
    }
    let picked = list.get(start as usize..end as usize).unwrap_or(&[]);
    Ok(Value::List(picked.to_vec()))
}

fn sort(args: &[Value], _: &FuncContext) -> FResult<Value> {
    // Terraform's sort takes a list of strings, so numbers sort as their text.
    let mut items = arg_str_list(args, 0, "list")?;
    items.sort();
    Ok(Value::List(items.into_iter().map(Value::String).collect()))
}

fn sum(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = arg_list(args, 0, "list")?;
    if list.is_empty() {
        return Err(FuncError::at(0, "cannot sum an empty list"));
    }
    let not_numbers = || FuncError::at(0, "argument must be list, set, or tuple of number values");
    let mut total: Option<Number> = None;
    for v in list {
        let n = to_number(v).ok_or_else(not_numbers)?;
        total = Some(match total {
            None => n,
            Some(t) => t.add(&n).map_err(|e| FuncError::new(e.to_string()))?,
        });
    }
    total.map(Value::Number).ok_or_else(not_numbers)
}
