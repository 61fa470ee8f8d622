//! Collection functions on maps and objects, whose elements are found by key rather than by
//! position.

use crate::funcs::{
    arg_list, arg_map, arg_str, arg_str_list, echo, loosely_equal, to_str, FResult, FuncContext, FuncError,
};
use crate::value::{quote, Map, Value};

pub(super) fn keys(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::List(arg_map(args, 0, "inputMap")?.keys().map(Value::string).collect()))
}

pub(super) fn values(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::List(arg_map(args, 0, "mapping")?.values().cloned().collect()))
}

pub(super) fn lookup(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let map = arg_map(args, 0, "inputMap")?;
    let key = arg_str(args, 1, "key")?;
    match (map.get(&key), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(FuncError::at(1, format!("lookup failed to find key {}", echo(quote(&key))))),
    }
}

pub(super) fn matchkeys(args: &[Value], _: &FuncContext) -> FResult<Value> {
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

pub(super) fn merge(args: &[Value], _: &FuncContext) -> FResult<Value> {
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

pub(super) fn transpose(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let map = arg_map(args, 0, "values")?;
    let mut out: std::collections::BTreeMap<String, Vec<Value>> = std::collections::BTreeMap::new();
    for (key, list) in map {
        let items = list
            .as_list()
            .ok_or_else(|| FuncError::at(0, "invalid value for \"values\": map of lists of strings required"))?;
        for item in items {
            let s = to_str(item)
                .ok_or_else(|| FuncError::at(0, "invalid value for \"values\": map of lists of strings required"))?;
            out.entry(s).or_default().push(Value::string(key.clone()));
        }
    }
    Ok(Value::Object(out.into_iter().map(|(k, v)| (k, Value::List(v))).collect()))
}

pub(super) fn zipmap(args: &[Value], _: &FuncContext) -> FResult<Value> {
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
