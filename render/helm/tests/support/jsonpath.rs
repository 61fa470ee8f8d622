//! The path syntax helm-unittest asserts use: `a.b[0].c`, `[*]`, `[-1]`,
//! `["k.with.dots"]`, `['k']`, `a\.b`, and simple `[?(@.k == "v")]` filters.

use serde_json::Value as J;

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(i64),
    All,
    Filter(String, J),
}

fn parse(path: &str) -> Result<Vec<Seg>, String> {
    let c: Vec<char> = path.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut key = String::new();
    let flush = |key: &mut String, out: &mut Vec<Seg>| {
        if !key.is_empty() {
            out.push(Seg::Key(std::mem::take(key)));
        }
    };
    if c.first() == Some(&'$') {
        i = 1;
    }
    while i < c.len() {
        match c[i] {
            '\\' if i + 1 < c.len() => {
                key.push(c[i + 1]);
                i += 2;
            }
            '.' => {
                flush(&mut key, &mut out);
                i += 1;
            }
            '[' => {
                flush(&mut key, &mut out);
                let end =
                    c[i..].iter().position(|x| *x == ']').ok_or_else(|| format!("unclosed [ in path {path:?}"))? + i;
                let inner: String = c[i + 1..end].iter().collect();
                let inner = inner.trim();
                if inner == "*" {
                    out.push(Seg::All);
                } else if let Some(f) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
                    let (l, r) = f.split_once("==").ok_or_else(|| format!("unsupported filter {f:?}"))?;
                    let field = l.trim().trim_start_matches("@.").to_string();
                    let r = r.trim();
                    let v = if (r.starts_with('"') && r.ends_with('"')) || (r.starts_with('\'') && r.ends_with('\'')) {
                        J::String(r[1..r.len() - 1].to_string())
                    } else {
                        serde_json::from_str(r).unwrap_or(J::String(r.to_string()))
                    };
                    out.push(Seg::Filter(field, v));
                } else if (inner.starts_with('"') && inner.ends_with('"'))
                    || (inner.starts_with('\'') && inner.ends_with('\''))
                {
                    out.push(Seg::Key(inner[1..inner.len() - 1].to_string()));
                } else {
                    let n: i64 = inner.parse().map_err(|_| format!("bad index {inner:?} in {path:?}"))?;
                    out.push(Seg::Index(n));
                }
                i = end + 1;
            }
            ch => {
                key.push(ch);
                i += 1;
            }
        }
    }
    flush(&mut key, &mut out);
    Ok(out)
}

/// Every value the path selects in `doc` (empty when nothing matches).
pub fn select<'a>(doc: &'a J, path: &str) -> Result<Vec<&'a J>, String> {
    let segs = parse(path)?;
    let mut cur = vec![doc];
    for s in &segs {
        let mut next = Vec::new();
        for v in cur {
            match (s, v) {
                (Seg::Key(k), J::Object(m)) => next.extend(m.get(k)),
                (Seg::Index(i), J::Array(a)) => {
                    let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                    if idx >= 0 {
                        next.extend(a.get(idx as usize));
                    }
                }
                (Seg::All, J::Array(a)) => next.extend(a.iter()),
                (Seg::All, J::Object(m)) => next.extend(m.values()),
                (Seg::Filter(f, want), J::Array(a)) => next.extend(a.iter().filter(|x| {
                    select(x, f)
                        .ok()
                        .and_then(|v| v.first().copied())
                        .is_some_and(|g| crate::support::unittest::values_equal(g, want))
                })),
                _ => {}
            }
        }
        cur = next;
    }
    Ok(cur)
}
