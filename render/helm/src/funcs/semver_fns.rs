//! `semver` and `semverCompare` with Masterminds/semver v3 rules: loose versions
//! (`v1.2`), `||` and `,`/space-separated constraints, `~`, `^`, x-ranges, hyphen
//! ranges, and prerelease versions matching only prerelease-aware constraints.

use std::cmp::Ordering;
use std::rc::Rc;

use super::{str_arg, want, FuncMap};
use crate::value::{Object, Value};

pub fn register(m: &mut FuncMap) {
    m.insert("semver", |_, a| {
        want(a, 1, "semver")?;
        let s = str_arg(a, 0)?;
        let v = Version::parse(&s)?;
        Ok(Value::Object(Rc::new(v)))
    });
    m.insert("semverCompare", |_, a| {
        want(a, 2, "semverCompare")?;
        let (c, v) = (str_arg(a, 0)?, str_arg(a, 1)?);
        Ok(Value::Bool(semver_compare(&c, &v)?))
    });
}

/// Checks `version` against a Masterminds constraint string.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let v = Version::parse(version)?;
    for group in constraint.split("||") {
        let mut ok = true;
        let mut any = false;
        for c in split_and(group)? {
            any = true;
            if !c.check(&v) {
                ok = false;
                break;
            }
        }
        if ok && any {
            return Ok(true);
        }
    }
    Ok(false)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub meta: String,
    pub original: String,
}

impl Version {
    pub fn parse(s: &str) -> Result<Version, String> {
        let (v, _) = parse_partial(s.trim()).ok_or_else(|| "Invalid Semantic Version".to_string())?;
        Ok(v)
    }

    fn cmp_precedence(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch)).then_with(|| cmp_pre(&self.pre, &o.pre))
    }
}

fn cmp_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

/// Parses a possibly partial version; the count says how many numeric parts were
/// given (wildcards `x`/`X`/`*` end the count).
fn parse_partial(s: &str) -> Option<(Version, usize)> {
    let original = s.to_string();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let (s, meta) = match s.split_once('+') {
        Some((a, b)) => (a, b.to_string()),
        None => (s, String::new()),
    };
    let (nums, pre) = match s.split_once('-') {
        Some((a, b)) => (a, b.to_string()),
        None => (s, String::new()),
    };
    let mut parts = [0u64; 3];
    let mut given = 0;
    let split: Vec<&str> = nums.split('.').collect();
    if split.len() > 3 || nums.is_empty() {
        return None;
    }
    for (i, p) in split.iter().enumerate() {
        if matches!(*p, "x" | "X" | "*") {
            break;
        }
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        parts[i] = p.parse().ok()?;
        given = i + 1;
    }
    Some((Version { major: parts[0], minor: parts[1], patch: parts[2], pre, meta, original }, given))
}

struct Constraint {
    op: String,
    v: Version,
    given: usize,
}

fn split_and(group: &str) -> Result<Vec<Constraint>, String> {
    let g = group.trim();
    // Hyphen range: "1.2 - 1.4.5".
    if let Some((lo, hi)) = g.split_once(" - ") {
        let mut out = parse_one(&format!(">={}", lo.trim()))?;
        out.extend(parse_one(&format!("<={}", hi.trim()))?);
        return Ok(out);
    }
    // Operators may be separated from versions by spaces (">= 1.2"): glue them.
    let mut tokens: Vec<String> = Vec::new();
    for t in g.split([',', ' ']).filter(|t| !t.is_empty()) {
        match tokens.last_mut() {
            Some(last) if last.chars().all(|c| "=<>!~^".contains(c)) => last.push_str(t),
            _ => tokens.push(t.to_string()),
        }
    }
    let mut out = Vec::new();
    for t in tokens {
        out.extend(parse_one(&t)?);
    }
    Ok(out)
}

fn parse_one(t: &str) -> Result<Vec<Constraint>, String> {
    let op_len = t.find(|c: char| !"=<>!~^".contains(c)).unwrap_or(t.len());
    let (op, ver) = t.split_at(op_len);
    let (v, given) = parse_partial(ver.trim()).ok_or_else(|| format!("improper constraint: {t}"))?;
    let op = match op {
        "" | "==" => "=",
        "=>" => ">=",
        "=<" => "<=",
        "~>" => "~",
        o => o,
    };
    Ok(vec![Constraint { op: op.to_string(), v, given }])
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        // A prerelease version only satisfies constraints that mention one.
        if !v.pre.is_empty() && self.v.pre.is_empty() {
            return false;
        }
        let c = &self.v;
        let upper = |level: usize| -> Version {
            let mut u = Version {
                major: c.major,
                minor: c.minor,
                patch: 0,
                pre: String::new(),
                meta: String::new(),
                original: String::new(),
            };
            match level {
                0 => {
                    u.major += 1;
                    u.minor = 0;
                }
                1 => u.minor += 1,
                _ => {
                    u.patch = c.patch + 1;
                }
            }
            u
        };
        let ge = v.cmp_precedence(c) != Ordering::Less;
        let lt_upper = |lvl: usize| v.cmp_precedence(&upper(lvl)) == Ordering::Less;
        match self.op.as_str() {
            "=" => match self.given {
                0 => true,
                1 => ge && lt_upper(0),
                2 => ge && lt_upper(1),
                _ => v.cmp_precedence(c) == Ordering::Equal,
            },
            "!=" => match self.given {
                0 => false,
                1 => !(ge && lt_upper(0)),
                2 => !(ge && lt_upper(1)),
                _ => v.cmp_precedence(c) != Ordering::Equal,
            },
            ">" => match self.given {
                0 => false,
                1 => v.major > c.major,
                2 => (v.major, v.minor) > (c.major, c.minor),
                _ => v.cmp_precedence(c) == Ordering::Greater,
            },
            "<" => v.cmp_precedence(c) == Ordering::Less,
            ">=" => ge,
            "<=" => match self.given {
                0 => true,
                1 => (v.major) <= c.major,
                2 => (v.major, v.minor) <= (c.major, c.minor),
                _ => v.cmp_precedence(c) != Ordering::Greater,
            },
            "~" => ge && lt_upper(if self.given <= 1 { 0 } else { 1 }),
            "^" => {
                let lvl = if c.major > 0 || self.given <= 1 {
                    0
                } else if c.minor > 0 || self.given == 2 {
                    1
                } else {
                    2
                };
                ge && lt_upper(lvl)
            }
            _ => false,
        }
    }
}

impl Object for Version {
    fn type_name(&self) -> &str {
        "*semver.Version"
    }
    fn member(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match name {
            "Major" => Value::Int(self.major as i64),
            "Minor" => Value::Int(self.minor as i64),
            "Patch" => Value::Int(self.patch as i64),
            "Prerelease" => Value::str(self.pre.as_str()),
            "Metadata" => Value::str(self.meta.as_str()),
            "Original" => Value::str(self.original.as_str()),
            "String" => Value::str(self.display()),
            _ => return None,
        }))
    }
    fn display(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.meta.is_empty() {
            s.push('+');
            s.push_str(&self.meta);
        }
        s
    }
    fn to_data(&self) -> Value {
        Value::str(self.display())
    }
}
