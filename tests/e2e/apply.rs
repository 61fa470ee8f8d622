//! Plan, apply, drift and destroy on the embedded simulator.

use crate::support::*;

#[test]
fn quickstart_lifecycle() {
    let (_tmp, dir) = example("quickstart");
    let d = dir.to_str().unwrap();
    let run = gantry(&dir, &["apply", "-auto-approve", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Apply complete! Resources: 6 added, 0 changed, 0 destroyed."), "{}", run.stdout);
    assert_eq!(
        addresses(&dir),
        [
            "kubernetes_manifest.model_server",
            "kubernetes_manifest.model_service",
            "kubernetes_manifest.namespace",
            "local_cluster.main",
            "local_node_pool.cpu",
            "local_node_pool.gpu",
        ]
    );
    let st = state(&dir);
    assert_eq!(st["serial"].as_u64().unwrap() >= 6, true, "state is written after every resource");
    assert_eq!(st["outputs"]["gpu_instance_type"]["value"], "g5.xlarge");
    let sim = dir.join(".gantry/local");
    let pool = read_json(&sim.join("node_pools/quickstart/gpu.json"));
    assert_eq!(pool["instance_type"], "g5.xlarge");
    assert_eq!(pool["taint"][0]["effect"], "NO_SCHEDULE");
    // The model server's pod is placed on the GPU pool's node.
    let placement = read_json(&sim.join("placement/quickstart.json"));
    assert_eq!(placement["assignments"][0]["workload"], "Deployment serving/llm");
    assert!(placement["assignments"][0]["node"].as_str().unwrap().starts_with("gpu"), "{placement}");
    assert_eq!(placement["unschedulable"].as_array().unwrap().len(), 0);

    let run = gantry(&dir, &["plan", "-detailed-exitcode", d]);
    assert_eq!(run.code, 0, "no changes after apply: {}", run.all());

    // One changed value is exactly one in-place update.
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "-var", "gpu_nodes=2", d]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("# local_node_pool.gpu will be updated in-place"), "{}", run.stdout);
    assert!(run.stdout.contains("desired_size = 1 -> 2"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", run.stdout);
    let run = gantry(&dir, &["apply", "-auto-approve", "-var", "gpu_nodes=2", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(read_json(&sim.join("node_pools/quickstart/gpu.json"))["scaling_config"]["desired_size"], 2);

    // A hand edit of the simulator is drift: reported, and repaired by apply.
    let deployment = sim.join("objects/quickstart/serving/Deployment/llm.json");
    let mut obj = read_json(&deployment);
    obj["spec"]["replicas"] = serde_json::json!(5);
    std::fs::write(&deployment, serde_json::to_vec_pretty(&obj).unwrap()).unwrap();
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "-var", "gpu_nodes=2", d]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("kubernetes_manifest.model_server has changed"), "{}", run.stdout);
    assert!(run.stdout.contains("replicas = 5 -> 1"), "{}", run.stdout);
    let run = gantry(&dir, &["apply", "-auto-approve", "-var", "gpu_nodes=2", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(read_json(&deployment)["spec"]["replicas"], 1);

    let run = gantry(&dir, &["destroy", "-auto-approve", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(addresses(&dir).is_empty());
    assert!(!deployment.exists());
    assert!(!sim.join("clusters/quickstart.json").exists());
    assert!(dir.join("gantry.state.json.backup").exists());
}

#[test]
fn saved_plan_is_refused_after_state_moves_on() {
    let (_tmp, dir) = example("quickstart");
    let d = dir.to_str().unwrap();
    let run = gantry(&dir, &["plan", "-out", "first.plan", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["apply", "-auto-approve", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    let before = std::fs::read(dir.join("gantry.state.json")).unwrap();
    let run = gantry(&dir, &["apply", "first.plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Saved plan is stale"), "{}", run.stderr);
    assert_eq!(std::fs::read(dir.join("gantry.state.json")).unwrap(), before, "a refused plan leaves state untouched");

    // A fresh saved plan applies without a prompt.
    let run = gantry(&dir, &["plan", "-out", "second.plan", "-var", "gpu_nodes=3", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["apply", "second.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("1 changed"), "{}", run.stdout);
}

const SLOW: &str = r#"
provider "local" {
  latency = "1500ms"
}
resource "local_cluster" "a" {
  name = "slow"
}
"#;

#[test]
fn second_concurrent_apply_is_refused_while_the_first_holds_the_lock() {
    let (_tmp, dir) = config(&[("main.hcl", SLOW)]);
    let mut first = std::process::Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["apply", "-auto-approve", "."])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.join("gantry.state.json.lock");
    for _ in 0..200 {
        if lock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(lock.exists(), "the first apply takes the lock");
    let second = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(second.code, 1, "{}", second.all());
    assert!(second.stderr.contains("the state is locked by another run"), "{}", second.stderr);
    assert!(second.stderr.contains("Operation: apply"), "{}", second.stderr);
    assert!(first.wait().unwrap().success());
    assert!(!lock.exists(), "the lock is released");
    assert_eq!(addresses(&dir), ["local_cluster.a"]);
}

#[test]
fn force_unlock_releases_a_dead_runs_lock() {
    let (_tmp, dir) = config(&[("main.hcl", "resource \"local_cluster\" \"a\" {\n  name = \"x\"\n}\n")]);
    std::fs::write(
        dir.join("gantry.state.json.lock"),
        r#"{"ID":"dead-run","operation":"apply","who":"ci@runner","created":"2026-01-01T00:00:00Z","path":"gantry.state.json"}"#,
    )
    .unwrap();
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("dead-run") && run.stderr.contains("ci@runner"), "{}", run.stderr);
    let run = gantry(&dir, &["force-unlock", "-force", "dead-run", "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(gantry(&dir, &["plan", "."]).code, 0);
}

const PARTIAL_FAILURE: &str = r#"
provider "kubernetes" {
  local_cluster = local_cluster.ok.name
}
resource "local_cluster" "ok" {
  name = "ok"
}
resource "local_node_pool" "good" {
  cluster_name    = local_cluster.ok.name
  node_group_name = "good"
  instance_types  = ["m6i.large"]
  scaling_config {
    min_size     = 1
    max_size     = 1
    desired_size = 1
  }
}
# Names a cluster that does not exist: fails at apply.
resource "local_node_pool" "broken" {
  cluster_name    = "ghost"
  node_group_name = "broken"
  instance_types  = ["m6i.large"]
  scaling_config {
    min_size     = 1
    max_size     = 1
    desired_size = 1
  }
}
resource "kubernetes_manifest" "needs_broken" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "after-broken" }
    data       = { pool = local_node_pool.broken.id }
  }
}
"#;

#[test]
fn a_failing_resource_leaves_independents_applied_and_dependents_untouched() {
    let (_tmp, dir) = config(&[("main.hcl", PARTIAL_FAILURE)]);
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Failed to apply local_node_pool.broken"), "{}", run.stderr);
    assert!(run.stderr.contains("cluster \"ghost\", which does not exist"), "{}", run.stderr);
    assert_eq!(addresses(&dir), ["local_cluster.ok", "local_node_pool.good"]);
    assert!(!dir.join(".gantry/local/objects/ok/default/ConfigMap/after-broken.json").exists());
}

#[test]
fn replacement_is_planned_when_a_force_new_attribute_changes() {
    let (_tmp, dir) = example("quickstart");
    let d = dir.to_str().unwrap();
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", d]).code, 0);
    let main = dir.join("main.hcl");
    let text = std::fs::read_to_string(&main)
        .unwrap()
        .replace("instance_types  = [\"m6i.xlarge\"]", "instance_types  = [\"m6i.2xlarge\"]");
    std::fs::write(&main, text).unwrap();
    let run = gantry(&dir, &["plan", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# local_node_pool.cpu must be replaced"), "{}", run.stdout);
    assert!(run.stdout.contains("# forces replacement"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "{}", run.stdout);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", d]).code, 0);
    assert_eq!(read_json(&dir.join(".gantry/local/node_pools/quickstart/cpu.json"))["instance_type"], "m6i.2xlarge");
}

#[test]
fn removed_resources_are_destroyed_and_count_expands() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "variable \"n\" {\n  default = 3\n}\nresource \"local_cluster\" \"c\" {\n  count = var.n\n  name  = \"c${count.index}\"\n}\n",
    )]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    assert_eq!(addresses(&dir), ["local_cluster.c[0]", "local_cluster.c[1]", "local_cluster.c[2]"]);
    let run = gantry(&dir, &["apply", "-auto-approve", "-var", "n=1", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("0 added, 0 changed, 2 destroyed"), "{}", run.stdout);
    assert_eq!(addresses(&dir), ["local_cluster.c[0]"]);
}

#[test]
fn sensitive_values_never_appear_in_plan_output() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        r#"
variable "token" {
  type      = string
  sensitive = true
}
provider "kubernetes" {
  local_cluster = local_cluster.c.name
}
resource "local_cluster" "c" {
  name = "s"
}
resource "kubernetes_manifest" "secret" {
  manifest = {
    apiVersion = "v1"
    kind       = "Secret"
    metadata   = { name = "api" }
    stringData = { token = var.token }
  }
}
output "token" {
  value     = var.token
  sensitive = true
}
"#,
    )]);
    let run = gantry(&dir, &["apply", "-auto-approve", "-var", "token=hunter2-very-secret", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains("hunter2-very-secret"), "{}", run.all());
    assert!(run.stdout.contains("(sensitive value)"), "{}", run.stdout);
    let show = gantry(&dir, &["show", "-json", "."]);
    assert!(!show.stdout.contains("hunter2-very-secret"), "{}", show.stdout);
}

#[test]
fn embedded_json_and_yaml_are_diffed_line_by_line() {
    let config = |replicas: u32, level: &str| {
        format!(
            r#"
provider "kubernetes" {{
  local_cluster = local_cluster.c.name
}}
resource "local_cluster" "c" {{
  name = "j"
}}
resource "kubernetes_manifest" "cm" {{
  manifest = {{
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = {{ name = "settings" }}
    data = {{
      "serving.json" = jsonencode({{ model = "llama", replicas = {replicas}, port = 8000 }})
      "logging.yaml" = yamlencode({{ level = "{level}", format = "json" }})
    }}
  }}
}}
"#
        )
    };
    let (_tmp, dir) = crate::support::config(&[("main.hcl", &config(1, "info"))]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    std::fs::write(dir.join("main.hcl"), config(3, "debug")).unwrap();
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("-   \"replicas\": 1\n"), "{}", run.stdout);
    assert!(run.stdout.contains("+   \"replicas\": 3\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\"model\": \"llama\","), "unchanged lines give context: {}", run.stdout);
    assert!(run.stdout.contains("- \"level\": \"info\""), "{}", run.stdout);
    assert!(run.stdout.contains("+ \"level\": \"debug\""), "{}", run.stdout);
}

const TWO_CLUSTERS: &str = r#"
resource "local_cluster" "a" {
  name = "a"
}
resource "local_cluster" "b" {
  name = "b"
}
"#;

#[test]
fn confirmation_is_required_without_auto_approve() {
    use std::io::Write;
    let (_tmp, dir) = config(&[("main.hcl", TWO_CLUSTERS)]);
    let answer = |text: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gantry"))
            .args(["apply", "."])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, stdout) = answer("no\n");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("Apply cancelled."), "{stdout}");
    assert!(!dir.join("gantry.state.json").exists() || addresses(&dir).is_empty());
    let (code, stdout) = answer("yes\n");
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(addresses(&dir), ["local_cluster.a", "local_cluster.b"]);
}

#[test]
fn target_replace_and_refresh_false() {
    let (_tmp, dir) = config(&[("main.hcl", TWO_CLUSTERS)]);
    let run = gantry(&dir, &["apply", "-auto-approve", "-target", "local_cluster.a", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.a"], "only the target is applied");
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);

    let run = gantry(&dir, &["plan", "-replace", "local_cluster.b", "."]);
    assert!(run.stdout.contains("# local_cluster.b must be replaced"), "{}", run.stdout);
    assert!(run.stdout.contains("-replace was given"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "{}", run.stdout);

    // Deleted out of band: found by refresh, not without it.
    std::fs::remove_file(dir.join(".gantry/local/clusters/b.json")).unwrap();
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "-refresh=false", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("local_cluster.b has been deleted"), "{}", run.stdout);
    assert!(run.stdout.contains("# local_cluster.b will be created"), "{}", run.stdout);
}

#[test]
fn prevent_destroy_and_create_before_destroy() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "resource \"local_cluster\" \"keep\" {\n  name = \"keep\"\n  lifecycle {\n    prevent_destroy = true\n  }\n}\nresource \"local_cluster\" \"swap\" {\n  name = \"one\"\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n",
    )]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    let run = gantry(&dir, &["destroy", "-auto-approve", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Instance cannot be destroyed"), "{}", run.stderr);
    assert_eq!(addresses(&dir).len(), 2, "nothing destroyed");

    let text = std::fs::read_to_string(dir.join("main.hcl")).unwrap().replace("\"one\"", "\"two\"");
    std::fs::write(dir.join("main.hcl"), text).unwrap();
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# local_cluster.swap must be replaced"), "{}", run.stdout);
    assert!(run.stdout.contains("+/- resource \"local_cluster\" \"swap\""), "{}", run.stdout);
    assert!(dir.join(".gantry/local/clusters/two.json").exists());
    assert!(!dir.join(".gantry/local/clusters/one.json").exists());
}

#[test]
fn show_output_and_state_commands() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "resource \"local_cluster\" \"a\" {\n  name = \"a\"\n}\noutput \"endpoint\" {\n  value = local_cluster.a.endpoint\n}\n",
    )]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    let run = gantry(&dir, &["output", "endpoint", "--dir", "."]);
    assert_eq!(run.stdout, "\"https://a.local.gantry.invalid\"\n", "quoted, as Terraform prints it");
    let run = gantry(&dir, &["output", "-raw", "endpoint", "--dir", "."]);
    assert_eq!(run.stdout, "https://a.local.gantry.invalid", "the plain string, for scripts");
    let run = gantry(&dir, &["show", "-json", "."]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["values"]["root_module"]["resources"][0]["values"]["status"], "ACTIVE");
    let run = gantry(&dir, &["state", "show", "local_cluster.a", "--dir", "."]);
    assert!(run.stdout.contains("arn:gantry:local:cluster/a"), "{}", run.stdout);
    let run = gantry(&dir, &["state", "mv", "local_cluster.a", "local_cluster.renamed", "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.renamed"]);
    let run = gantry(&dir, &["state", "rm", "local_cluster.renamed", "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(addresses(&dir).is_empty());
    assert!(dir.join(".gantry/local/clusters/a.json").exists(), "state rm forgets without destroying");
    let run = gantry(&dir, &["state", "rm", "local_cluster.nope", "--dir", "."]);
    assert_eq!(run.code, 1);
}

#[test]
fn import_adopts_an_existing_object() {
    let (_tmp, dir) = config(&[("main.hcl", TWO_CLUSTERS)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    // Forget b, then bring it back by ID: the next plan has nothing to do.
    assert_eq!(gantry(&dir, &["state", "rm", "local_cluster.b", "--dir", "."]).code, 0);
    let run = gantry(&dir, &["import", "local_cluster.b", "b", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.a", "local_cluster.b"]);
    assert_eq!(gantry(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);
    let run = gantry(&dir, &["import", "local_cluster.b", "b", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("already managed"), "{}", run.stderr);
    let run = gantry(&dir, &["import", "local_cluster.c", "nothing", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Configuration for import target does not exist"), "{}", run.stderr);
}

#[test]
fn moved_blocks_rename_without_recreating() {
    let (_tmp, dir) = config(&[
        ("main.hcl", "resource \"local_cluster\" \"old\" {\n  name = \"keep-me\"\n}\nmodule \"pools\" {\n  source = \"./m\"\n}\n"),
        ("m/main.hcl", "resource \"local_cluster\" \"inner\" {\n  name = \"inner\"\n}\n"),
    ]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    std::fs::write(
        dir.join("main.hcl"),
        "resource \"local_cluster\" \"new\" {\n  name = \"keep-me\"\n}\nmodule \"renamed\" {\n  source = \"./m\"\n}\nmoved {\n  from = local_cluster.old\n  to   = local_cluster.new\n}\nmoved {\n  from = module.pools\n  to   = module.renamed\n}\n",
    )
    .unwrap();
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("# local_cluster.old has moved to local_cluster.new"), "{}", run.stdout);
    assert!(
        run.stdout.contains("# module.pools.local_cluster.inner has moved to module.renamed.local_cluster.inner"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Plan: 0 to add, 0 to change, 0 to destroy. 2 moved."), "{}", run.stdout);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    assert_eq!(addresses(&dir), ["local_cluster.new", "module.renamed.local_cluster.inner"]);
    assert_eq!(gantry(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);
}
