//! `--set` style assignments (Helm's strvals): `a.b[0].c=v,x={1,2}`, `\`-escaped
//! separators, and Helm's typing (`true`/`false`/`null`/integers; `--set-string`
//! keeps text; `--set-literal` takes the rest verbatim; `--set-json` parses JSON).

use serde_json::{Map, Value as J};

/// How a `set` value is typed (the Terraform helm provider's `type` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetKind {
    /// `--set`: booleans, null and integers are inferred.
    #[default]
    Auto,
    /// `--set-string`.
    String,
    /// `--set-literal`: the value is taken verbatim, commas and all.
    Literal,
    /// `--set-json`.
    Json,
}

/// One `set` entry: `name` is the dotted path, `value` its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetValue {
    pub name: String,
    pub value: String,
    pub kind: SetKind,
}

impl SetValue {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> SetValue {
        SetValue { name: name.into(), value: value.into(), kind: SetKind::Auto }
    }
    pub fn with_kind(mut self, kind: SetKind) -> SetValue {
        self.kind = kind;
        self
    }
}

const MAX_INDEX: usize = 65536;
const MAX_NESTING: usize = 30;

/// Applies `set` to `dest`, as `helm template --set name=value` would.
pub fn apply_set(dest: &mut Map<String, J>, set: &SetValue) -> Result<(), String> {
    let line = format!("{}={}", set.name, set.value);
    match set.kind {
        SetKind::Auto => parse_into(&line, dest, false),
        SetKind::String => parse_into(&line, dest, true),
        SetKind::Literal => {
            let path = split_path(&set.name)?;
            put_path(dest, &path, J::String(set.value.clone()))
        }
        SetKind::Json => {
            let v: J =
                serde_json::from_str(&set.value).map_err(|e| format!("failed parsing --set-json data {line}: {e}"))?;
            let path = split_path(&set.name)?;
            // Helm decodes --set-json with encoding/json: numbers are float64.
            put_path(dest, &path, super::floatify(v))
        }
    }
}

/// Places `value` at a `--set`-style path (`a.b[0].c`, `a\.b`) unchanged; a map
/// lands merged into a map already there.
pub fn set_path(dest: &mut Map<String, J>, path: &str, value: J) -> Result<(), String> {
    let p = split_path(path)?;
    let mut wrapper = Map::new();
    put_path(&mut wrapper, &p, value)?;
    super::merge_maps(dest, wrapper);
    Ok(())
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Parses one `--set` argument (comma-separated assignments) into `dest`.
pub fn parse_into(s: &str, dest: &mut Map<String, J>, as_string: bool) -> Result<(), String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // Path up to '='.
        let mut path = Vec::new();
        let mut key = String::new();
        loop {
            let Some(&c) = chars.get(i) else {
                if path.is_empty() && key.is_empty() {
                    return Ok(());
                }
                return Err(format!("key {:?} has no value", render_key(&path, &key)));
            };
            i += 1;
            match c {
                '\\' => {
                    if let Some(&n) = chars.get(i) {
                        key.push(n);
                        i += 1;
                    }
                }
                '.' => {
                    if !key.is_empty() {
                        path.push(Seg::Key(std::mem::take(&mut key)));
                    }
                }
                '[' => {
                    if !key.is_empty() {
                        path.push(Seg::Key(std::mem::take(&mut key)));
                    }
                    let close = chars[i..]
                        .iter()
                        .position(|c| *c == ']')
                        .ok_or_else(|| format!("key {:?} has no closing bracket", render_key(&path, "")))?;
                    let idx: String = chars[i..i + close].iter().collect();
                    i += close + 1;
                    let n: i64 = idx.parse().map_err(|_| format!("failed to parse index: {idx:?}"))?;
                    if n < 0 {
                        return Err(format!("negative {n} index not allowed"));
                    }
                    if n as usize > MAX_INDEX {
                        return Err(format!("index of {n} is greater than maximum supported index of {MAX_INDEX}"));
                    }
                    path.push(Seg::Index(n as usize));
                }
                ',' => return Err(format!("key {:?} has no value (cannot end with ,)", render_key(&path, &key))),
                '=' => {
                    if !key.is_empty() {
                        path.push(Seg::Key(std::mem::take(&mut key)));
                    }
                    break;
                }
                c => key.push(c),
            }
        }
        if path.is_empty() {
            return Err("key has no name".into());
        }
        if path.len() > MAX_NESTING {
            return Err(format!(
                "value name nested level is greater than maximum supported nested level of {MAX_NESTING}"
            ));
        }
        // Value: a {list} or text up to an unescaped ','.
        let value = if chars.get(i) == Some(&'{') {
            i += 1;
            let mut items = Vec::new();
            let mut cur = String::new();
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err(format!("list for {:?} has no closing brace", render_key(&path, "")));
                };
                i += 1;
                match c {
                    '\\' => {
                        if let Some(&n) = chars.get(i) {
                            cur.push(n);
                            i += 1;
                        }
                    }
                    ',' => items.push(typed(&std::mem::take(&mut cur), as_string)),
                    '}' => {
                        items.push(typed(&cur, as_string));
                        break;
                    }
                    c => cur.push(c),
                }
            }
            if chars.get(i) == Some(&',') {
                i += 1;
            }
            J::Array(items)
        } else {
            let mut cur = String::new();
            while let Some(&c) = chars.get(i) {
                i += 1;
                match c {
                    '\\' => {
                        if let Some(&n) = chars.get(i) {
                            cur.push(n);
                            i += 1;
                        }
                    }
                    ',' => break,
                    c => cur.push(c),
                }
            }
            typed(&cur, as_string)
        };
        put_path(dest, &path, value)?;
    }
    Ok(())
}

