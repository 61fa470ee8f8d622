//! Sprig's regular-expression functions (Go RE2 syntax, which the `regex` crate
//! shares; Go's `$1`/`${name}` expansion is translated).

use super::{int_arg, str_arg, want, FuncMap};
use crate::value::Value;
use regex::Regex;

pub fn register(m: &mut FuncMap) {
    for n in ["regexMatch", "mustRegexMatch"] {
        m.insert(n, |_, a| {
            want(a, 2, "regexMatch")?;
            Ok(Value::Bool(re(&str_arg(a, 0)?)?.is_match(&str_arg(a, 1)?)))
        });
    }
    for n in ["regexFind", "mustRegexFind"] {
        m.insert(n, |_, a| {
            want(a, 2, "regexFind")?;
            let s = str_arg(a, 1)?;
            let found = re(&str_arg(a, 0)?)?.find(&s).map(|m| m.as_str().to_string());
            Ok(Value::str(found.unwrap_or_default()))
        });
    }
    for n in ["regexFindAll", "mustRegexFindAll"] {
        m.insert(n, |_, a| {
            want(a, 3, "regexFindAll")?;
            let (s, n) = (str_arg(a, 1)?, int_arg(a, 2)?);
            let r = re(&str_arg(a, 0)?)?;
            let it = r.find_iter(&s).map(|m| Value::str(m.as_str()));
            let v: Vec<Value> = if n < 0 { it.collect() } else { it.take(n as usize).collect() };
            Ok(Value::list(v))
        });
    }
    for n in ["regexReplaceAll", "mustRegexReplaceAll"] {
        m.insert(n, |_, a| {
            want(a, 3, "regexReplaceAll")?;
            let (s, repl) = (str_arg(a, 1)?, str_arg(a, 2)?);
            let r = re(&str_arg(a, 0)?)?;
            Ok(Value::str(r.replace_all(&s, go_template(&repl).as_str()).into_owned()))
        });
    }
    for n in ["regexReplaceAllLiteral", "mustRegexReplaceAllLiteral"] {
        m.insert(n, |_, a| {
            want(a, 3, "regexReplaceAllLiteral")?;
            let (s, repl) = (str_arg(a, 1)?, str_arg(a, 2)?);
            let r = re(&str_arg(a, 0)?)?;
            Ok(Value::str(r.replace_all(&s, regex::NoExpand(&repl)).into_owned()))
        });
    }
    for n in ["regexSplit", "mustRegexSplit"] {
        m.insert(n, |_, a| {
            want(a, 3, "regexSplit")?;
            let (s, n) = (str_arg(a, 1)?, int_arg(a, 2)?);
            let r = re(&str_arg(a, 0)?)?;
            let v: Vec<Value> = if n < 0 {
                r.split(&s).map(Value::from).collect()
            } else {
                r.splitn(&s, n as usize).map(Value::from).collect()
            };
            Ok(Value::list(v))
        });
    }
    m.insert("regexQuoteMeta", |_, a| {
        want(a, 1, "regexQuoteMeta")?;
        Ok(Value::str(regex::escape(&str_arg(a, 0)?)))
    });
}

fn re(p: &str) -> Result<Regex, String> {
    Regex::new(p).map_err(|e| format!("error parsing regexp: {e}"))
}

/// Go's `Expand` treats `$name` as the longest run of word characters, like the
/// regex crate does; both accept `${name}`. Only `$$` needs no change.
fn go_template(s: &str) -> String {
    s.to_string()
}
