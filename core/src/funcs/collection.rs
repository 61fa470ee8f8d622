//! Collection functions over lists, sets, tuples, maps and objects.

use super::string::graphemes;
use super::{
    arg_int, arg_list, arg_map, arg_num, arg_str, arg_str_list, loosely_equal, make_set, spec, to_bool, to_num, unify,
    FResult, FuncContext, FuncError, Spec, MAX_ELEMENTS,
};
use crate::value::{Map, Value};

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
            Value::Null => continue,
            Value::List(items) if items.is_empty() => continue,
            Value::List(_) => return Ok(v.clone()),
            _ => return Err(FuncError::at(i, "coalescelist arguments must be lists, sets or tuples")),
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
    let mut out = Vec::new();
    for i in 0..args.len() {
        out.extend(arg_list(args, i, "seqs")?.iter().cloned());
    }
    Ok(Value::List(out))
}

fn contains(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let list = arg_list(args, 0, "list")?;
    let needle = args.get(1).unwrap_or(&Value::Null);
    Ok(Value::Bool(list.iter().any(|v| loosely_equal(v, needle))))
}

fn distinct(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in arg_list(args, 0, "list")? {
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
    let list = arg_list(args, 0, "list")?;
    let needle = args.get(1).unwrap_or(&Value::Null);
    list.iter()
        .position(|v| loosely_equal(v, needle))
        .map(|i| Value::Number(i as f64))
        .ok_or_else(|| FuncError::new("item not found"))
}

fn keys(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::List(arg_map(args, 0, "inputMap")?.keys().map(Value::string).collect()))
}

fn values(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::List(arg_map(args, 0, "mapping")?.values().cloned().collect()))
}

fn length(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let n = match args.first() {
        Some(Value::String(s)) => graphemes(s).len(),
        Some(Value::List(items)) => items.len(),
        Some(Value::Object(map)) => map.len(),
        Some(Value::Null) => return Err(FuncError::at(0, "argument must not be null")),
        _ => return Err(FuncError::at(0, "argument must be a string, a collection type, or a structural type")),
    };
    Ok(Value::Number(n as f64))
}

fn lookup(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let map = arg_map(args, 0, "inputMap")?;
    let key = arg_str(args, 1, "key")?;
    match (map.get(&key), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(FuncError::at(1, format!("lookup failed to find key \"{key}\""))),
    }
}

fn matchkeys(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let values = arg_list(args, 0, "values")?;
    let keys = arg_list(args, 1, "keys")?;
    let search = arg_list(args, 2, "searchset")?;
    if values.len() != keys.len() {
        return Err(FuncError::new("length of keys and values should be equal"));
    }
    let out = values
        .iter()
        .zip(keys)
        .filter(|(_, k)| search.iter().any(|s| loosely_equal(s, k)))
        .map(|(v, _)| v.clone())
        .collect();
    Ok(Value::List(out))
}

fn merge(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let mut out = Map::new();
    for (i, v) in args.iter().enumerate() {
        match v {
            Value::Null => continue,
            Value::Object(map) => out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone()))),
            _ => return Err(FuncError::at(i, "arguments must be maps or objects, got ".to_string() + v.type_name())),
        }
    }
    Ok(Value::Object(out))
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
    let nums: Vec<f64> = (0..args.len())
        .map(|i| arg_num(args, i, ["start", "limit", "step"].get(i).copied().unwrap_or("step")))
        .collect::<FResult<_>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [limit] => (0.0, *limit, if *limit < 0.0 { -1.0 } else { 1.0 }),
        [start, limit] => (*start, *limit, if limit < start { -1.0 } else { 1.0 }),
        [start, limit, step] => (*start, *limit, *step),
        _ => return Err(FuncError::new("range requires one to three arguments")),
    };
    if step == 0.0 {
        return Err(FuncError::at(2, "step must not be zero"));
    }
    if step < 0.0 && limit > start {
        return Err(FuncError::at(2, "step must be positive when start is less than limit"));
    }
    if step > 0.0 && limit < start {
        return Err(FuncError::at(2, "step must be negative when start is greater than limit"));
    }
    let count = ((limit - start) / step).ceil();
    if !count.is_finite() || count > MAX_RANGE as f64 {
        return Err(FuncError::new(format!(
            "more than {MAX_RANGE} values were generated; either decrease the difference between start and end or use a smaller step"
        )));
    }
    let count = count.max(0.0) as usize;
    // Terraform computes in arbitrary precision, so 0.1 * 3 is exactly 0.3 there;
    // rounding to 15 significant digits hides the binary error the same way.
    let tidy = |x: f64| format!("{x:.14e}").parse::<f64>().unwrap_or(x);
    Ok(Value::List((0..count).map(|i| Value::Number(tidy(start + step * i as f64))).collect()))
}

