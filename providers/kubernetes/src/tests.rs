//! The provider's object handling, without a cluster.

use super::*;
use crate::manifests::{kind_rank, with_attrs};
use gantry_core::provider::PlanRequest;
use gantry_core::value::PathStep;
use serde_json::json;

#[test]
fn keys_default_namespace_and_cluster_scope() {
    let m = Value::from_json(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}));
    assert_eq!(object_key(&m).unwrap().namespace, "default");
    let ns = Value::from_json(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}}));
    assert_eq!(object_key(&ns).unwrap().namespace, "");
    assert!(object_key(&Value::object([("kind", Value::string("X"))])).is_err());
}

#[test]
fn import_ids() {
    let r = parse_import_id("apps/v1/Deployment/serving/llm").unwrap();
    assert_eq!(
        (r.api_version.as_str(), r.kind.as_str(), r.namespace.as_str(), r.name.as_str()),
        ("apps/v1", "Deployment", "serving", "llm")
    );
    let r = parse_import_id("v1/ConfigMap/ml/settings").unwrap();
    assert_eq!((r.api_version.as_str(), r.namespace.as_str()), ("v1", "ml"));
    let r = parse_import_id("v1/Namespace/ml").unwrap();
    assert_eq!((r.kind.as_str(), r.namespace.as_str(), r.name.as_str()), ("Namespace", "", "ml"));
    let r = parse_import_id("apiextensions.k8s.io/v1/CustomResourceDefinition/models.ml.example.com").unwrap();
    assert_eq!((r.api_version.as_str(), r.namespace.as_str()), ("apiextensions.k8s.io/v1", ""));
    assert!(parse_import_id("ConfigMap").is_err());
    assert!(parse_import_id("v1/ConfigMap//x").is_err());
}

#[test]
fn crds_before_their_resources_and_namespaces_before_their_objects() {
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "models.ml.example.com"},
        "spec": {"group": "ml.example.com", "names": {"kind": "Model", "plural": "models"}, "scope": "Namespaced"}});
    let cr =
        json!({"apiVersion": "ml.example.com/v1", "kind": "Model", "metadata": {"name": "llama", "namespace": "ml"}});
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}});
    let (crd_provides, crd_needs) = delete_order_keys(&crd);
    let (ns_provides, _) = delete_order_keys(&ns);
    let (_, cr_needs) = delete_order_keys(&cr);
    assert_eq!(crd_provides, vec!["kind/ml.example.com/Model"]);
    assert!(crd_needs.iter().all(|n| !crd_provides.contains(n)), "a CRD does not wait on itself: {crd_needs:?}");
    assert!(cr_needs.contains(&"kind/ml.example.com/Model".to_string()));
    assert!(cr_needs.contains(&ns_provides[0]));
    let mut docs = vec![cr.clone(), crd.clone(), ns.clone()];
    docs.sort_by_key(kind_rank);
    assert_eq!(docs, vec![ns, crd, cr]);
}

#[test]
fn multi_document_yaml() {
    let docs = decode_documents("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n").unwrap();
    assert_eq!(docs.len(), 2);
    assert!(decode_documents("apiVersion: v1\nkind: ConfigMap\n").is_err());
}

/// The SSA body is the manifest as written: no server metadata, no nulls, nothing added.
#[tokio::test]
async fn plan_without_a_connection_keeps_manifest_and_replaces_on_identity_change() {
    let p = KubernetesProvider::default();
    let cfg = |name: &str| {
        Value::from_json(
            &json!({"manifest": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": null}, "data": {"a": "1"}}}),
        )
    };
    let c = cfg("a");
    let resp = p.plan(PlanRequest { type_name: "kubernetes_manifest", prior: None, config: &c }).await.unwrap();
    assert_eq!(
        resp.planned.get("manifest").unwrap().to_json(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"a": "1"}})
    );
    assert_eq!(resp.planned.get("object"), Some(&Value::Unknown));
    let prior = with_attrs(&resp.planned, vec![("object", Value::from_json(&json!({})))]);
    let c2 = cfg("b");
    let resp =
        p.plan(PlanRequest { type_name: "kubernetes_manifest", prior: Some(&prior), config: &c2 }).await.unwrap();
    assert_eq!(resp.requires_replace, vec![vec![PathStep::Key("manifest".into())]]);
}
