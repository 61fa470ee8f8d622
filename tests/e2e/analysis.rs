//! The plan's cluster analysis: fit errors, cost figures, disruption, and the ML platform example.

use crate::support::*;
use gantry_core::analysis::catalog::{catalog, HOURS_PER_MONTH};
use gantry_core::analysis::plan_analysis::SPOT_PRICE_FACTOR;

const HEADER: &str = r#"
provider "local" {}

provider "kubernetes" {
  local_cluster = local_cluster.main.name
}

resource "local_cluster" "main" {
  name = "fit"
}
"#;

fn gpu_pool(count: u32, max: u32) -> String {
    format!(
        r#"
resource "local_node_pool" "gpu" {{
  cluster_name    = local_cluster.main.name
  node_group_name = "gpu"
  gpu {{
    model = "a10g"
    count = {count}
  }}
  scaling_config {{
    min_size     = 0
    max_size     = {max}
    desired_size = 1
  }}
  taint {{
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }}
}}
"#
    )
}

const TOLERATION: &str = r#"tolerations = [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]"#;

fn job(gpus: u32, tolerations: &str) -> String {
    format!(
        r#"
resource "kubernetes_manifest" "train" {{
  manifest = {{
    apiVersion = "batch/v1"
    kind       = "Job"
    metadata   = {{ name = "train" }}
    spec = {{
      template = {{
        spec = {{
          restartPolicy = "Never"
          {tolerations}
          containers = [{{
            name      = "trainer"
            image     = "trainer:1"
            resources = {{ limits = {{ "nvidia.com/gpu" = {gpus} }} }}
          }}]
        }}
      }}
    }}
  }}
}}
"#
    )
}