fn reverse(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::List(arg_list(args, 0, "list")?.iter().rev().cloned().collect()))
}

fn sets(args: &[Value]) -> FResult<Vec<Vec<Value>>> {
    (0..args.len())
        .map(|i| {
            let items = arg_list(args, i, "sets")?.clone();
            Ok(make_set(unify(items).map_err(|e| FuncError::at(i, e))?))
        })
        .collect()
}

fn setintersection(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let mut all = sets(args)?.into_iter();
    let first = all.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = all.collect();
    let out = first.into_iter().filter(|v| rest.iter().all(|s| s.iter().any(|w| loosely_equal(v, w)))).collect();
    Ok(Value::List(make_set(out)))
}

fn setsubtract(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let all = sets(args)?;
    let (a, b) = match all.as_slice() {
        [a, b] => (a, b),
        _ => return Err(FuncError::new("setsubtract requires two sets")),
    };
    let out = a.iter().filter(|v| !b.iter().any(|w| loosely_equal(v, w))).cloned().collect();
    Ok(Value::List(make_set(out)))
}

fn setunion(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let all: Vec<Value> = sets(args)?.into_iter().flatten().collect();
    let all = unify(all).map_err(FuncError::new)?;
    Ok(Value::List(make_set(all)))
}

fn setproduct(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let lists: Vec<&Vec<Value>> = (0..args.len()).map(|i| arg_list(args, i, "sets")).collect::<FResult<_>>()?;
    let total = lists.iter().try_fold(1usize, |acc, l| acc.checked_mul(l.len()));
    match total {
        Some(t) if t <= MAX_ELEMENTS => {}
        _ => return Err(FuncError::new(format!("the product would have more than {MAX_ELEMENTS} elements"))),
    }
    let mut out: Vec<Vec<Value>> = vec![vec![]];
    for list in lists {
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
    let mut total = 0.0;
    for v in list {
        total += to_num(v).ok_or_else(|| FuncError::at(0, "argument must be list, set, or tuple of number values"))?;
    }
    Ok(Value::Number(total))
}

fn transpose(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let map = arg_map(args, 0, "values")?;
    let mut out: std::collections::BTreeMap<String, Vec<Value>> = std::collections::BTreeMap::new();
    for (key, list) in map {
        let items = list
            .as_list()
            .ok_or_else(|| FuncError::at(0, "invalid value for \"values\": map of lists of strings required"))?;
        for item in items {
            let s = super::to_str(item)
                .ok_or_else(|| FuncError::at(0, "invalid value for \"values\": map of lists of strings required"))?;
            out.entry(s).or_default().push(Value::string(key.clone()));
        }
    }
    Ok(Value::Object(out.into_iter().map(|(k, v)| (k, Value::List(v))).collect()))
}

fn zipmap(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let keys = arg_str_list(args, 0, "keys")?;
    let values = arg_list(args, 1, "values")?;
    if keys.len() != values.len() {
        return Err(FuncError::new(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    Ok(Value::Object(keys.into_iter().zip(values.iter().cloned()).collect()))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::value::Value;

    #[test]
    fn alltrue_anytrue() {
        assert_eq!(call_ok("alltrue", vec![l(vec![s("true"), b(true)])]), b(true));
        assert_eq!(call_ok("alltrue", vec![l(vec![b(true), b(false)])]), b(false));
        assert_eq!(call_ok("alltrue", vec![l(vec![])]), b(true));
        assert_eq!(call_ok("alltrue", vec![l(vec![b(true), Value::Null])]), b(false));
        assert_eq!(call_ok("anytrue", vec![l(vec![s("true")])]), b(true));
        assert_eq!(call_ok("anytrue", vec![l(vec![b(true), b(false)])]), b(true));
        assert_eq!(call_ok("anytrue", vec![l(vec![])]), b(false));
        assert_eq!(call_err("anytrue", vec![l(vec![n(1.0)])]).arg, Some(0));
    }

    #[test]
    fn chunklist_examples() {
        let abcde = sl(&["a", "b", "c", "d", "e"]);
        assert_eq!(
            call_ok("chunklist", vec![abcde.clone(), n(2.0)]),
            l(vec![sl(&["a", "b"]), sl(&["c", "d"]), sl(&["e"])])
        );
        assert_eq!(
            call_ok("chunklist", vec![abcde.clone(), n(1.0)]),
            l(vec![sl(&["a"]), sl(&["b"]), sl(&["c"]), sl(&["d"]), sl(&["e"])])
        );
        assert_eq!(call_ok("chunklist", vec![abcde.clone(), n(0.0)]), l(vec![abcde.clone()]));
        assert_eq!(call_err("chunklist", vec![abcde, n(-1.0)]).arg, Some(1));
    }

    #[test]
    fn coalesce_examples() {
        assert_eq!(call_ok("coalesce", vec![s("a"), s("b")]), s("a"));
        assert_eq!(call_ok("coalesce", vec![s(""), s("b")]), s("b"));
        assert_eq!(call_ok("coalesce", vec![n(1.0), n(2.0)]), n(1.0));
        assert_eq!(call_ok("coalesce", vec![Value::Null, n(1.0), s("hello")]), s("1"));
        assert_eq!(call_err("coalesce", vec![Value::Null, s("")]).message, "no non-null, non-empty-string arguments");
    }

    #[test]
    fn coalescelist_examples() {
        assert_eq!(call_ok("coalescelist", vec![sl(&["a", "b"]), sl(&["c", "d"])]), sl(&["a", "b"]));
        assert_eq!(call_ok("coalescelist", vec![l(vec![]), sl(&["c", "d"])]), sl(&["c", "d"]));
        assert!(call_err("coalescelist", vec![l(vec![]), l(vec![])]).message.contains("no non-null"));
        assert_eq!(call_err("coalescelist", vec![l(vec![]), s("x")]).arg, Some(1));
    }

    #[test]
    fn compact_concat() {
        assert_eq!(call_ok("compact", vec![l(vec![s("a"), s(""), s("b"), Value::Null, s("c")])]), sl(&["a", "b", "c"]));
        assert_eq!(call_ok("concat", vec![sl(&["a", ""]), sl(&["b", "c"])]), sl(&["a", "", "b", "c"]));
        assert_eq!(call_ok("concat", vec![]), l(vec![]));
        assert_eq!(call_err("concat", vec![sl(&["a"]), s("b")]).arg, Some(1));
    }

    #[test]
    fn contains_distinct() {
        assert_eq!(call_ok("contains", vec![sl(&["a", "b", "c"]), s("a")]), b(true));
        assert_eq!(call_ok("contains", vec![sl(&["a", "b", "c"]), s("d")]), b(false));
        assert_eq!(call_ok("contains", vec![nl(&[1.0, 2.0]), s("2")]), b(true));
        assert_eq!(call_ok("distinct", vec![sl(&["a", "b", "a", "c", "d", "b"])]), sl(&["a", "b", "c", "d"]));
        assert_eq!(call_err("distinct", vec![s("a")]).arg, Some(0));
    }

    #[test]
    fn element_examples() {
        let abc = sl(&["a", "b", "c"]);
        assert_eq!(call_ok("element", vec![abc.clone(), n(1.0)]), s("b"));
        assert_eq!(call_ok("element", vec![abc.clone(), n(3.0)]), s("a"));
        assert_eq!(call_ok("element", vec![abc.clone(), n(2.0)]), s("c"));
        assert_eq!(call_err("element", vec![abc, n(-1.0)]).arg, Some(1));
        assert!(call_err("element", vec![l(vec![]), n(0.0)]).message.contains("empty list"));
    }

    #[test]
    fn flatten_examples() {
        assert_eq!(call_ok("flatten", vec![l(vec![sl(&["a", "b"]), l(vec![]), sl(&["c"])])]), sl(&["a", "b", "c"]));
        assert_eq!(
            call_ok("flatten", vec![l(vec![l(vec![sl(&["a", "b"]), l(vec![])]), sl(&["c"])])]),
            sl(&["a", "b", "c"])
        );
    }

    #[test]
    fn index_examples() {
        assert_eq!(call_ok("index", vec![sl(&["a", "b", "c"]), s("b")]), n(1.0));
        assert_eq!(call_err("index", vec![sl(&["a", "b", "c"]), s("z")]).message, "item not found");
    }

    #[test]
    fn keys_values() {
        let m = o(&[("a", n(1.0)), ("c", n(2.0)), ("d", n(3.0))]);
        assert_eq!(call_ok("keys", vec![m]), sl(&["a", "c", "d"]));
        let m = o(&[("a", n(3.0)), ("c", n(2.0)), ("d", n(1.0))]);
        assert_eq!(call_ok("values", vec![m]), nl(&[3.0, 2.0, 1.0]));
        assert_eq!(call_err("keys", vec![sl(&["a"])]).arg, Some(0));
    }

    #[test]
    fn length_examples() {
        assert_eq!(call_ok("length", vec![l(vec![])]), n(0.0));
        assert_eq!(call_ok("length", vec![sl(&["a", "b"])]), n(2.0));
        assert_eq!(call_ok("length", vec![o(&[("a", s("b"))])]), n(1.0));
        assert_eq!(call_ok("length", vec![s("hello")]), n(5.0));
        assert_eq!(call_ok("length", vec![s("👾🕹️")]), n(2.0));
        assert_eq!(call_err("length", vec![n(5.0)]).arg, Some(0));
    }

    #[test]
    fn lookup_examples() {
        let m = o(&[("a", s("ay")), ("b", s("bee"))]);
        assert_eq!(call_ok("lookup", vec![m.clone(), s("a"), s("what?")]), s("ay"));
        assert_eq!(call_ok("lookup", vec![m.clone(), s("c"), s("what?")]), s("what?"));
        assert_eq!(call_ok("lookup", vec![m.clone(), s("b")]), s("bee"));
        assert_eq!(call_err("lookup", vec![m, s("c")]).message, "lookup failed to find key \"c\"");
    }

    #[test]
    fn matchkeys_examples() {
        assert_eq!(
            call_ok(
                "matchkeys",
                vec![sl(&["i-123", "i-abc", "i-def"]), sl(&["us-west", "us-east", "us-east"]), sl(&["us-east"])]
            ),
            sl(&["i-abc", "i-def"])
        );
        assert!(call_err("matchkeys", vec![sl(&["a"]), sl(&[]), sl(&[])]).message.contains("should be equal"));
    }

    #[test]
    fn merge_examples() {
        assert_eq!(
            call_ok("merge", vec![o(&[("a", s("b")), ("c", s("d"))]), o(&[("e", s("f")), ("c", s("z"))])]),
            o(&[("a", s("b")), ("c", s("z")), ("e", s("f"))])
        );
        assert_eq!(
            call_ok("merge", vec![o(&[("a", s("b"))]), Value::Null, o(&[("e", s("f"))])]),
            o(&[("a", s("b")), ("e", s("f"))])
        );
        assert_eq!(call_err("merge", vec![o(&[]), sl(&[])]).arg, Some(1));
    }

    #[test]
    fn one_examples() {
        assert_eq!(call_ok("one", vec![l(vec![])]), Value::Null);
        assert_eq!(call_ok("one", vec![sl(&["hello"])]), s("hello"));
        assert!(call_err("one", vec![sl(&["hello", "goodbye"])]).message.contains("zero or one"));
    }

    #[test]
    fn range_examples() {
        assert_eq!(call_ok("range", vec![n(3.0)]), nl(&[0.0, 1.0, 2.0]));
        assert_eq!(call_ok("range", vec![n(1.0), n(4.0)]), nl(&[1.0, 2.0, 3.0]));
        assert_eq!(call_ok("range", vec![n(1.0), n(8.0), n(2.0)]), nl(&[1.0, 3.0, 5.0, 7.0]));
        assert_eq!(call_ok("range", vec![n(1.0), n(4.0), n(0.5)]), nl(&[1.0, 1.5, 2.0, 2.5, 3.0, 3.5]));
        assert_eq!(call_ok("range", vec![n(4.0), n(1.0)]), nl(&[4.0, 3.0, 2.0]));
        assert_eq!(call_ok("range", vec![n(10.0), n(5.0), n(-2.0)]), nl(&[10.0, 8.0, 6.0]));
        assert_eq!(call_ok("range", vec![n(0.0)]), nl(&[]));
        assert_eq!(call_ok("range", vec![n(0.0), n(0.5), n(0.1)]), nl(&[0.0, 0.1, 0.2, 0.3, 0.4]));
        assert!(call_err("range", vec![n(1.0), n(4.0), n(0.0)]).message.contains("zero"));
        assert!(call_err("range", vec![n(1.0), n(4.0), n(-1.0)]).message.contains("positive"));
        assert!(call_err("range", vec![n(1_000_000.0)]).message.contains("more than 1024"));
        assert!(call_err("range", vec![n(0.0), n(1.0), n(1e-300)]).message.contains("more than 1024"));
    }

    #[test]
    fn reverse_example() {
        assert_eq!(call_ok("reverse", vec![nl(&[1.0, 2.0, 3.0])]), nl(&[3.0, 2.0, 1.0]));
    }

    #[test]
    fn set_functions() {
        assert_eq!(call_ok("setintersection", vec![sl(&["a", "b"]), sl(&["b", "c"]), sl(&["b", "d"])]), sl(&["b"]));
        assert_eq!(call_ok("setsubtract", vec![sl(&["a", "b", "c"]), sl(&["a", "c"])]), sl(&["b"]));
        assert_eq!(call_ok("setunion", vec![sl(&["a", "b"]), sl(&["b", "c"]), sl(&["d"])]), sl(&["a", "b", "c", "d"]));
        assert_eq!(call_ok("setunion", vec![sl(&["b", "a"]), l(vec![n(1.0)])]), sl(&["1", "a", "b"]));
        assert_eq!(call_err("setsubtract", vec![sl(&["a"]), s("a")]).arg, Some(1));
    }

    #[test]
    fn setproduct_examples() {
        assert_eq!(
            call_ok("setproduct", vec![sl(&["development", "staging", "production"]), sl(&["app1", "app2"])]),
            l(vec![
                sl(&["development", "app1"]),
                sl(&["development", "app2"]),
                sl(&["staging", "app1"]),
                sl(&["staging", "app2"]),
                sl(&["production", "app1"]),
                sl(&["production", "app2"]),
            ])
        );
        assert_eq!(call_ok("setproduct", vec![sl(&["a"]), sl(&[])]), l(vec![]));
        let big = l((0..1000).map(|i| n(f64::from(i))).collect());
        assert!(call_err("setproduct", vec![big.clone(), big.clone(), big]).message.contains("more than"));
    }

    #[test]
    fn slice_examples() {
        assert_eq!(call_ok("slice", vec![sl(&["a", "b", "c", "d"]), n(1.0), n(3.0)]), sl(&["b", "c"]));
        assert_eq!(call_err("slice", vec![sl(&["a"]), n(0.0), n(2.0)]).arg, Some(2));
        assert_eq!(call_err("slice", vec![sl(&["a", "b"]), n(2.0), n(1.0)]).arg, Some(1));
    }

    #[test]
    fn sort_examples() {
        assert_eq!(call_ok("sort", vec![sl(&["e", "d", "a", "x"])]), sl(&["a", "d", "e", "x"]));
        assert_eq!(call_ok("sort", vec![nl(&[10.0, 9.0])]), sl(&["10", "9"]));
        assert_eq!(call_err("sort", vec![l(vec![Value::Null])]).arg, Some(0));
    }

    #[test]
    fn sum_examples() {
        assert_eq!(call_ok("sum", vec![nl(&[10.0, 13.0, 6.0, 4.5])]), n(33.5));
        assert_eq!(call_err("sum", vec![l(vec![])]).message, "cannot sum an empty list");
        assert_eq!(call_err("sum", vec![sl(&["x"])]).arg, Some(0));
    }

    #[test]
    fn transpose_example() {
        assert_eq!(
            call_ok("transpose", vec![o(&[("a", sl(&["1", "2"])), ("b", sl(&["2", "3"]))])]),
            o(&[("1", sl(&["a"])), ("2", sl(&["a", "b"])), ("3", sl(&["b"]))])
        );
        assert_eq!(call_err("transpose", vec![o(&[("a", s("1"))])]).arg, Some(0));
    }

    #[test]
    fn zipmap_examples() {
        assert_eq!(call_ok("zipmap", vec![sl(&["a", "b"]), nl(&[1.0, 2.0])]), o(&[("a", n(1.0)), ("b", n(2.0))]));
        assert_eq!(
            call_ok("zipmap", vec![sl(&["a", "b"]), l(vec![sl(&["x"]), sl(&["y"])])]),
            o(&[("a", sl(&["x"])), ("b", sl(&["y"]))])
        );
        assert!(call_err("zipmap", vec![sl(&["a"]), nl(&[])]).message.contains("does not match"));
    }
}
