//! `images`: kustomize rewrites every `image` of every list under a
//! `containers` or `initContainers` key, anywhere in an object (except CRDs).

use regex::Regex;
use serde_json::Value;

use crate::fieldspec::FieldSpec;
use crate::kustomization::Image;
use crate::resource::Resource;

pub fn images(res: &mut [Resource], images: &[Image], extra: &[FieldSpec]) {
    for img in images {
        // kustomize builds this pattern from the name unescaped; so do we.
        let pattern = format!("^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$", img.name);
        let re = Regex::new(&pattern).unwrap_or_else(|_| {
            Regex::new(&format!("^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$", regex::escape(&img.name)))
                .expect("escaped pattern compiles")
        });
        for r in res.iter_mut() {
            if r.id().gvk.kind == "CustomResourceDefinition" {
                continue;
            }
            walk(&mut r.obj, &re, img);
            // Configured image fields (`configurations: images:`) beyond containers.
            let gvk = r.id().gvk;
            for s in extra.iter().filter(|s| s.applies_to(&gvk)) {
                crate::fieldspec::visit(&mut r.obj, &s.segments(), false, &mut |v| {
                    if let Value::String(cur) = v {
                        if re.is_match(cur) {
                            *cur = rewrite(cur, img);
                        }
                    }
                });
            }
        }
    }
}

fn walk(v: &mut Value, re: &Regex, img: &Image) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                walk(child, re, img);
                if k == "containers" || k == "initContainers" {
                    if let Value::Array(items) = child {
                        for c in items {
                            if let Some(Value::String(s)) = c.get_mut("image") {
                                if re.is_match(s) {
                                    *s = rewrite(s, img);
                                }
                            }
                        }
                    }
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| walk(c, re, img)),
        _ => {}
    }
}

/// Splits `name[:tag][@digest]`, where a colon before the first slash is a
/// registry port, not a tag.
fn split(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = &image[slash..];
    let id = search.find('@');
    let ic = search.find(':');
    match (ic, id) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (ic, Some(d)) if ic.is_none() || d < ic.unwrap_or(usize::MAX) => {
            let d = d + slash;
            (image[..d].to_string(), String::new(), image[d + 1..].to_string())
        }
        (Some(c), Some(d)) => {
            let (c, d) = (c + slash, d + slash);
            (image[..c].to_string(), image[c + 1..d].to_string(), image[d + 1..].to_string())
        }
        (Some(c), None) => {
            let c = c + slash;
            (image[..c].to_string(), image[c + 1..].to_string(), String::new())
        }
        (None, Some(_)) => unreachable!("handled above"),
    }
}

fn rewrite(value: &str, img: &Image) -> String {
    let (mut name, mut tag, mut digest) = split(value);
    if let Some(n) = img.new_name.as_deref().filter(|s| !s.is_empty()) {
        name = n.to_string();
    }
    let new_tag = img.new_tag.as_deref().unwrap_or("");
    let new_digest = img.digest.as_deref().unwrap_or("");
    let suffix = img.tag_suffix.as_deref().unwrap_or("");
    if !new_tag.is_empty() && !new_digest.is_empty() {
        tag = new_tag.into();
        digest = new_digest.into();
    } else if !new_tag.is_empty() {
        tag = new_tag.into();
        digest.clear();
    } else if !new_digest.is_empty() {
        tag.clear();
        digest = new_digest.into();
    } else if !suffix.is_empty() {
        tag.push_str(suffix);
        digest.clear();
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn registry_port_is_not_a_tag() {
        assert_eq!(split("localhost:5000/app:v1"), ("localhost:5000/app".into(), "v1".into(), "".into()));
        assert_eq!(split("nginx@sha256:abc"), ("nginx".into(), "".into(), "sha256:abc".into()));
        assert_eq!(split("nginx:1.2@sha256:abc"), ("nginx".into(), "1.2".into(), "sha256:abc".into()));
    }
}
