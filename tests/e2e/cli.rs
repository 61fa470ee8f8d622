//! validate, fmt, graph, and the diagnostics they print.

use crate::support::*;

#[test]
fn quickstart_validates() {
    let (_tmp, dir) = example("quickstart");
    let run = gantry(&dir, &["validate", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn validate_reports_every_problem_with_location_and_hint() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "resource \"local_cluster\" \"a\" {\n  nmae = \"x\"\n}\n\nlocals {\n  v = var.regoin\n}\n\nvariable \"region\" {}\n",
    )]);
    let run = gantry(&dir, &["validate", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Error: Unsupported argument\n  --> main.hcl:2:3"), "{}", run.stderr);
    assert!(run.stderr.contains("Did you mean \"name\"?"), "{}", run.stderr);
    assert!(run.stderr.contains("2 |   nmae = \"x\"\n  |   ^^^^"), "{}", run.stderr);
    assert!(run.stderr.contains("Error: Reference to undeclared input variable\n  --> main.hcl:6:7"), "{}", run.stderr);
    assert!(run.stderr.contains("Did you mean \"region\"?"), "{}", run.stderr);
    let json = gantry(&dir, &["validate", "-json", "."]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error_count"], 3, "nmae, the then-missing name, and var.regoin: {}", json.stdout);
}

#[test]
fn cycles_are_reported_as_chains() {
    let (_tmp, dir) = config(&[("main.hcl", "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n")]);
    let run = gantry(&dir, &["validate", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Error: Cycle in configuration"), "{}", run.stderr);
    assert!(run.stderr.contains("local.a → local.b → local.c → local.a"), "{}", run.stderr);
}

#[test]
fn fmt_check_exits_3_and_fmt_rewrites() {
    let (_tmp, dir) =
        config(&[("main.hcl", "resource \"local_cluster\" \"a\" {\nname = \"x\"\n    version=\"1.31\"\n}\n")]);
    let run = gantry(&dir, &["fmt", "-check", "-diff", "."]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stdout.contains("+  name    = \"x\""), "{}", run.stdout);
    assert_eq!(gantry(&dir, &["fmt", "."]).code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("main.hcl")).unwrap(),
        "resource \"local_cluster\" \"a\" {\n  name    = \"x\"\n  version = \"1.31\"\n}\n"
    );
    assert_eq!(gantry(&dir, &["fmt", "-check", "."]).code, 0);
}

#[test]
fn graph_prints_dot_with_reference_edges() {
    let (_tmp, dir) = example("quickstart");
    let run = gantry(&dir, &["graph", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.starts_with("digraph gantry {"));
    assert!(run.stdout.contains("\"local_node_pool.gpu\" -> \"local_cluster.main\""), "{}", run.stdout);
    assert!(run.stdout.contains("\"local_node_pool.gpu\" -> \"var.gpu_nodes\""), "{}", run.stdout);
}

#[test]
fn modules_with_for_each_get_typed_addresses() {
    let (_tmp, dir) = config(&[
        (
            "main.hcl",
            r#"
resource "local_cluster" "main" {
  name = "m"
}
module "pool" {
  source   = "./pool"
  for_each = { a100 = 8, t4 = 1 }
  cluster  = local_cluster.main.name
  gpus     = each.value
  name     = each.key
}
output "types" {
  value = { for k, m in module.pool : k => m.instance_type }
}
"#,
        ),
        (
            "pool/main.hcl",
            r#"
variable "cluster" {
  type = string
}
variable "name" {
  type = string
}
variable "gpus" {
  type = number
}
locals {
  model = var.name == "a100" ? "a100" : "t4"
}
resource "local_node_pool" "this" {
  cluster_name    = var.cluster
  node_group_name = var.name
  gpu {
    model = local.model
    count = var.gpus
  }
  scaling_config {
    min_size     = 0
    max_size     = 1
    desired_size = 0
  }
}
output "instance_type" {
  value = local_node_pool.this.instance_type
}
"#,
        ),
    ]);
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        addresses(&dir),
        [
            "local_cluster.main",
            "module.pool[\"a100\"].local_node_pool.this",
            "module.pool[\"t4\"].local_node_pool.this"
        ]
    );
    let out = gantry(&dir, &["output", "-json", "--dir", "."]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["types"]["value"]["a100"], "p4d.24xlarge");
    assert_eq!(v["types"]["value"]["t4"], "g4dn.xlarge");
}

#[test]
fn missing_required_variable_is_named() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "variable \"cluster\" {\n  type = string\n}\nresource \"local_cluster\" \"a\" {\n  name = var.cluster\n}\n",
    )]);
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("No value for required variable"), "{}", run.stderr);
    assert!(run.stderr.contains("\"cluster\""), "{}", run.stderr);
    std::env::set_var("UNUSED", "1");
    let with_env = std::process::Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["plan", "-no-color", "."])
        .current_dir(&dir)
        .env("GANTRY_VAR_cluster", "from-env")
        .output()
        .unwrap();
    assert!(with_env.status.success());
    assert!(String::from_utf8_lossy(&with_env.stdout).contains("\"from-env\""));
}

const ONE_CLUSTER: &str =
    "variable \"name\" {\n  default = \"a\"\n}\nresource \"local_cluster\" \"a\" {\n  name = var.name\n}\n";

