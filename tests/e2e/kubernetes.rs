//! The Kubernetes provider against a Kubernetes API server on loopback: the kmock emulator
//! that `.ci/run` starts (see docs/testing.md), found through `GANTRY_TEST_KUBECONFIG`.
//! Under `.ci/run` (`GANTRY_REQUIRE_KMOCK=1`) a missing server fails these tests; run by
//! hand without it, they print a notice and return.

use crate::support::{config, example, gantry, http, kube_server, Run};
use std::path::Path;
use std::process::Command;

fn kubectl(kubeconfig: &Path, args: &[&str]) -> Option<String> {
    if !Path::new("/usr/bin/kubectl").exists()
        && Command::new("kubectl").arg("version").arg("--client").output().is_err()
    {
        eprintln!("notice: kubectl is not installed; skipping the kubectl cross-check");
        return None;
    }
    let out = Command::new("kubectl").args(args).env("KUBECONFIG", kubeconfig).output().expect("kubectl runs");
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "{}", run.all());
}

fn main_hcl(ns: &str, group: &str) -> String {
    format!(
        r#"
variable "kubeconfig" {{
  type = string
}}

provider "kubernetes" {{
  config_path = var.kubeconfig
}}

resource "kubernetes_manifest" "ns" {{
  manifest = {{
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = {{ name = "{ns}" }}
  }}
  wait {{
    fields = {{ "status.phase" = "Active" }}
  }}
}}

resource "kubernetes_manifest" "crd" {{
  manifest = {{
    apiVersion = "apiextensions.k8s.io/v1"
    kind       = "CustomResourceDefinition"
    metadata   = {{ name = "models.{group}" }}
    spec = {{
      group = "{group}"
      scope = "Namespaced"
      names = {{ kind = "Model", plural = "models", singular = "model", listKind = "ModelList" }}
      versions = [{{
        name    = "v1"
        served  = true
        storage = true
        schema  = {{ openAPIV3Schema = {{ type = "object", "x-kubernetes-preserve-unknown-fields" = true }} }}
      }}]
    }}
  }}
}}

# No depends_on anywhere: the provider orders CRD → custom resource and Namespace → objects.
resource "kubernetes_manifest" "model" {{
  manifest = {{
    apiVersion = "{group}/v1"
    kind       = "Model"
    metadata   = {{ name = "llama", namespace = "{ns}" }}
    spec       = {{ weights = "s3://models/llama-3-8b", gpus = 1 }}
  }}
}}

resource "kubernetes_manifest" "settings" {{
  manifest = yamldecode(file("${{path.module}}/settings.yaml"))
}}

resource "kubernetes_manifest" "server" {{
  manifest = {{
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = {{ name = "llm", namespace = "{ns}", labels = {{ app = "llm" }} }}
    spec = {{
      replicas = 2
      selector = {{ matchLabels = {{ app = "llm" }} }}
      template = {{
        metadata = {{ labels = {{ app = "llm" }} }}
        spec = {{ containers = [{{ name = "server", image = "vllm/vllm-openai:v0.6.0", ports = [{{ containerPort = 8000 }}] }}] }}
      }}
    }}
  }}
}}

resource "kubernetes_manifest" "service" {{
  manifest = {{
    apiVersion = "v1"
    kind       = "Service"
    metadata   = {{ name = "llm", namespace = "{ns}" }}
    spec       = {{ selector = {{ app = "llm" }}, ports = [{{ port = 80, targetPort = 8000 }}] }}
  }}
}}

resource "kubernetes_manifest" "job" {{
  manifest = {{
    apiVersion = "batch/v1"
    kind       = "Job"
    metadata   = {{ name = "warmup", namespace = "{ns}" }}
    spec = {{
      backoffLimit = 0
      template = {{ spec = {{ restartPolicy = "Never", containers = [{{ name = "warmup", image = "curlimages/curl:8.8.0", args = ["http://llm/health"] }}] }} }}
    }}
  }}
  timeouts {{
    create = "30s"
  }}
}}
"#
    )
}

fn settings_yaml(ns: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: {ns}\ndata:\n  level: info\n  model: llama\n")
}

