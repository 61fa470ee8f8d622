//! `buildMetadata: [originAnnotations]`: each object gets a
//! `config.kubernetes.io/origin` annotation saying which file (or which
//! generator in which kustomization) it came from, relative to the top
//! kustomization or, inside a remote base, to the repository root.

use serde_json::Value;

use crate::resource::Resource;

pub const ANNOTATION: &str = "config.kubernetes.io/origin";

/// Where the kustomization being accumulated sits.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub path: String,
    pub repo: String,
    pub git_ref: String,
}

impl Origin {
    /// The origin of an entry (file or directory) named relative to this one.
    pub fn join(&self, entry: &str) -> Origin {
        Origin { path: clean(&format!("{}/{}", self.path, entry)), ..self.clone() }
    }

    fn repo_lines(&self) -> String {
        let mut s = String::new();
        if !self.repo.is_empty() {
            s.push_str(&format!("repo: {}\n", self.repo));
        }
        if !self.git_ref.is_empty() {
            s.push_str(&format!("ref: {}\n", self.git_ref));
        }
        s
    }

    /// The annotation for an object read from file `entry`.
    pub fn for_file(&self, entry: &str) -> String {
        format!("path: {}\n{}", self.join(entry).path, self.repo_lines())
    }

    /// The annotation for an object made by a built-in generator.
    pub fn for_generator(&self, kustomization_file: &str, generator: &str) -> String {
        format!(
            "{}configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {generator}\n",
            self.repo_lines(),
            self.join(kustomization_file).path
        )
    }
}

pub fn annotate(r: &mut Resource, value: String) {
    let meta = r.metadata_mut();
    let ann = meta.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(m) = ann {
        m.insert(ANNOTATION.to_string(), Value::String(value));
    }
}

/// Lexical path cleaning, as Go's `filepath.Clean` on a relative path.
fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn cleans_like_go() {
        assert_eq!(clean("/../../base/x/./y.yaml"), "../../base/x/y.yaml");
        assert_eq!(clean("a/../b"), "b");
    }
}
