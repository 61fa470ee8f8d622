//! `data "helm_template"` and `data "kustomization_build"` from the CLI: a real chart and a
//! real kustomization rendered at plan time with no helm or kustomize binary and no cluster.

use crate::support::*;
use std::path::{Path, PathBuf};

/// The real upstream inputs: `../shared/thirdparty` beside the checkout, or GANTRY_THIRDPARTY.
fn thirdparty(rel: &str) -> PathBuf {
    let root = std::env::var_os("GANTRY_THIRDPARTY")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/thirdparty"));
    let p = root.join(rel);
    assert!(p.exists(), "{} is missing: set GANTRY_THIRDPARTY to the third-party test inputs", p.display());
    p
}

fn outputs(dir: &Path) -> serde_json::Value {
    let out = gantry(dir, &["output", "-json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn helm_template_renders_the_spark_operator_chart_with_values_and_set() {
    let chart = thirdparty("charts/spark-operator");
    let config = format!(
        r##"
data "helm_template" "spark" {{
  name      = "spark"
  namespace = "spark-operator"
  chart     = "{chart}"
  values    = [yamlencode({{ controller = {{ replicas = 2 }} }})]
  set       = [{{ name = "webhook.enable", value = "false" }}]
}}

output "has_controller" {{
  value = strcontains(data.helm_template.spark.manifest, "# Source: spark-operator/templates/controller/deployment.yaml")
}}
output "replicas" {{
  value = yamldecode(data.helm_template.spark.manifests["spark-operator/templates/controller/deployment.yaml"]).spec.replicas
}}
output "webhook_templates" {{
  value = [for k in keys(data.helm_template.spark.manifests) : k if strcontains(k, "templates/webhook/")]
}}
"##,
        chart = chart.display()
    );
    let (_tmp, dir) = config_files(&config);
    let run = gantry(&dir, &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let out = outputs(&dir);
    assert_eq!(out["has_controller"]["value"], true, "{out}");
    assert_eq!(out["replicas"]["value"], 2, "{out}");
    assert_eq!(
        out["webhook_templates"]["value"],
        serde_json::json!([]),
        "webhook.enable=false leaves the webhook out: {out}"
    );
}

#[test]
fn a_missing_chart_is_a_diagnostic_and_nothing_is_applied() {
    let (_tmp, dir) = config_files(
        r#"
data "helm_template" "x" {
  name  = "x"
  chart = "no/such/chart"
}
"#,
    );
    let run = gantry(&dir, &["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("Chart could not be loaded"), "{}", run.stderr);
    assert!(run.stderr.contains("no/such/chart"), "{}", run.stderr);
    assert!(!dir.join("gantry.state.json").exists() || addresses(&dir).is_empty());
}

#[test]
fn kustomization_build_gives_kustomizes_exact_output() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("render/kustomize/tests/cases/common_labels");
    let expected = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
    let config = format!(
        r#"
data "kustomization_build" "app" {{
  path = "{case}"
}}
output "manifest" {{ value = data.kustomization_build.app.manifest }}
output "ids" {{ value = data.kustomization_build.app.ids }}
"#,
        case = case.display()
    );
    let (_tmp, dir) = config_files(&config);
    let run = gantry(&dir, &["apply", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let out = outputs(&dir);
    assert_eq!(out["manifest"]["value"].as_str().unwrap(), expected, "the text kubectl kustomize printed");
    assert!(!out["ids"]["value"].as_array().unwrap().is_empty(), "{out}");
}

fn config_files(main: &str) -> (tempfile::TempDir, PathBuf) {
    config(&[("main.hcl", main)])
}