fn render_key(path: &[Seg], last: &str) -> String {
    let mut s = String::new();
    for p in path {
        match p {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if !last.is_empty() {
        if !s.is_empty() {
            s.push('.');
        }
        s.push_str(last);
    }
    s
}

fn split_path(name: &str) -> Result<Vec<Seg>, String> {
    let mut m = Map::new();
    // Reuse the assignment parser for the path, then read the path back.
    parse_into(&format!("{name}=x"), &mut m, true)?;
    let mut path = Vec::new();
    let mut cur = J::Object(m);
    loop {
        match cur {
            J::Object(o) => {
                let Some((k, v)) = o.into_iter().next() else { break };
                path.push(Seg::Key(k));
                cur = v;
            }
            J::Array(a) => {
                let n = a.len() - 1;
                path.push(Seg::Index(n));
                cur = a.into_iter().last().unwrap_or(J::Null);
            }
            _ => break,
        }
    }
    Ok(path)
}

/// Helm's `typedVal`.
fn typed(v: &str, as_string: bool) -> J {
    if as_string {
        return J::String(v.to_string());
    }
    if v.eq_ignore_ascii_case("true") {
        return J::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return J::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return J::Null;
    }
    if v == "0" {
        return J::from(0i64);
    }
    if !v.is_empty() && !v.starts_with('0') {
        if let Ok(i) = v.parse::<i64>() {
            return J::from(i);
        }
    }
    J::String(v.to_string())
}

fn put_path(dest: &mut Map<String, J>, path: &[Seg], value: J) -> Result<(), String> {
    let Some(Seg::Key(first)) = path.first() else {
        return Err("a set path must start with a key".into());
    };
    if path.len() == 1 {
        dest.insert(first.clone(), value);
        return Ok(());
    }
    let slot = dest.entry(first.clone()).or_insert(J::Null);
    put_into(slot, &path[1..], value)
}

fn put_into(slot: &mut J, path: &[Seg], value: J) -> Result<(), String> {
    let Some(seg) = path.first() else {
        *slot = value;
        return Ok(());
    };
    match seg {
        Seg::Key(k) => {
            if !slot.is_object() {
                *slot = J::Object(Map::new());
            }
            let J::Object(o) = slot else { unreachable!() };
            let child = o.entry(k.clone()).or_insert(J::Null);
            put_into(child, &path[1..], value)
        }
        Seg::Index(i) => {
            if !slot.is_array() {
                *slot = J::Array(Vec::new());
            }
            let J::Array(a) = slot else { unreachable!() };
            while a.len() <= *i {
                a.push(J::Null);
            }
            put_into(&mut a[*i], &path[1..], value)
        }
    }
}