fn plan_error(text: &str) -> Run {
    let (_tmp, dir) = config(&[("main.hcl", text)]);
    let run = gantry(&dir, &["plan", dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.all());
    run
}

#[test]
fn eight_gpu_job_on_a_four_gpu_pool() {
    let run = plan_error(&format!("{HEADER}{}{}", gpu_pool(4, 2), job(8, TOLERATION)));
    let err = run.all();
    assert!(err.contains("Error: Workload cannot be scheduled\n  --> main.hcl:31:1"), "{err}");
    assert!(
        err.contains(
            "Job default/train can never be scheduled: 1 of 1 pod cannot be scheduled even with every pool at its max size; \
             each pod requests 8 GPUs; closest pool gpu: requests 8 GPUs; pool gpu offers g5.12xlarge: 4 × nvidia-a10g."
        ),
        "{err}"
    );
    assert!(
        err.contains("Hint: lower the pod's requests, or give it a pool whose instance type is big enough"),
        "{err}"
    );
}

#[test]
fn gpu_workload_without_the_toleration() {
    let run = plan_error(&format!("{HEADER}{}{}", gpu_pool(1, 2), job(1, "")));
    let err = run.all();
    assert!(err.contains("--> main.hcl:31:1"), "{err}");
    assert!(
        err.contains(
            "Job default/train can never be scheduled: 1 of 1 pod cannot be scheduled even with every pool at its max size; \
             each pod requests 1 GPU; closest pool gpu: pool gpu has taint nvidia.com/gpu=true:NoSchedule that the pod does not tolerate."
        ),
        "{err}"
    );
    assert!(err.contains("Hint: add a toleration for the pool's taint"), "{err}");
}

#[test]
fn autoscaler_max_replicas_beyond_the_pool_max_size() {
    let serving = r#"
module "llm" {
  source       = "./modules/model-serving"
  name         = "llm"
  namespace    = "default"
  image        = "vllm/vllm-openai:v0.6.3"
  model_uri    = "meta-llama/Llama-3.2-1B-Instruct"
  pool         = "gpu"
  cpu          = "2"
  memory       = "8Gi"
  gpus         = 1
  replicas     = 1
  max_replicas = 5
}
"#;
    let module =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/modules/model-serving/main.hcl")).unwrap();
    let text = format!("{HEADER}{}{serving}", gpu_pool(1, 3));
    let (_tmp, dir) = config(&[("main.hcl", &text), ("modules/model-serving/main.hcl", &module)]);
    let run = gantry(&dir, &["plan", dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.all());
    let err = run.all();
    assert!(err.contains("--> modules/model-serving/main.hcl:"), "{err}");
    assert!(err.contains("(in module.llm.kubernetes_manifest.deployment)"), "{err}");
    assert!(
        err.contains(
            "Deployment default/llm can never be scheduled: 2 of 5 pods (maxReplicas of HorizontalPodAutoscaler default/llm) \
             cannot be scheduled even with every pool at its max size; each pod requests 1 GPU, 2 CPU, 8 GiB memory; \
             closest pool gpu: pool gpu is full at its max size of 3 nodes (needs 0.1 CPU, 512 MiB, 1 GPU more)."
        ),
        "{err}"
    );
    assert!(err.contains("Hint: raise the pool's scaling_config.max_size"), "{err}");
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn cost_figures_match_the_catalogue() {
    let (_tmp, dir) = example("quickstart");
    let run = gantry(&dir, &["plan", "-json", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let cost = &plan["analysis"]["cost"];
    let cpu_price = catalog().get("m6i.xlarge").unwrap().on_demand_hourly_usd;
    let gpu_price = catalog().get("g5.xlarge").unwrap().on_demand_hourly_usd;
    let pools = cost["pools"].as_array().unwrap();
    let cpu = pools.iter().find(|p| p["pool"] == "cpu").unwrap();
    let gpu = pools.iter().find(|p| p["pool"] == "gpu").unwrap();
    // cpu: on-demand, 1/2/3 nodes.
    assert!(close(cpu["hourly_usd"]["desired"].as_f64().unwrap(), 2.0 * cpu_price));
    assert!(close(cpu["monthly_usd"]["floor"].as_f64().unwrap(), cpu_price * HOURS_PER_MONTH));
    assert!(close(cpu["monthly_usd"]["ceiling"].as_f64().unwrap(), 3.0 * cpu_price * HOURS_PER_MONTH));
    // gpu: spot, 0/1/4 nodes, an estimate.
    let spot = gpu_price * SPOT_PRICE_FACTOR;
    assert_eq!(gpu["estimate"], true);
    assert!(close(gpu["hourly_usd"]["desired"].as_f64().unwrap(), spot));
    assert!(close(gpu["monthly_usd"]["ceiling"].as_f64().unwrap(), 4.0 * spot * HOURS_PER_MONTH));
    assert!(close(gpu["on_demand_monthly_usd"].as_f64().unwrap(), gpu_price * HOURS_PER_MONTH));
    let total = 2.0 * cpu_price + spot;
    assert!(close(cost["hourly_usd"]["desired"].as_f64().unwrap(), total));
    assert!(close(cost["delta_monthly_usd"].as_f64().unwrap(), total * HOURS_PER_MONTH));

    let run = gantry(&dir, &["plan", dir.to_str().unwrap()]);
    assert!(run.stdout.contains("Cluster analysis:"), "{}", run.stdout);
    let row = format!("{:.4}", 2.0 * cpu_price);
    assert!(run.stdout.lines().any(|l| l.trim_start().starts_with("cpu ") && l.contains(&row)), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "change from the current state: +{:.4}/hour ({:+.2}/month)",
            total,
            total * HOURS_PER_MONTH
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("spot (est.)"), "{}", run.stdout);

    // After apply, the current state costs the same and the delta is zero.
    let run = gantry(&dir, &["apply", "-auto-approve", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["plan", "-json", "-var", "gpu_nodes=2", dir.to_str().unwrap()]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(close(plan["analysis"]["cost"]["current_hourly_usd"].as_f64().unwrap(), total));
    assert!(close(plan["analysis"]["cost"]["delta_hourly_usd"].as_f64().unwrap(), spot));
}

#[test]
fn ml_platform_fits_and_applies_with_every_pod_placed() {
    let (_tmp, dir) = example("ml-platform");
    let d = dir.to_str().unwrap();
    let run = gantry(&dir, &["validate", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["plan", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("all fit with every pool at its max size"), "{}", run.stdout);
    assert!(run.stdout.contains("Deployment serving/llm"), "{}", run.stdout);
    assert!(run.stdout.contains("SparkApplication spark/feature-etl"), "{}", run.stdout);
    let run = gantry(&dir, &["apply", "-auto-approve", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    let placement = read_json(&dir.join(".gantry/local/placement/ml-platform.json"));
    assert_eq!(placement["unschedulable"].as_array().unwrap().len(), 0, "{placement}");
    let placed: Vec<&str> =
        placement["assignments"].as_array().unwrap().iter().map(|a| a["workload"].as_str().unwrap()).collect();
    for w in [
        "Job training/finetune",
        "Deployment serving/llm",
        "StatefulSet kafka/kafka",
        "SparkApplication spark/feature-etl executor",
    ] {
        assert!(placed.contains(&w), "{w} not placed: {placement}");
    }
    let run = gantry(&dir, &["plan", "-detailed-exitcode", d]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn replacing_a_pool_lists_what_it_evicts() {
    let (_tmp, dir) = example("quickstart");
    let d = dir.to_str().unwrap();
    let run = gantry(&dir, &["apply", "-auto-approve", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    let main = dir.join("main.hcl");
    let text = std::fs::read_to_string(&main)
        .unwrap()
        .replace("model = \"a10g\"\n    count = 1", "model = \"l4\"\n    count = 1");
    std::fs::write(&main, text).unwrap();
    let run = gantry(&dir, &["plan", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# local_node_pool.gpu must be replaced"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("local_node_pool.gpu (replace): its 1 node is drained; evicts Deployment serving/llm (1 pod)"),
        "{}",
        run.stdout
    );
}

#[test]
fn node_pool_modules_add_an_extra_taint_and_only_the_chosen_target_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("modules"), &tmp.path().join("modules"));
    let dir = tmp.path().join("platform");
    std::fs::create_dir_all(&dir).unwrap();
    // No AWS region or credentials anywhere: the modules' EKS resources have no instances.
    std::fs::write(
        dir.join("main.hcl"),
        r#"
provider "kubernetes" {
  local_cluster = local_cluster.c.name
}
resource "local_cluster" "c" {
  name = "taints"
}
module "gpu" {
  source       = "../modules/gpu-node-pool"
  cluster_name = local_cluster.c.name
  name         = "gpu"
  gpu          = { model = "l4", count = 1 }
  max_size     = 2
  desired_size = 1
  taint        = { key = "team", value = "ml", effect = "NO_EXECUTE" }
}
module "cpu" {
  source        = "../modules/cpu-node-pool"
  cluster_name  = local_cluster.c.name
  name          = "cpu"
  instance_type = "m6i.large"
  max_size      = 2
}
output "gpu_tolerations" {
  value = module.gpu.tolerations
}
"#,
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let run = gantry(&dir, &["apply", "-auto-approve", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Resources: 4 added"), "{}", run.stdout);
    let st = state(&dir);
    let pool = |addr: &str| st["resources"].as_array().unwrap().iter().find(|r| r["address"] == addr).cloned();
    let gpu = pool("module.gpu.local_node_pool.this[0]").expect("the gpu pool");
    assert_eq!(
        gpu["attributes"]["taint"],
        serde_json::json!([
            {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"},
            {"key": "team", "value": "ml", "effect": "NO_EXECUTE"}
        ])
    );
    assert_eq!(
        pool("module.cpu.local_node_pool.this[0]").expect("the cpu pool")["attributes"]["taint"],
        serde_json::json!([])
    );
    let run = gantry(&dir, &["output", "-json", "-dir", d]);
    let tolerations: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}", run.all()));
    assert!(tolerations.to_string().contains("\"NoExecute\""), "{tolerations}");

    // Dropping the extra taint updates the same pool in place (and the device plugin's tolerations).
    let main = dir.join("main.hcl");
    let text = std::fs::read_to_string(&main)
        .unwrap()
        .replace("  taint        = { key = \"team\", value = \"ml\", effect = \"NO_EXECUTE\" }\n", "");
    std::fs::write(&main, text).unwrap();
    let run = gantry(&dir, &["plan", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# module.gpu.local_node_pool.this[0] will be updated in-place"), "{}", run.stdout);
    assert!(
        run.stdout.contains("# module.gpu.kubernetes_manifest.device_plugin will be updated in-place"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Plan: 0 to add, 2 to change, 0 to destroy."), "{}", run.stdout);
}
