//! Defaults and flow (`default`, `empty`, `coalesce`, `ternary`, `fail`, `required`),
//! Helm's `include`/`tpl`/`lookup`, type reflection, paths, and random values.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::convert::{is_empty, to_string};
use super::{str_arg, want, want_at_least, FnResult, FuncMap};
use crate::template::exec::Exec;
use crate::value::{deep_equal, Value};

/// Marks messages from `fail`/`required` so the renderer can report them as Helm
/// does (`execution error at (file:line:col): message`).
pub const WARN_START: &str = "HELM_ERR_START";
pub const WARN_END: &str = "HELM_ERR_END";

pub fn register(m: &mut FuncMap) {
    m.insert("default", |_, a| {
        want_at_least(a, 1, "default")?;
        match a.get(1) {
            Some(g) if !is_empty(g) => Ok(g.clone()),
            _ => Ok(a[0].clone()),
        }
    });
    m.insert("empty", |_, a| {
        want(a, 1, "empty")?;
        Ok(Value::Bool(is_empty(&a[0])))
    });
    m.insert("coalesce", |_, a| Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or(Value::Nil)));
    m.insert("all", |_, a| Ok(Value::Bool(a.iter().all(|v| !is_empty(v)))));
    m.insert("any", |_, a| Ok(Value::Bool(a.iter().any(|v| !is_empty(v)))));
    m.insert("ternary", |_, a| {
        want(a, 3, "ternary")?;
        let c = match &a[2] {
            Value::Bool(b) => *b,
            other => return Err(format!("wrong type for value; expected bool; got {}", other.type_name())),
        };
        Ok(if c { a[0].clone() } else { a[1].clone() })
    });
    m.insert("fail", |_, a| {
        want(a, 1, "fail")?;
        Err(format!("{WARN_START}{}{WARN_END}", str_arg(a, 0)?))
    });
    m.insert("required", |_, a| {
        want(a, 2, "required")?;
        let warn = str_arg(a, 0)?;
        match &a[1] {
            Value::Nil => Err(format!("{WARN_START}{warn}{WARN_END}")),
            Value::Str(s) if s.is_empty() => Err(format!("{WARN_START}{warn}{WARN_END}")),
            v => Ok(v.clone()),
        }
    });
    m.insert("include", |ex: &mut Exec, a| {
        want(a, 2, "include")?;
        let name = str_arg(a, 0)?;
        Ok(Value::str(ex.include(&name, &a[1])?))
    });
    m.insert("tpl", |ex: &mut Exec, a| {
        want(a, 2, "tpl")?;
        let text = str_arg(a, 0)?;
        Ok(Value::str(ex.tpl(&text, &a[1])?))
    });
    m.insert("lookup", |ex: &mut Exec, a| {
        want(a, 4, "lookup")?;
        let (v, k, ns, n) = (str_arg(a, 0)?, str_arg(a, 1)?, str_arg(a, 2)?, str_arg(a, 3)?);
        ex.host.lookup(&v, &k, &ns, &n)
    });
    m.insert("typeOf", |_, a| {
        want(a, 1, "typeOf")?;
        Ok(Value::str(a[0].type_name()))
    });
    m.insert("typeIs", |_, a| {
        want(a, 2, "typeIs")?;
        Ok(Value::Bool(str_arg(a, 0)? == a[1].type_name()))
    });
    m.insert("typeIsLike", |_, a| {
        want(a, 2, "typeIsLike")?;
        let t = str_arg(a, 0)?;
        let n = a[1].type_name();
        Ok(Value::Bool(t == n || t == format!("*{n}")))
    });
    m.insert("kindOf", |_, a| {
        want(a, 1, "kindOf")?;
        Ok(Value::str(a[0].kind_name()))
    });
    m.insert("kindIs", |_, a| {
        want(a, 2, "kindIs")?;
        Ok(Value::Bool(str_arg(a, 0)? == a[1].kind_name()))
    });
    m.insert("deepEqual", |_, a| {
        want(a, 2, "deepEqual")?;
        Ok(Value::Bool(deep_equal(&a[0], &a[1])))
    });
    m.insert("uuidv4", |_, _| Ok(Value::str(uuid::Uuid::new_v4().to_string())));
    m.insert("randAlphaNum", |_, a| {
        rand_str(a, "randAlphaNum", b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    });
    m.insert("randAlpha", |_, a| rand_str(a, "randAlpha", b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"));
    m.insert("randNumeric", |_, a| rand_str(a, "randNumeric", b"0123456789"));
    m.insert("randAscii", |_, a| {
        rand_str(
            a,
            "randAscii",
            b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        )
    });
    m.insert("randInt", |_, a| {
        want(a, 2, "randInt")?;
        let (lo, hi) = (super::to_i64(&a[0]), super::to_i64(&a[1]));
        if hi <= lo {
            return Err("invalid argument to Int63n".into());
        }
        Ok(Value::Int(rng().random_range(lo..hi)))
    });
    m.insert("getHostByName", |_, _| Ok(Value::str("")));
    m.insert("base", |_, a| path_fn(a, "base", path_base));
    m.insert("dir", |_, a| path_fn(a, "dir", path_dir));
    m.insert("ext", |_, a| {
        path_fn(a, "ext", |p| {
            let b = path_base(p);
            b.rfind('.').map(|i| b[i..].to_string()).unwrap_or_default()
        })
    });
    m.insert("clean", |_, a| path_fn(a, "clean", path_clean));
    m.insert("isAbs", |_, a| {
        want(a, 1, "isAbs")?;
        Ok(Value::Bool(str_arg(a, 0)?.starts_with('/')))
    });
    for name in [
        "genCA",
        "genCAWithKey",
        "genSignedCert",
        "genSignedCertWithKey",
        "genSelfSignedCert",
        "genSelfSignedCertWithKey",
        "genPrivateKey",
        "derivePassword",
        "buildCustomCert",
        "encryptAES",
        "decryptAES",
        "htpasswd",
        "bcrypt",
    ] {
        m.insert(name, |_, _| {
            Err("not supported by this renderer (certificate, key and password generation run only in Helm itself)"
                .into())
        });
    }
}

fn rand_str(a: &[Value], name: &str, alphabet: &[u8]) -> FnResult {
    want(a, 1, name)?;
    let n = super::to_i64(&a[0]).clamp(0, 1 << 20) as usize;
    let mut r = rng();
    let s: String = (0..n).map(|_| alphabet[r.random_range(0..alphabet.len())] as char).collect();
    Ok(Value::str(s))
}

fn path_fn(a: &[Value], name: &str, f: fn(&str) -> String) -> FnResult {
    want(a, 1, name)?;
    Ok(Value::str(f(&to_string(&a[0]))))
}

/// Go's `path.Base`.
pub fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `path.Dir`.
pub fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}

/// Go's `path.Clean`.
pub fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let j = parts.join("/");
    match (rooted, j.is_empty()) {
        (true, _) => format!("/{j}"),
        (false, true) => ".".into(),
        (false, false) => j,
    }
}

/// A generator seeded from the OS (through uuid's v4 source), since the workspace
/// builds `rand` without its thread-local generator.
fn rng() -> StdRng {
    let b = uuid::Uuid::new_v4().as_u64_pair();
    StdRng::seed_from_u64(b.0 ^ b.1.rotate_left(17))
}
