//! How the plan's analysis sees this provider's resources: the Kubernetes
//! objects they declare. Which of them are workloads, and what their pods
//! request, is read by the analysis' shared reader of Kubernetes object shapes.

use gantry_core::analysis::describe::Description;
use gantry_core::value::Value;

fn has_kind(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str).is_some()
}

pub(crate) fn describe(type_name: &str, value: &Value) -> Option<Description> {
    let objects: Vec<Value> = match type_name {
        // The configured manifest, else (for an imported one) the stored object.
        "kubernetes_manifest" => [value.get("manifest"), value.get("object")]
            .into_iter()
            .flatten()
            .find(|m| has_kind(m))
            .cloned()
            .into_iter()
            .collect(),
        // The decoded documents; unknown until the content is.
        "kubernetes_manifests" => value
            .get("manifests")
            .and_then(Value::as_list)
            .map(|docs| docs.iter().filter(|d| has_kind(d)).cloned().collect())
            .unwrap_or_default(),
        _ => return None,
    };
    (!objects.is_empty()).then_some(Description::Objects(objects))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_and_bundles_describe_their_objects() {
        let deployment =
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "llm"}});
        let one = Value::from_json(&serde_json::json!({"manifest": deployment, "object": null}));
        assert_eq!(
            describe("kubernetes_manifest", &one),
            Some(Description::Objects(vec![Value::from_json(&deployment)]))
        );
        let bundle = Value::from_json(&serde_json::json!({"manifests": [deployment, {"no": "kind"}]}));
        let Some(Description::Objects(objects)) = describe("kubernetes_manifests", &bundle) else {
            panic!("no objects")
        };
        assert_eq!(objects.len(), 1);
        let pending = Value::object([("content", Value::Unknown), ("manifests", Value::Unknown)]);
        assert_eq!(describe("kubernetes_manifests", &pending), None);
        assert_eq!(describe("kubernetes_other", &one), None);
    }
}
