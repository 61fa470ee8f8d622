//! The check that apply does what the plan showed: every value the saved plan
//! knew must be the value the provider's final plan (made with the values that
//! became known during apply) has. Unknown values in the saved plan may become
//! anything; known ones may not change.

use crate::value::{format_path, PathStep, Value};

/// Where the final value differs from a known planned value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mismatch {
    pub path: Vec<PathStep>,
    pub planned: Value,
    pub now: Value,
}

impl Mismatch {
    /// "`.tags["team"]`: was "ml", but now "infra"", with sensitive values hidden.
    pub fn describe(&self) -> String {
        let shown = |v: &Value| if v.contains_sensitive() { "(sensitive value)".to_string() } else { v.to_string() };
        let path = if self.path.is_empty() { "the object".to_string() } else { format_path(&self.path) };
        format!("{path}: was {}, but now {}", shown(&self.planned), shown(&self.now))
    }
}

/// The known parts of `planned` that `now` does not have, outermost first.
pub(crate) fn mismatches(planned: &Value, now: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    walk(planned, now, &mut Vec::new(), &mut out);
    out
}

fn walk(planned: &Value, now: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Mismatch>) {
    // A sensitive mark hides a value but does not change it; compare what is under it.
    let (p, n) = (planned.unmarked(), now.unmarked());
    let differs = |out: &mut Vec<Mismatch>, path: &[PathStep]| {
        out.push(Mismatch { path: path.to_vec(), planned: planned.clone(), now: now.clone() })
    };
    match (p, n) {
        (Value::Unknown, _) => {}
        (Value::Object(pm), Value::Object(nm)) => {
            for (k, pv) in pm {
                path.push(PathStep::Key(k.clone()));
                walk(pv, nm.get(k).unwrap_or(&Value::Null), path, out);
                path.pop();
            }
        }
        (Value::List(pl), Value::List(nl)) if pl.len() == nl.len() => {
            for (i, (pv, nv)) in pl.iter().zip(nl).enumerate() {
                path.push(PathStep::Index(i));
                walk(pv, nv, path, out);
                path.pop();
            }
        }
        _ if p.contains_unknown() => {
            // A collection whose length was not known yet: only its known shape can be held to.
            if !matches!((p, n), (Value::List(_), Value::List(_))) {
                differs(out, path);
            }
        }
        _ if p.clone().deep_unmarked() != n.clone().deep_unmarked() => differs(out, path),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs.iter().map(|(k, v)| (*k, v.clone())))
    }

    #[test]
    fn unknown_may_become_anything_known_may_not_change() {
        let planned = obj(&[("name", Value::string("a")), ("id", Value::Unknown), ("size", Value::number(1))]);
        let same = obj(&[("name", Value::string("a")), ("id", Value::string("i-1")), ("size", Value::number(1))]);
        assert!(mismatches(&planned, &same).is_empty());
        let grown = obj(&[("name", Value::string("a")), ("id", Value::string("i-1")), ("size", Value::number(3))]);
        let m = mismatches(&planned, &grown);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].describe(), "size: was 1, but now 3");
    }

    #[test]
    fn sensitive_values_are_compared_but_never_shown() {
        let planned = obj(&[("secret", Value::string("old").mark_sensitive())]);
        let now = obj(&[("secret", Value::string("new").mark_sensitive())]);
        let m = mismatches(&planned, &now);
        assert_eq!(m.len(), 1);
        let text = m[0].describe();
        assert!(!text.contains("old") && !text.contains("new"), "{text}");
        assert!(mismatches(&planned, &obj(&[("secret", Value::string("old"))])).is_empty());
    }

    #[test]
    fn nested_values_and_list_lengths_are_found() {
        let planned =
            obj(&[("tags", obj(&[("team", Value::string("ml"))])), ("ports", Value::List(vec![Value::number(80)]))]);
        let now = obj(&[("tags", obj(&[("team", Value::string("infra"))])), ("ports", Value::List(vec![]))]);
        let paths: Vec<String> = mismatches(&planned, &now).iter().map(|m| format_path(&m.path)).collect();
        assert_eq!(paths, vec!["ports", "tags.team"]);
    }
}