#[test]
fn one_apply_creates_crd_resources_and_workloads_then_plans_drift_and_destroys_in_order() {
    let Some((kubeconfig, addr)) = kube_server() else { return };
    let kc = kubeconfig.to_str().unwrap();
    let var = format!("kubeconfig={kc}");
    let (ns, group) = ("e2e-all", "e2eall.gantry.dev");
    let (_tmp, dir) = config(&[("main.hcl", &main_hcl(ns, group)), ("settings.yaml", &settings_yaml(ns))]);
    let d = dir.to_str().unwrap();
    let args = |cmd: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        v.extend(["-var".to_string(), var.clone(), d.to_string()]);
        v
    };
    let run_args = |cmd: &[&'static str]| {
        let a = args(cmd);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        gantry(&dir, &a)
    };

    let started = std::time::Instant::now();
    let run = run_args(&["apply", "-auto-approve"]);
    ok(&run);
    assert!(run.stdout.contains("Resources: 7 added, 0 changed, 0 destroyed."), "{}", run.stdout);

    // What Gantry created, seen by the server itself and by kubectl.
    for path in [
        format!("/api/v1/namespaces/{ns}"),
        format!("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/models.{group}"),
        format!("/apis/{group}/v1/namespaces/{ns}/models/llama"),
        format!("/api/v1/namespaces/{ns}/configmaps/settings"),
        format!("/apis/apps/v1/namespaces/{ns}/deployments/llm"),
        format!("/api/v1/namespaces/{ns}/services/llm"),
        format!("/apis/batch/v1/namespaces/{ns}/jobs/warmup"),
    ] {
        let (status, body) = http(&addr, "GET", &path, None);
        assert_eq!(status, 200, "{path}: {body}");
    }
    if let Some(level) =
        kubectl(&kubeconfig, &["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.level}"])
    {
        assert_eq!(level, "info");
        let image = kubectl(
            &kubeconfig,
            &["get", "deployment", "llm", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"],
        )
        .unwrap();
        assert_eq!(image, "vllm/vllm-openai:v0.6.0");
        let listed = kubectl(&kubeconfig, &["get", "services", "-n", ns, "-o", "name"]).unwrap();
        assert!(listed.contains("service/llm"), "{listed}");
        let gpus = kubectl(
            &kubeconfig,
            &["get", &format!("models.{group}"), "llama", "-n", ns, "-o", "jsonpath={.spec.gpus}"],
        )
        .unwrap();
        assert_eq!(gpus, "1");
    }

    let run = run_args(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "no changes right after apply: {}", run.all());

    // An out-of-band change to a field Gantry manages is drift...
    let merge = "application/merge-patch+json";
    let (status, body) = http(
        &addr,
        "PATCH",
        &format!("/api/v1/namespaces/{ns}/configmaps/settings"),
        Some((merge, r#"{"data":{"level":"debug"}}"#)),
    );
    assert_eq!(status, 200, "{body}");
    let run = run_args(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("# kubernetes_manifest.settings will be updated in-place"), "{}", run.stdout);
    assert!(run.stdout.contains("\"debug\" -> \"info\""), "{}", run.stdout);
    ok(&run_args(&["apply", "-auto-approve"]));
    let (_, body) = http(&addr, "GET", &format!("/api/v1/namespaces/{ns}/configmaps/settings"), None);
    assert!(body.contains("\"level\": \"info\"") || body.contains("\"level\":\"info\""), "{body}");

    // ...and a change to a field it does not manage (a controller's annotation, a new label key) is not.
    let (status, body) = http(
        &addr,
        "PATCH",
        &format!("/apis/apps/v1/namespaces/{ns}/deployments/llm"),
        Some((
            merge,
            r#"{"metadata":{"annotations":{"deployment.kubernetes.io/revision":"2"}},"status":{"replicas":2}}"#,
        )),
    );
    assert_eq!(status, 200, "{body}");
    let run = run_args(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "an unmanaged field is not a diff: {}", run.all());

    // An object deleted out of band is reported gone and planned for creation again.
    let (status, body) = http(&addr, "DELETE", &format!("/api/v1/namespaces/{ns}/services/llm"), None);
    assert_eq!(status, 200, "{body}");
    let run = run_args(&["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("kubernetes_manifest.service has been deleted"), "{}", run.stdout);
    assert!(run.stdout.contains("# kubernetes_manifest.service will be created"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 1 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
    ok(&run_args(&["apply", "-auto-approve"]));
    assert_eq!(http(&addr, "GET", &format!("/api/v1/namespaces/{ns}/services/llm"), None).0, 200);

    // Destroy: objects before their namespace, custom resources before their CRD.
    let run = run_args(&["destroy", "-auto-approve"]);
    ok(&run);
    let done = |addr: &str| {
        run.stdout
            .find(&format!("kubernetes_manifest.{addr}: Destruction complete"))
            .unwrap_or_else(|| panic!("{addr}: {}", run.stdout))
    };
    for inner in ["model", "settings", "server", "service", "job"] {
        assert!(done(inner) < done("ns"), "{inner} before the namespace: {}", run.stdout);
    }
    assert!(done("model") < done("crd"), "the custom resource before its CRD: {}", run.stdout);
    for path in [
        format!("/api/v1/namespaces/{ns}"),
        format!("/api/v1/namespaces/{ns}/configmaps/settings"),
        format!("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/models.{group}"),
    ] {
        assert_eq!(http(&addr, "GET", &path, None).0, 404, "{path} is gone");
    }
    eprintln!("kubernetes e2e: {:.1}s", started.elapsed().as_secs_f64());
}

#[test]
fn provider_configured_from_a_cluster_created_in_the_same_apply() {
    let Some((kubeconfig, addr)) = kube_server() else { return };
    let kc = kubeconfig.to_str().unwrap();
    let ns = "e2e-deferred";
    let hcl = format!(
        r#"
resource "local_cluster" "c" {{
  name = "deferred"
}}

# The id is known only once the cluster exists, so the provider's configuration is unknown at plan time.
provider "kubernetes" {{
  config_path = "{kc}${{substr(local_cluster.c.id, 0, 0)}}"
}}

resource "kubernetes_manifest" "ns" {{
  manifest = {{
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = {{ name = "{ns}" }}
  }}
}}

resource "kubernetes_manifests" "bundle" {{
  content = file("${{path.module}}/bundle.yaml")
}}
"#
    );
    let bundle = format!(
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n  namespace: {ns}\ndata:\n  a: \"1\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: two\n  namespace: {ns}\nstringData:\n  token: s3cret\n"
    );
    let (_tmp, dir) = config(&[("main.hcl", &hcl), ("bundle.yaml", &bundle)]);
    let run = gantry(&dir, &["plan", "."]);
    ok(&run);
    assert!(run.stdout.contains("will be created after its cluster exists"), "{}", run.stdout);
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    ok(&run);
    assert_eq!(http(&addr, "GET", &format!("/api/v1/namespaces/{ns}/configmaps/one"), None).0, 200);
    assert_eq!(http(&addr, "GET", &format!("/api/v1/namespaces/{ns}/secrets/two"), None).0, 200);
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    ok(&gantry(&dir, &["destroy", "-auto-approve", "."]));
    assert_eq!(http(&addr, "GET", &format!("/api/v1/namespaces/{ns}/configmaps/one"), None).0, 404);
    assert_eq!(http(&addr, "GET", &format!("/api/v1/namespaces/{ns}"), None).0, 404);
}

#[test]
fn import_adopts_an_object_created_outside_gantry() {
    let Some((kubeconfig, addr)) = kube_server() else { return };
    let kc = kubeconfig.to_str().unwrap();
    let ns = "e2e-import";
    let json = "application/json";
    let (status, body) = http(
        &addr,
        "POST",
        "/api/v1/namespaces",
        Some((json, &format!(r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"{ns}"}}}}"#))),
    );
    assert!(status == 201 || status == 200, "{status} {body}");
    let cm = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"tuning","namespace":"{ns}"}},"data":{{"batch":"32"}}}}"#
    );
    let (status, body) = http(&addr, "POST", &format!("/api/v1/namespaces/{ns}/configmaps"), Some((json, &cm)));
    assert!(status == 201 || status == 200, "{status} {body}");

    let hcl = format!(
        r#"
provider "kubernetes" {{
  config_path = "{kc}"
}}

resource "kubernetes_manifest" "tuning" {{
  manifest = {{
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = {{ name = "tuning", namespace = "{ns}" }}
    data       = {{ batch = "32" }}
  }}
}}
"#
    );
    let (_tmp, dir) = config(&[("main.hcl", &hcl)]);
    let d = dir.to_str().unwrap();

    // Before the import the plan would create an object that already exists.
    let run = gantry(&dir, &["plan", "-detailed-exitcode", d]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("kubernetes_manifest.tuning will be created"), "{}", run.stdout);

    // A malformed ID is refused with a hint, and state is not created.
    let run = gantry(&dir, &["import", "kubernetes_manifest.tuning", "ConfigMap/tuning", d]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Invalid import ID"), "{}", run.stderr);
    assert!(!dir.join("gantry.state.json").exists(), "a failed import writes no state");

    let run = gantry(&dir, &["import", "kubernetes_manifest.tuning", &format!("v1/ConfigMap/{ns}/tuning"), d]);
    ok(&run);
    let state = std::fs::read_to_string(dir.join("gantry.state.json")).unwrap();
    assert!(state.contains("kubernetes_manifest") && state.contains("\"tuning\""), "{state}");
    let run = gantry(&dir, &["state", "list", "-dir", d]);
    ok(&run);
    assert_eq!(run.stdout.trim(), "kubernetes_manifest.tuning", "{}", run.stdout);
    let run = gantry(&dir, &["plan", "-detailed-exitcode", d]);
    assert_eq!(run.code, 0, "an imported object matching its declaration is no change: {}", run.all());

    // Once imported it is Gantry's: destroy deletes it from the server.
    ok(&gantry(&dir, &["destroy", "-auto-approve", d]));
    assert_eq!(http(&addr, "GET", &format!("/api/v1/namespaces/{ns}/configmaps/tuning"), None).0, 404);
    http(&addr, "DELETE", &format!("/api/v1/namespaces/{ns}"), None);
}

#[test]
fn existing_cluster_example_applies_through_a_kubeconfig() {
    let Some((kubeconfig, addr)) = kube_server() else { return };
    let _namespaces = crate::support::PLATFORM_NAMESPACES.lock().unwrap_or_else(|e| e.into_inner());
    let (_tmp, dir) = example("existing-cluster");
    let d = dir.to_str().unwrap();
    let var = format!("kubeconfig={}", kubeconfig.to_str().unwrap());
    let run = gantry(&dir, &["validate", d]);
    ok(&run);
    let run = gantry(&dir, &["plan", "-var", &var, d]);
    ok(&run);
    assert!(run.stdout.contains("Plan: 35 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
    let run = gantry(&dir, &["apply", "-auto-approve", "-var", &var, d]);
    ok(&run);
    assert!(run.stdout.contains("Resources: 35 added"), "{}", run.stdout);

    // Every module's objects are on the server, placed on the labelled pools.
    let get = |path: &str| -> serde_json::Value {
        let (status, body) = http(&addr, "GET", path, None);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    };
    let llm = get("/apis/apps/v1/namespaces/serving/deployments/llm");
    assert_eq!(llm["spec"]["template"]["spec"]["nodeSelector"]["gantry.dev/pool"], "gpu");
    // A quantity may come back as the number sent or as the API server's canonical string.
    let gpus = &llm["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"];
    assert_eq!(gpus.to_string().trim_matches('"'), "1", "{llm}");
    assert_eq!(get("/apis/autoscaling/v2/namespaces/serving/horizontalpodautoscalers/llm")["spec"]["maxReplicas"], 2);
    let kafka = get("/apis/apps/v1/namespaces/kafka/statefulsets/kafka");
    assert_eq!(kafka["spec"]["replicas"], 3);
    assert_eq!(kafka["spec"]["template"]["spec"]["nodeSelector"]["gantry.dev/pool"], "cpu");
    assert_eq!(
        get("/apis/batch/v1/namespaces/training/jobs/finetune")["spec"]["template"]["spec"]["tolerations"][0]["key"],
        "nvidia.com/gpu"
    );
    get("/apis/apps/v1/namespaces/monitoring/deployments/prometheus");
    get("/apis/apps/v1/namespaces/monitoring/deployments/grafana");
    get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sparkapplications.sparkoperator.k8s.io");
    get("/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark/sparkapplications/feature-etl");

    let run = gantry(&dir, &["plan", "-detailed-exitcode", "-var", &var, d]);
    assert_eq!(run.code, 0, "{}", run.all());
    ok(&gantry(&dir, &["destroy", "-auto-approve", "-var", &var, d]));
    assert_eq!(http(&addr, "GET", "/apis/apps/v1/namespaces/serving/deployments/llm", None).0, 404);
    assert_eq!(http(&addr, "GET", "/api/v1/namespaces/kafka", None).0, 404);
}
