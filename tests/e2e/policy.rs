//! Policies written for Terraform plans, in Rego as conftest and OPA run them, evaluated
//! unchanged over `gantry show -json PLANFILE`.

use crate::support::*;
use serde_json::Value as Json;
use std::path::Path;

/// What the policy's `deny` rule says about the plan document.
fn denials(policy: &str, package: &str, plan: &Json, rego_v0: bool) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies").join(policy);
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(rego_v0);
    engine.add_policy(policy.to_string(), std::fs::read_to_string(path).unwrap()).expect("the policy parses");
    engine.set_input(regorus::Value::from_json_str(&plan.to_string()).unwrap());
    let result = engine.eval_rule(format!("data.{package}.deny")).expect("deny evaluates");
    let json: Json = serde_json::from_str(&result.to_json_str().unwrap()).unwrap();
    let mut out: Vec<String> =
        json.as_array().into_iter().flatten().filter_map(|m| m.as_str().map(String::from)).collect();
    out.sort();
    out
}

/// A cluster with one GPU pool from `modules/gpu-node-pool`, on EKS, of `max_size` nodes
/// with 8 A100s each.
fn gpu_platform(max_size: u32) -> String {
    format!(
        r#"
provider "aws" {{
  region       = "us-east-1"
  endpoint_url = "http://127.0.0.1:9"
}}
# The device plugin's cluster is made by the same apply, so its objects are planned
# from the schema and no Kubernetes API is reached while planning.
resource "local_cluster" "c" {{
  name = "ml"
}}
provider "kubernetes" {{
  local_cluster = local_cluster.c.name
}}
module "training" {{
  source       = "../modules/gpu-node-pool"
  target       = "aws"
  cluster_name = "ml"
  name         = "a100"
  gpu          = {{ model = "a100", count = 8 }}
  max_size     = {max_size}
  aws = {{
    node_role_arn = "arn:aws:iam::123456789012:role/node"
    subnet_ids    = ["subnet-1", "subnet-2"]
  }}
}}
"#
    )
}

fn shown_plan(main: &str) -> Json {
    let (tmp, dir) = config(&[("main.hcl", main)]);
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("modules"), &tmp.path().join("modules"));
    let plan = gantry(&dir, &["plan", "-out", "p.plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let shown = gantry(&dir, &["show", "-json", "p.plan"]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    serde_json::from_str(&shown.stdout).unwrap()
}

#[test]
fn a_terraform_gpu_policy_finds_a_node_group_over_its_limit() {
    let over = shown_plan(&gpu_platform(4));
    assert_eq!(
        denials("gpu_limit.rego", "terraform.gpu_limit", &over, false),
        ["module.training.aws_eks_node_group.this[0] can scale to 32 GPUs, more than 16"]
    );
    let within = shown_plan(&gpu_platform(2));
    assert_eq!(denials("gpu_limit.rego", "terraform.gpu_limit", &within, false), Vec::<String>::new());
}

#[test]
fn a_conftest_policy_in_the_older_syntax_reads_the_actions() {
    let (_tmp, dir) = config(&[("main.hcl", "resource \"local_cluster\" \"a\" {\n  name = \"a\"\n}\n")]);
    let plan = gantry(&dir, &["plan", "-out", "p.plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let shown: Json = serde_json::from_str(&gantry(&dir, &["show", "-json", "p.plan"]).stdout).unwrap();
    assert_eq!(denials("no_deletes.rego", "main", &shown, true), Vec::<String>::new(), "a create deletes nothing");
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "p.plan"]).code, 0);
    let plan = gantry(&dir, &["plan", "-replace", "local_cluster.a", "-out", "p.plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let shown: Json = serde_json::from_str(&gantry(&dir, &["show", "-json", "p.plan"]).stdout).unwrap();
    assert_eq!(denials("no_deletes.rego", "main", &shown, true), ["local_cluster.a would be deleted"]);
}
