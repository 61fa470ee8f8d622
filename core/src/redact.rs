//! Keeping sensitive values out of messages.
//!
//! A diagnostic is printed, logged and pasted into tickets, so it must never
//! carry a sensitive value. Two tools cover the two ways a value reaches a
//! message. [`shown`] is for code that still holds the marked value: it
//! renders it for a message, or says `(sensitive value)` when anything in it
//! is marked, as Terraform does. [`Secrets::scrub`] is for text made by code
//! that only saw the value unmarked (a provider, a library's error message):
//! it removes from the text whatever a sensitive part of the values held.

use crate::value::{format_number, quote, Value};

/// What a message says in place of a sensitive value.
pub const SENSITIVE_VALUE: &str = "(sensitive value)";

/// A value as a message may show it: its HCL form, or `(sensitive value)` when
/// it or anything inside it is marked sensitive.
pub fn shown(v: &Value) -> String {
    if v.contains_sensitive() {
        SENSITIVE_VALUE.to_string()
    } else {
        v.to_string()
    }
}

/// Text taken from a value whose marks were already removed: shown as given,
/// or `(sensitive value)` when the value was sensitive.
pub fn shown_text(text: impl std::fmt::Display, sensitive: bool) -> String {
    if sensitive {
        SENSITIVE_VALUE.to_string()
    } else {
        text.to_string()
    }
}

/// A value as JSON for output that is shown or kept by others (`plan -json`,
/// `show -json`): every sensitive value becomes the string `(sensitive value)`,
/// unknown values keep the plan's marker `{"__gantry_unknown__": true}`.
/// Where the marks were is for the caller to record, as `Value::sensitive_paths`.
pub fn redacted_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Sensitive(_) => serde_json::Value::String(SENSITIVE_VALUE.into()),
        Value::Unknown => v.to_marked_json(),
        Value::List(items) => serde_json::Value::Array(items.iter().map(redacted_json).collect()),
        Value::Object(map) => {
            serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), redacted_json(v))).collect())
        }
        other => other.to_json(),
    }
}

/// Pieces of text shorter than this are only removed where they stand as a
/// whole word: a sensitive `8` must not turn every `8` of a message into a
/// redaction, but `"8"` in a message still goes.
const WHOLE_WORD_BELOW: usize = 4;

/// The texts that sensitive parts of some values hold, to remove from messages
/// written without the marks.
#[derive(Debug, Default)]
pub struct Secrets {
    pieces: Vec<String>,
}

impl Secrets {
    pub fn of<'v>(values: impl IntoIterator<Item = &'v Value>) -> Secrets {
        let mut pieces = Vec::new();
        for v in values {
            collect(v, false, &mut pieces);
        }
        pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
        pieces.dedup();
        Secrets { pieces }
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Every string in a JSON document scrubbed (see [`Secrets::scrub`]); keys and other values are kept.
    pub fn scrub_json(&self, json: &mut serde_json::Value) {
        match json {
            serde_json::Value::String(s) => *s = self.scrub(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| self.scrub_json(i)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.scrub_json(v)),
            _ => {}
        }
    }

    /// The message with every occurrence of a secret replaced by `(sensitive value)`.
    pub fn scrub(&self, message: &str) -> String {
        if self.pieces.is_empty() {
            return message.to_string();
        }
        // Find every match in the original text first, so that one piece cannot
        // match inside the replacement made for another.
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for piece in &self.pieces {
            let whole_word = piece.chars().count() < WHOLE_WORD_BELOW;
            for (start, _) in message.match_indices(piece.as_str()) {
                let end = start + piece.len();
                if whole_word && !(boundary_before(message, start) && boundary_after(message, end)) {
                    continue;
                }
                hits.push((start, end));
            }
        }
        if hits.is_empty() {
            return message.to_string();
        }
        hits.sort();
        let mut out = String::with_capacity(message.len());
        let mut at = 0;
        for (start, end) in hits {
            if end <= at {
                continue;
            }
            if start >= at {
                out.push_str(&message[at..start]);
                out.push_str(SENSITIVE_VALUE);
            }
            at = end;
        }
        out.push_str(&message[at..]);
        out
    }
}

fn boundary_before(s: &str, i: usize) -> bool {
    s[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric())
}

fn boundary_after(s: &str, i: usize) -> bool {
    s[i..].chars().next().is_none_or(|c| !c.is_alphanumeric())
}

fn collect(v: &Value, inside: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => collect(inner, true, out),
        Value::List(items) => items.iter().for_each(|i| collect(i, inside, out)),
        Value::Object(map) => {
            for (k, v) in map {
                if inside {
                    add_text(k, out);
                }
                collect(v, inside, out);
            }
        }
        Value::String(s) if inside => add_text(s, out),
        Value::Number(n) if inside => out.push(format_number(n)),
        // A bool or a null has too little in it to hide, and hiding every "true" would make messages unreadable.
        _ => {}
    }
}

/// A secret string in the forms messages write it: as it is, escaped as an
/// HCL or Rust string literal, and line by line when it has several lines.
fn add_text(s: &str, out: &mut Vec<String>) {
    if s.trim().is_empty() {
        return;
    }
    out.push(s.to_string());
    let hcl = quote(s);
    out.push(hcl[1..hcl.len() - 1].to_string());
    let debug = format!("{s:?}");
    out.push(debug[1..debug.len() - 1].to_string());
    if s.contains('\n') {
        out.extend(s.lines().filter(|l| l.trim().chars().count() >= WHOLE_WORD_BELOW).map(str::to_string));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_value_or_one_holding_a_mark_is_shown_as_sensitive() {
        assert_eq!(shown(&Value::string("x")), "\"x\"");
        assert_eq!(shown(&Value::string("x").mark_sensitive()), SENSITIVE_VALUE);
        let nested = Value::List(vec![Value::number(1), Value::string("x").mark_sensitive()]);
        assert_eq!(shown(&nested), SENSITIVE_VALUE);
        assert_eq!(shown_text("abc", true), SENSITIVE_VALUE);
        assert_eq!(shown_text("abc", false), "abc");
    }

    #[test]
    fn scrub_removes_every_form_of_a_secret_and_leaves_the_rest() {
        let v = Value::object([
            ("pw", Value::string("hunter2\"x").mark_sensitive()),
            ("plain", Value::string("visible")),
            ("n", Value::number(8).mark_sensitive()),
        ]);
        let s = Secrets::of([&v]);
        assert_eq!(s.scrub("bad \"hunter2\\\"x\" here"), "bad \"(sensitive value)\" here");
        assert_eq!(s.scrub("raw hunter2\"x, visible"), "raw (sensitive value), visible");
        // A short secret goes only where it is a word of its own.
        assert_eq!(s.scrub("m8.large has 8 nodes"), "m8.large has (sensitive value) nodes");
        assert_eq!(Secrets::of([&Value::string("visible")]).scrub("visible"), "visible");
    }

    #[test]
    fn scrub_hides_keys_and_lines_of_sensitive_values() {
        let v = Value::object([("token-name", Value::string("line one\nline two"))]).mark_sensitive();
        let s = Secrets::of([&v]);
        assert_eq!(s.scrub("key token-name"), "key (sensitive value)");
        assert_eq!(s.scrub("got: line two"), "got: (sensitive value)");
        assert!(!s.is_empty());
        assert!(Secrets::of([&Value::string("x")]).is_empty());
    }
}
