//! The aws provider and the s3 backend against the moto AWS emulator, checked with
//! the AWS CLI. `.ci/run` starts moto and sets GANTRY_TEST_AWS_ENDPOINT,
//! GANTRY_TEST_AWS_CLI and GANTRY_REQUIRE_MOTO=1; run by hand without them, these
//! tests print a notice and pass.

use crate::support::*;
use serde_json::Value as Json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    pub endpoint: String,
    cli: String,
}

pub fn moto() -> Option<Moto> {
    let required = std::env::var("GANTRY_REQUIRE_MOTO").is_ok_and(|v| v == "1");
    let endpoint = std::env::var("GANTRY_TEST_AWS_ENDPOINT").ok();
    let reachable = endpoint.as_deref().is_some_and(|e| {
        let addr = e.trim_start_matches("http://").trim_end_matches('/');
        addr.parse().is_ok_and(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok())
    });
    if !reachable {
        assert!(!required, "GANTRY_REQUIRE_MOTO=1 but the AWS emulator at {endpoint:?} is not reachable");
        eprintln!(
            "notice: skipping an AWS test: set GANTRY_TEST_AWS_ENDPOINT to a running moto_server (bash .ci/run does)"
        );
        return None;
    }
    let cli = std::env::var("GANTRY_TEST_AWS_CLI").unwrap_or_else(|_| "aws".into());
    Some(Moto { endpoint: endpoint.unwrap(), cli })
}

pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{}-{nanos:x}", std::process::id())
}

