//! Rendered files to manifests as Helm's `releaseutil` does: split documents,
//! separate hooks (by `helm.sh/hook`), and sort by kind in install order.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value as J;

use crate::error::{Error, ErrorKind, Result};

/// Helm's `InstallOrder`.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
];

/// One rendered document that is not a hook.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Template path, `chart/templates/x.yaml`.
    pub source: String,
    pub content: String,
    pub kind: String,
    /// The document as data (`null` for comment-only documents).
    pub doc: J,
}

/// A document annotated with `helm.sh/hook`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub name: String,
    pub kind: String,
    pub source: String,
    pub manifest: String,
    /// Events as written (`pre-install`, `test`; `test-success` reads as `test`).
    pub events: Vec<String>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
    pub doc: J,
}

impl Hook {
    pub fn is_test(&self) -> bool {
        self.events.iter().any(|e| e == "test")
    }
}

/// Helm 3's document separator: `---` after a newline, with surrounding whitespace.
pub fn split_manifests(text: &str) -> Vec<String> {
    static SEP: OnceLock<Regex> = OnceLock::new();
    let sep = SEP.get_or_init(|| Regex::new(r"(?:^|\s*\n)---\s*").expect("valid separator regex"));
    sep.split(text.trim()).filter(|d| !d.is_empty()).map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect()
}

fn kind_rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

/// Helm's `lessByKind`: known kinds in install order, then unknown kinds by name.
fn kind_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (kind_rank(a), kind_rank(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Less,
        (None, Some(_)) => Greater,
        (None, None) => a.cmp(b),
    }
}

/// Sorts rendered files (path → text) into manifests and hooks.
pub fn sort_manifests(files: &[(String, String)]) -> Result<(Vec<Manifest>, Vec<Hook>)> {
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut generic = Vec::new();
    let mut hooks = Vec::new();
    for (path, content) in sorted {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let data = crate::yaml::parse_yaml(&doc).map_err(|e| {
                Error::new(
                    ErrorKind::Manifest,
                    format!("YAML parse error on {path}: error converting YAML to JSON: {e}"),
                )
            })?;
            let kind = data["kind"].as_str().unwrap_or("").to_string();
            let annotations = &data["metadata"]["annotations"];
            let hook_ann = annotations["helm.sh/hook"].as_str();
            let Some(hook_types) = hook_ann else {
                generic.push(Manifest { source: path.clone(), content: doc, kind, doc: data });
                continue;
            };
            let mut events = Vec::new();
            let mut unknown = false;
            for t in hook_types.split(',') {
                let t = t.trim().to_lowercase();
                let t = if t == "test-success" { "test".to_string() } else { t };
                if !HOOK_EVENTS.contains(&t.as_str()) {
                    unknown = true;
                    break;
                }
                events.push(t);
            }
            // Helm drops documents with unknown hook types altogether.
            if unknown {
                continue;
            }
            let weight =
                annotation_str(annotations, "helm.sh/hook-weight").and_then(|w| w.trim().parse().ok()).unwrap_or(0);
            let delete_policies = annotation_str(annotations, "helm.sh/hook-delete-policy")
                .map(|p| p.split(',').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            hooks.push(Hook {
                name: data["metadata"]["name"].as_str().unwrap_or("").to_string(),
                kind,
                source: path.clone(),
                manifest: doc,
                events,
                weight,
                delete_policies,
                doc: data,
            });
        }
    }
    generic.sort_by(|a, b| kind_cmp(&a.kind, &b.kind));
    hooks.sort_by(|a, b| kind_cmp(&a.kind, &b.kind));
    Ok((generic, hooks))
}

fn annotation_str(ann: &J, key: &str) -> Option<String> {
    match &ann[key] {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
