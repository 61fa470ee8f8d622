//! Patch and replacement target selectors: anchored regexes on
//! group/version/kind/name/namespace plus label and annotation selectors.

use regex::Regex;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::kustomization::Selector;
use crate::resource::Resource;

fn anchored(p: &str) -> Result<Regex> {
    Regex::new(&format!("^(?:{p})$")).map_err(|e| Error::Build(format!("invalid selector regex {p:?}: {e}")))
}

fn field_matches(pattern: &Option<String>, value: &str) -> Result<bool> {
    match pattern.as_deref() {
        None | Some("") => Ok(true),
        Some(p) => Ok(anchored(p)?.is_match(value)),
    }
}

/// True when `r` is selected.
pub fn matches(sel: &Selector, r: &Resource) -> Result<bool> {
    let id = r.id();
    // Like kustomize, name and namespace may match the original or the
    // current value; namespaces compare as `default` when empty.
    let org = r.previous.first().cloned().unwrap_or_else(|| id.clone());
    Ok(field_matches(&sel.group, &id.gvk.group)?
        && field_matches(&sel.version, &id.gvk.version)?
        && field_matches(&sel.kind, &id.gvk.kind)?
        && (field_matches(&sel.name, &org.name)? || field_matches(&sel.name, &id.name)?)
        && (field_matches(&sel.namespace, org.effective_namespace())?
            || field_matches(&sel.namespace, id.effective_namespace())?)
        && match sel.label_selector.as_deref() {
            None | Some("") => true,
            Some(s) => label_selector_matches(s, &r.labels())?,
        }
        && match sel.annotation_selector.as_deref() {
            None | Some("") => true,
            Some(s) => label_selector_matches(s, &r.annotations())?,
        })
}

/// Kubernetes label selector syntax: `k=v`, `k==v`, `k!=v`, `k`, `!k`,
/// `k in (a,b)`, `k notin (a,b)`, comma-separated.
pub fn label_selector_matches(sel: &str, labels: &Map<String, Value>) -> Result<bool> {
    let get = |k: &str| labels.get(k).and_then(Value::as_str);
    for req in split_requirements(sel) {
        let req = req.trim();
        if req.is_empty() {
            continue;
        }
        let ok = if let Some((k, rest)) = split_word(req, " notin ") {
            let set = parse_set(rest)?;
            !get(k).is_some_and(|v| set.iter().any(|s| s == v))
        } else if let Some((k, rest)) = split_word(req, " in ") {
            let set = parse_set(rest)?;
            get(k).is_some_and(|v| set.iter().any(|s| s == v))
        } else if let Some((k, v)) = req.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            get(k.trim()) == Some(v.trim())
        } else if let Some(k) = req.strip_prefix('!') {
            get(k.trim()).is_none()
        } else {
            labels.contains_key(req)
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn split_word<'a>(s: &'a str, word: &str) -> Option<(&'a str, &'a str)> {
    s.find(word).map(|i| (s[..i].trim(), s[i + word.len()..].trim()))
}

fn parse_set(s: &str) -> Result<Vec<String>> {
    let inner = s
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| Error::Build(format!("invalid label selector set {s:?}")))?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

/// Splits on commas that are not inside parentheses.
fn split_requirements(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}