pub fn with_env(cmd: &mut Command) -> &mut Command {
    // The examples' kubernetes provider runs `aws eks get-token`: the CLI next to the one the tests use.
    let cli_dir = std::env::var("GANTRY_TEST_AWS_CLI").ok().and_then(|c| Path::new(&c).parent().map(Path::to_path_buf));
    if let Some(dir) = cli_dir {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(dir).chain(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(paths).unwrap());
    }
    cmd.env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

pub fn g(dir: &Path, args: &[&str]) -> Run {
    let out =
        with_env(Command::new(env!("CARGO_BIN_EXE_gantry")).args(args).current_dir(dir)).output().expect("gantry runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn spawn(dir: &Path, args: &[&str]) -> Child {
    with_env(Command::new(env!("CARGO_BIN_EXE_gantry")).args(args).current_dir(dir))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs the AWS CLI against moto; `Err` carries its stderr.
pub fn aws(m: &Moto, args: &[&str]) -> Result<Json, String> {
    let out = with_env(Command::new(&m.cli).args(["--endpoint-url", &m.endpoint, "--output", "json"]).args(args))
        .output()
        .expect("the AWS CLI runs (GANTRY_TEST_AWS_CLI)");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(if text.trim().is_empty() { Json::Null } else { serde_json::from_str(&text).unwrap() })
}

fn node_group(m: &Moto, cluster: &str, name: &str) -> Result<Json, String> {
    aws(m, &["eks", "describe-nodegroup", "--cluster-name", cluster, "--nodegroup-name", name])
        .map(|v| v["nodegroup"].clone())
}

#[test]
fn aws_ml_platform_lifecycle() {
    let Some(m) = moto() else { return };
    // The Kubernetes layer goes to the API emulator instead of moto's unreachable cluster endpoint.
    let Some((_, kube_addr)) = kube_server() else { return };
    let _namespaces = PLATFORM_NAMESPACES.lock().unwrap_or_else(|e| e.into_inner());
    let (_tmp, dir) = example("aws-ml-platform");
    let cluster = unique("ml");
    let d = dir.to_str().unwrap();
    let vars = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "-var".to_string(),
            format!("endpoint_url={}", m.endpoint),
            "-var".into(),
            format!("cluster_name={cluster}"),
            "-var".into(),
            format!("kubernetes_host=http://{kube_addr}"),
        ];
        for e in extra {
            v.push("-var".into());
            v.push(e.to_string());
        }
        v.push(d.to_string());
        v
    };
    let cmd = |verb: &[&str], extra: &[&str]| {
        let mut args: Vec<String> = verb.iter().map(|s| s.to_string()).collect();
        args.extend(vars(extra));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        g(&dir, &refs)
    };

    let started = Instant::now();
    // Until the cluster exists, its Kubernetes objects can only be planned from their configuration.
    let run = cmd(&["plan"], &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# module.llm.kubernetes_manifest.deployment will be created"), "{}", run.stdout);
    assert!(run.stdout.contains("it will be created after its cluster exists"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 40 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
    assert!(run.stdout.contains("train  p4d.24xlarge 8×A100"), "{}", run.stdout);

    let run = cmd(&["apply", "-auto-approve"], &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Apply complete! Resources: 40 added, 0 changed, 0 destroyed."), "{}", run.stdout);
    assert!(!run.all().contains("testing"), "credentials never appear in output");

    let c = aws(&m, &["eks", "describe-cluster", "--name", &cluster]).unwrap()["cluster"].clone();
    assert_eq!(c["status"], "ACTIVE");
    assert_eq!(c["version"], "1.31");
    assert_eq!(c["resourcesVpcConfig"]["subnetIds"].as_array().unwrap().len(), 2);
    let gpu = node_group(&m, &cluster, "gpu").unwrap();
    assert_eq!(gpu["instanceTypes"], serde_json::json!(["g6.xlarge"]));
    assert_eq!(gpu["capacityType"], "SPOT");
    assert_eq!(gpu["amiType"], "AL2023_x86_64_NVIDIA");
    assert_eq!(gpu["labels"]["workload"], "gpu");
    assert_eq!(gpu["taints"], serde_json::json!([{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]));
    assert_eq!(gpu["scalingConfig"], serde_json::json!({"minSize": 0, "maxSize": 4, "desiredSize": 0}));
    let cpu = node_group(&m, &cluster, "cpu").unwrap();
    assert_eq!(cpu["instanceTypes"], serde_json::json!(["m6i.xlarge"]));
    assert_eq!(cpu["capacityType"], "ON_DEMAND");
    assert_eq!(cpu["scalingConfig"]["desiredSize"], 2);
    let attached = aws(&m, &["iam", "list-attached-role-policies", "--role-name", &format!("{cluster}-node")]).unwrap();
    assert_eq!(attached["AttachedPolicies"].as_array().unwrap().len(), 3, "{attached}");
    // The training pool comes from the gpu-node-pool module with target = "aws".
    let train = node_group(&m, &cluster, "train").unwrap();
    assert_eq!(train["instanceTypes"], serde_json::json!(["p4d.24xlarge"]));
    assert_eq!(train["amiType"], "AL2023_x86_64_NVIDIA");
    assert_eq!(train["capacityType"], "ON_DEMAND");
    assert_eq!(train["labels"]["gantry.dev/pool"], "train");
    assert_eq!(
        train["taints"],
        serde_json::json!([{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}])
    );
    assert_eq!(train["scalingConfig"], serde_json::json!({"minSize": 0, "maxSize": 2, "desiredSize": 0}));
    // The Kubernetes layer was applied through the provider configured from the new cluster.
    let kube = |path: &str| -> Json {
        let (status, body) = http(&kube_addr, "GET", path, None);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    };
    let llm = kube("/apis/apps/v1/namespaces/serving/deployments/llm");
    assert_eq!(llm["spec"]["template"]["spec"]["nodeSelector"]["gantry.dev/pool"], "gpu");
    let job = kube("/apis/batch/v1/namespaces/training/jobs/finetune");
    assert_eq!(job["spec"]["template"]["spec"]["nodeSelector"]["gantry.dev/pool"], "train");
    assert_eq!(kube("/apis/apps/v1/namespaces/kube-system/daemonsets/nvidia-device-plugin-train")["kind"], "DaemonSet");
    assert_eq!(kube("/apis/apps/v1/namespaces/kafka/statefulsets/kafka")["spec"]["replicas"], 3);

    let run = cmd(&["plan", "-detailed-exitcode"], &[]);
    assert_eq!(run.code, 0, "no changes right after apply: {}", run.all());

    // A cluster autoscaler moves desired_size: not drift, since the configuration leaves it out.
    aws(
        &m,
        &[
            "eks",
            "update-nodegroup-config",
            "--cluster-name",
            &cluster,
            "--nodegroup-name",
            "gpu",
            "--scaling-config",
            "minSize=0,maxSize=4,desiredSize=3",
        ],
    )
    .unwrap();
    let run = cmd(&["plan", "-detailed-exitcode"], &[]);
    assert_eq!(run.code, 0, "an autoscaler's desired_size is not drift: {}", run.all());

    // Max size and taints change in place.
    let change = ["gpu_max_size=8", "gpu_taint_effect=NO_EXECUTE"];
    let run = cmd(&["plan", "-detailed-exitcode"], &change);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("# aws_eks_node_group.gpu will be updated in-place"), "{}", run.stdout);
    assert!(run.stdout.contains("max_size = 4 -> 8"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", run.stdout);
    let run = cmd(&["apply", "-auto-approve"], &change);
    assert_eq!(run.code, 0, "{}", run.all());
    let gpu = node_group(&m, &cluster, "gpu").unwrap();
    assert_eq!(
        gpu["scalingConfig"],
        serde_json::json!({"minSize": 0, "maxSize": 8, "desiredSize": 3}),
        "desired_size kept"
    );
    assert_eq!(gpu["taints"], serde_json::json!([{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_EXECUTE"}]));
    let arn_before = gpu["nodegroupArn"].clone();
    assert_eq!(cmd(&["plan", "-detailed-exitcode"], &change).code, 0);

    // A new instance type replaces the node group.
    let change = ["gpu_max_size=8", "gpu_taint_effect=NO_EXECUTE", "gpu_instance_type=g5.2xlarge"];
    let run = cmd(&["plan", "-detailed-exitcode"], &change);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("aws_eks_node_group.gpu must be replaced"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "{}", run.stdout);
    let run = cmd(&["apply", "-auto-approve"], &change);
    assert_eq!(run.code, 0, "{}", run.all());
    let gpu = node_group(&m, &cluster, "gpu").unwrap();
    assert_eq!(gpu["instanceTypes"], serde_json::json!(["g5.2xlarge"]));
    assert_eq!(gpu["labels"]["gantry.dev/instance-type"], "g5.2xlarge");
    assert_ne!(gpu["nodegroupArn"], arn_before, "a new node group");
    assert_eq!(gpu["scalingConfig"]["maxSize"], 8);

    // A node group deleted behind Gantry's back is recreated.
    aws(&m, &["eks", "delete-nodegroup", "--cluster-name", &cluster, "--nodegroup-name", "cpu"]).unwrap();
    assert!(node_group(&m, &cluster, "cpu").is_err());
    let run = cmd(&["plan", "-detailed-exitcode"], &change);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("# aws_eks_node_group.cpu will be created"), "{}", run.stdout);
    let run = cmd(&["apply", "-auto-approve"], &change);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(node_group(&m, &cluster, "cpu").unwrap()["instanceTypes"], serde_json::json!(["m6i.xlarge"]));
    assert_eq!(cmd(&["plan", "-detailed-exitcode"], &change).code, 0);

    let vpc_id = state(&dir)["resources"].as_array().unwrap().iter().find(|r| r["address"] == "aws_vpc.main").unwrap()
        ["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = cmd(&["destroy", "-auto-approve"], &change);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Destroy complete! Resources: 40 destroyed."), "{}", run.stdout);
    assert_eq!(http(&kube_addr, "GET", "/apis/apps/v1/namespaces/serving/deployments/llm", None).0, 404);
    assert!(addresses(&dir).is_empty());
    let gone = aws(&m, &["eks", "describe-cluster", "--name", &cluster]).unwrap_err();
    assert!(gone.contains("ResourceNotFoundException"), "{gone}");
    assert!(aws(&m, &["iam", "get-role", "--role-name", &format!("{cluster}-node")])
        .unwrap_err()
        .contains("NoSuchEntity"));
    assert!(aws(&m, &["ec2", "describe-vpcs", "--vpc-ids", &vpc_id]).unwrap_err().contains("NotFound"));
    eprintln!("aws_ml_platform_lifecycle: {:.1}s", started.elapsed().as_secs_f64());
}

#[test]
fn buckets_data_sources_and_aws_errors() {
    let Some(m) = moto() else { return };
    let bucket = unique("artifacts");
    let hcl = format!(
        r#"
provider "aws" {{
  region       = "us-east-1"
  endpoint_url = "{endpoint}"
}}
data "aws_ec2_instance_type" "gpu" {{
  instance_type = "p4d.24xlarge"
}}
resource "aws_s3_bucket" "models" {{
  bucket        = "{bucket}"
  force_destroy = true
  versioning {{
    enabled = true
  }}
  tags = {{ team = "ml" }}
}}
output "vcpus" {{
  value = data.aws_ec2_instance_type.gpu.default_vcpus
}}
output "gpus" {{
  value = data.aws_ec2_instance_type.gpu.gpus
}}
"#,
        endpoint = m.endpoint
    );
    let (_tmp, dir) = config(&[("main.hcl", &hcl)]);
    let out =
        with_env(Command::new(env!("CARGO_BIN_EXE_gantry")).args(["apply", "-auto-approve", "."]).current_dir(&dir))
            .env("GANTRY_LOG", "debug")
            .output()
            .expect("gantry runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(run.code, 0, "{}", run.all());
    // Every AWS API call is one debug line: service, operation, attempts, duration, outcome.
    let calls: Vec<&str> =
        run.stderr.lines().filter(|l| l.contains("provider call finished") && l.contains("provider=\"aws\"")).collect();
    for operation in ["CreateBucket", "PutBucketVersioning", "DescribeInstanceTypes"] {
        assert!(
            calls.iter().any(|l| l.contains(&format!("operation=\"{operation}\""))
                && l.contains("attempts=1")
                && l.contains("duration_ms=")
                && l.contains("outcome=\"ok\"")),
            "no log line for {operation}:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("AWS_SECRET") && !run.stderr.contains("testing\""), "no credential reaches the log");
    assert_eq!(state(&dir)["outputs"]["vcpus"]["value"], 96);
    let gpus = &state(&dir)["outputs"]["gpus"]["value"][0];
    assert_eq!(gpus["count"], 8, "{gpus}");
    assert_eq!(gpus["manufacturer"], "NVIDIA", "{gpus}");
    let v = aws(&m, &["s3api", "get-bucket-versioning", "--bucket", &bucket]).unwrap();
    assert_eq!(v["Status"], "Enabled");
    aws(
        &m,
        &[
            "s3api",
            "put-object",
            "--bucket",
            &bucket,
            "--key",
            "model.bin",
            "--body",
            dir.join("main.hcl").to_str().unwrap(),
        ],
    )
    .unwrap();
    assert_eq!(g(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);

    // Versioning suspended out of band is drift, put back by apply.
    aws(&m, &["s3api", "put-bucket-versioning", "--bucket", &bucket, "--versioning-configuration", "Status=Suspended"])
        .unwrap();
    let run = g(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(g(&dir, &["apply", "-auto-approve", "."]).code, 0);
    assert_eq!(aws(&m, &["s3api", "get-bucket-versioning", "--bucket", &bucket]).unwrap()["Status"], "Enabled");

    // An AWS error reaches the user with the address, the AWS code and its message.
    let bad = hcl.clone()
        + r#"
resource "aws_eks_node_group" "orphan" {
  cluster_name    = "no-such-cluster"
  node_group_name = "x"
  node_role_arn   = "arn:aws:iam::123456789012:role/none"
  subnet_ids      = ["subnet-0"]
  scaling_config {
    min_size = 1
    max_size = 1
  }
}
"#;
    std::fs::write(dir.join("main.hcl"), bad).unwrap();
    let run = g(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("aws_eks_node_group.orphan"), "{}", run.stderr);
    assert!(
        run.stderr.contains("CreateNodegroup") && run.stderr.contains("ResourceNotFoundException"),
        "{}",
        run.stderr
    );

    std::fs::write(dir.join("main.hcl"), &hcl).unwrap();
    let run = g(&dir, &["destroy", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "force_destroy empties the bucket: {}", run.all());
    assert!(aws(&m, &["s3api", "head-bucket", "--bucket", &bucket]).is_err());
}

// ---- the s3 backend: the same checks as the local backend's ----

struct Backend {
    bucket: String,
    table: Option<String>,
}

fn s3_backend(m: &Moto, with_table: bool) -> Backend {
    let bucket = unique("state");
    aws(m, &["s3api", "create-bucket", "--bucket", &bucket]).unwrap();
    aws(m, &["s3api", "put-bucket-versioning", "--bucket", &bucket, "--versioning-configuration", "Status=Enabled"])
        .unwrap();
    let table = with_table.then(|| {
        let t = unique("locks");
        aws(
            m,
            &[
                "dynamodb",
                "create-table",
                "--table-name",
                &t,
                "--attribute-definitions",
                "AttributeName=LockID,AttributeType=S",
                "--key-schema",
                "AttributeName=LockID,KeyType=HASH",
                "--billing-mode",
                "PAY_PER_REQUEST",
            ],
        )
        .unwrap();
        t
    });
    Backend { bucket, table }
}

fn backend_config(m: &Moto, b: &Backend, latency: &str) -> String {
    let table = b.table.as_ref().map(|t| format!("    dynamodb_table = \"{t}\"\n")).unwrap_or_default();
    format!(
        r#"gantry {{
  backend "s3" {{
    bucket         = "{bucket}"
    key            = "ml/platform.json"
    region         = "us-east-1"
    encrypt        = true
    endpoint_url   = "{endpoint}"
{table}  }}
}}
provider "local" {{
  latency = "{latency}"
}}
resource "local_cluster" "a" {{
  name = "s3-backed"
}}
"#,
        bucket = b.bucket,
        endpoint = m.endpoint
    )
}

/// Whether the lock is held, asked with the AWS CLI.
fn lock_held(m: &Moto, b: &Backend) -> bool {
    match &b.table {
        Some(t) => {
            let key = format!("{{\"LockID\":{{\"S\":\"{}/ml/platform.json\"}}}}", b.bucket);
            aws(m, &["dynamodb", "get-item", "--table-name", t, "--key", &key]).unwrap().get("Item").is_some()
        }
        None => aws(m, &["s3api", "head-object", "--bucket", &b.bucket, "--key", "ml/platform.json.tflock"]).is_ok(),
    }
}

fn wait_for_lock(m: &Moto, b: &Backend) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lock_held(m, b) {
        assert!(Instant::now() < deadline, "the run never took the lock");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn backend_suite(with_table: bool) {
    let Some(m) = moto() else { return };
    let b = s3_backend(&m, with_table);

    // Write and read: the state lives in S3, not beside the configuration.
    let (_tmp, dir) = config(&[("main.hcl", &backend_config(&m, &b, "0ms"))]);
    let run = g(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!dir.join("gantry.state.json").exists());
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("state.json");
    let head =
        aws(&m, &["s3api", "get-object", "--bucket", &b.bucket, "--key", "ml/platform.json", copy.to_str().unwrap()])
            .unwrap();
    assert_eq!(head["ServerSideEncryption"], "AES256", "{head}");
    let saved = read_json(&copy);
    assert_eq!(saved["resources"][0]["address"], "local_cluster.a");
    let run = g(&dir, &["state", "list", "--dir", "."]);
    assert_eq!(run.stdout.trim(), "local_cluster.a", "{}", run.all());
    assert_eq!(g(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);
    assert!(!lock_held(&m, &b), "the lock is released after each run");

    // Two applies at once: exactly one proceeds, the other is told who holds the lock.
    std::fs::write(dir.join("main.hcl"), backend_config(&m, &b, "1500ms").replace("s3-backed", "s3-backed-2")).unwrap();
    let first = spawn(&dir, &["apply", "-auto-approve", "."]);
    let second = spawn(&dir, &["apply", "-auto-approve", "."]);
    let outs = [first.wait_with_output().unwrap(), second.wait_with_output().unwrap()];
    let ok: Vec<_> = outs.iter().filter(|o| o.status.success()).collect();
    let refused: Vec<_> = outs.iter().filter(|o| !o.status.success()).collect();
    assert_eq!(ok.len(), 1, "exactly one apply proceeds: {outs:?}");
    let err = String::from_utf8_lossy(&refused[0].stderr);
    assert!(err.contains("the state is locked by another run") && err.contains("Operation: apply"), "{err}");
    assert!(!lock_held(&m, &b));

    // A killed run leaves its lock: others see who held it, force-unlock releases it.
    std::fs::write(dir.join("main.hcl"), backend_config(&m, &b, "60s").replace("s3-backed", "s3-backed-3")).unwrap();
    let mut victim = spawn(&dir, &["apply", "-auto-approve", "."]);
    wait_for_lock(&m, &b);
    victim.kill().unwrap();
    victim.wait().unwrap();
    std::fs::write(dir.join("main.hcl"), backend_config(&m, &b, "0ms")).unwrap();
    let run = g(&dir, &["plan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Operation: apply") && run.stderr.contains("pid"), "{}", run.stderr);
    let id = run
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("ID:"))
        .map(|s| s.trim().to_string())
        .expect("the holder's ID is shown");
    assert_eq!(g(&dir, &["force-unlock", "-force", "not-the-id", "--dir", "."]).code, 1);
    let run = g(&dir, &["force-unlock", "-force", &id, "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!lock_held(&m, &b));
    let run = g(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(g(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);
}

#[test]
fn s3_backend_with_dynamodb_lock() {
    backend_suite(true);
}

#[test]
fn s3_backend_with_s3_conditional_write_lock() {
    backend_suite(false);
}

#[test]
fn import_adopts_an_existing_bucket() {
    let Some(m) = moto() else { return };
    let bucket = unique("imported");
    aws(&m, &["s3api", "create-bucket", "--bucket", &bucket]).unwrap();
    let hcl = format!(
        "provider \"aws\" {{\n  region       = \"us-east-1\"\n  endpoint_url = \"{}\"\n}}\nresource \"aws_s3_bucket\" \"data\" {{\n  bucket = \"{bucket}\"\n}}\n",
        m.endpoint
    );
    let (_tmp, dir) = config(&[("main.hcl", &hcl)]);
    let run = g(&dir, &["import", "aws_s3_bucket.data", &bucket, "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(state(&dir)["resources"][0]["attributes"]["bucket"], bucket.as_str());
    let run = g(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 0, "an imported bucket that matches the configuration has nothing to change: {}", run.all());
    let run = g(&dir, &["import", "aws_s3_bucket.data", "no-such-bucket-anywhere", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    let run = g(&dir, &["destroy", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(aws(&m, &["s3api", "head-bucket", "--bucket", &bucket]).is_err(), "destroy removed the imported bucket");
}

/// State encryption sits above the backend: the object in S3 is an envelope whose data key
/// KMS made, and every command reads it back through KMS.
#[test]
fn s3_state_encrypted_with_a_kms_key() {
    let Some(m) = moto() else { return };
    let b = s3_backend(&m, false);
    let key = aws(&m, &["kms", "create-key"]).unwrap()["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    let encryption = format!(
        "  encryption {{\n    key_provider \"aws_kms\" \"k\" {{\n      kms_key_id = \"{key}\"\n      key_spec   = \"AES_256\"\n      region     = \"us-east-1\"\n      endpoint   = \"{}\"\n    }}\n    method \"aes_gcm\" \"m\" {{\n      keys = key_provider.aws_kms.k\n    }}\n    state {{\n      method   = method.aes_gcm.m\n      enforced = true\n    }}\n  }}\n",
        m.endpoint
    );
    let main = backend_config(&m, &b, "0ms").replacen("gantry {\n", &format!("gantry {{\n{encryption}"), 1);
    let (_tmp, dir) = config(&[("main.hcl", &main)]);
    let run = g(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("state.json");
    aws(&m, &["s3api", "get-object", "--bucket", &b.bucket, "--key", "ml/platform.json", copy.to_str().unwrap()])
        .unwrap();
    let stored = std::fs::read_to_string(&copy).unwrap();
    assert!(
        stored.contains("\"key_provider.aws_kms.k\"") && stored.contains("\"encryption_version\":\"v0\""),
        "{stored}"
    );
    assert!(!stored.contains("local_cluster") && !stored.contains("s3-backed"), "{stored}");
    let listed = aws(&m, &["s3api", "list-objects-v2", "--bucket", &b.bucket]).unwrap();
    let keys: Vec<&str> = listed["Contents"].as_array().unwrap().iter().map(|o| o["Key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["ml/platform.json"], "the journal is folded in and removed at the end of the run");
    let run = g(&dir, &["state", "list", "--dir", "."]);
    assert_eq!(run.stdout.trim(), "local_cluster.a", "{}", run.all());
    assert_eq!(g(&dir, &["plan", "-detailed-exitcode", "."]).code, 0);

    // Without the encryption block, the state is not taken for a damaged or empty one.
    std::fs::write(dir.join("main.hcl"), backend_config(&m, &b, "0ms")).unwrap();
    let run = g(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("the state is encrypted, but the configuration has no state encryption"),
        "{}",
        run.stderr
    );
    aws(&m, &["s3api", "get-object", "--bucket", &b.bucket, "--key", "ml/platform.json", copy.to_str().unwrap()])
        .unwrap();
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), stored);
}
