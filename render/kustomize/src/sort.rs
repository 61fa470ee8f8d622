//! kustomize's output orders: `legacy` (by kind priority, then id) and
//! `fifo` (input order).

use crate::resid::ResId;
use crate::resource::Resource;

pub const DEFAULT_ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
pub const DEFAULT_ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

fn gvk_sort_string(id: &ResId) -> String {
    let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
    format!("{}_{}_{}", or(&id.gvk.group, "~G"), or(&id.gvk.version, "~V"), or(&id.gvk.kind, "~K"))
}

fn id_sort_string(id: &ResId) -> String {
    let ns = if id.namespace.is_empty() { "~X" } else { &id.namespace };
    let name = if id.name.is_empty() { "~N" } else { &id.name };
    format!("{}|{}|{}", id.gvk.kustomize_string(), ns, name)
}

pub fn legacy_sort(res: &mut [Resource], first: &[String], last: &[String]) {
    let rank = |kind: &str| -> i64 {
        if let Some(i) = first.iter().position(|k| k == kind) {
            return i as i64 - first.len() as i64;
        }
        if let Some(i) = last.iter().position(|k| k == kind) {
            return 1 + i as i64;
        }
        0
    };
    res.sort_by(|a, b| {
        let (x, y) = (a.id(), b.id());
        if x.gvk != y.gvk {
            let (rx, ry) = (rank(&x.gvk.kind), rank(&y.gvk.kind));
            if rx != ry {
                return rx.cmp(&ry);
            }
            let (sx, sy) = (gvk_sort_string(&x), gvk_sort_string(&y));
            if x.gvk.kind == "Namespace"
                && y.gvk.kind == "Namespace"
                && (x.gvk.group.is_empty() || y.gvk.group.is_empty())
            {
                return sy.cmp(&sx);
            }
            return sx.cmp(&sy);
        }
        id_sort_string(&x).cmp(&id_sort_string(&y))
    });
}