#[test]
fn var_without_equals_is_an_error_naming_the_form() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_CLUSTER)]);
    for args in [&["plan", "-var", "name", "."][..], &["plan", "-var=name", "."], &["validate", "--var", "name", "."]] {
        let run = gantry(&dir, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(run.stderr.contains("invalid -var option \"name\": expected NAME=VALUE"), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("-var 'name=VALUE'"), "{}", run.stderr);
    }
    let run = gantry(&dir, &["apply", "-auto-approve", "-var", "=x", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("invalid -var option \"=x\": expected NAME=VALUE"), "{}", run.stderr);
    assert!(!dir.join("gantry.state.json").exists(), "nothing was applied");
    // An empty value is still a value.
    let run = gantry(&dir, &["plan", "-var", "name=", "."]);
    assert!(!run.stderr.contains("invalid -var option"), "{}", run.all());
}

#[test]
fn parallelism_must_be_at_least_one() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_CLUSTER)]);
    for cmd in ["apply", "destroy"] {
        let run = gantry(&dir, &[cmd, "-auto-approve", "-parallelism", "0", "."]);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stderr.contains("invalid value '0'") && run.stderr.contains("must be at least 1"),
            "{}",
            run.stderr
        );
    }
    assert!(!dir.join("gantry.state.json").exists(), "nothing was applied");
    let run = gantry(&dir, &["apply", "-auto-approve", "-parallelism=1", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn apply_and_destroy_refuse_flags_only_plan_has() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_CLUSTER)]);
    let cases: &[(&[&str], &str)] = &[
        (&["apply", "-auto-approve", "-out", "x.plan", "."], "gantry apply does not take -out"),
        (&["apply", "-auto-approve", "--out=x.plan", "."], "gantry apply does not take -out"),
        (&["apply", "-auto-approve", "-detailed-exitcode", "."], "gantry apply does not take -detailed-exitcode"),
        (&["destroy", "-auto-approve", "-out", "x.plan", "."], "gantry destroy does not take -out"),
    ];
    for (args, message) in cases {
        let run = gantry(&dir, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("which is an option of gantry plan"), "{}", run.stderr);
        assert!(!dir.join("gantry.state.json").exists(), "{args:?} changed nothing");
        assert!(!dir.join("x.plan").exists());
    }
    let run = gantry(&dir, &["apply", "-auto-approve", "-out", "x.plan", "."]);
    assert!(run.stderr.contains("gantry plan -out FILE, then run gantry apply FILE"), "{}", run.stderr);
    // plan keeps them.
    let run = gantry(&dir, &["plan", "-json", "-detailed-exitcode", "-out", "x.plan", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(dir.join("x.plan").exists());
}

#[test]
fn unknown_backend_is_named_at_its_block_with_the_available_ones() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "gantry {\n  backend \"consul\" {\n    address = \"consul.example.com\"\n  }\n}\nresource \"local_cluster\" \"a\" {\n  name = \"a\"\n}\n",
    )]);
    for args in [
        &["plan", "."][..],
        &["apply", "-auto-approve", "."],
        &["state", "list", "--dir", "."],
        &["output", "--dir", "."],
    ] {
        let run = gantry(&dir, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(run.stderr.starts_with("Error: Unsupported backend\n  --> main.hcl:2:3"), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(
                "The \"consul\" backend is not available in this build. Available backends: kubernetes, local, pg, s3."
            ),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.matches("Error:").count(), 1, "reported once: {}", run.stderr);
    }
}

#[test]
fn local_backend_path_is_used_by_every_command() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "gantry {\n  backend \"local\" {\n    path = \"state/ml.json\"\n  }\n}\nresource \"local_cluster\" \"a\" {\n  count = 2\n  name  = \"a${count.index}\"\n}\n",
    )]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    assert!(dir.join("state/ml.json").exists() && !dir.join("gantry.state.json").exists());
    let run = gantry(&dir, &["state", "list", "--dir", "."]);
    assert_eq!(run.stdout, "local_cluster.a[0]\nlocal_cluster.a[1]\n", "{}", run.all());
    // A resource address removes every instance of it.
    let run = gantry(&dir, &["state", "rm", "local_cluster.a", "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains(
            "Removed local_cluster.a[0]\nRemoved local_cluster.a[1]\nSuccessfully removed 2 resource instance(s)."
        ),
        "{}",
        run.stdout
    );
    let st = read_json(&dir.join("state/ml.json"));
    assert!(st["resources"].as_array().unwrap().is_empty());
    let run = gantry(&dir, &["state", "rm", "local_cluster.a", "--dir", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("No instance found for the given address: local_cluster.a"), "{}", run.stderr);
}

/// What users copy first is formatted as `gantry fmt` (and `terraform fmt`) would write it.
#[test]
fn every_shipped_module_and_example_passes_fmt_check() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = Vec::new();
    for top in ["modules", "examples"] {
        for entry in std::fs::read_dir(root.join(top)).unwrap() {
            let dir = entry.unwrap().path();
            if dir.is_dir() {
                dirs.push(dir);
            }
        }
    }
    assert!(dirs.len() >= 8, "{dirs:?}");
    let unformatted: Vec<String> = dirs
        .iter()
        .filter(|d| gantry(d, &["fmt", "-check", "."]).code != 0)
        .map(|d| d.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(unformatted.is_empty(), "run gantry fmt on {unformatted:?}");
}
