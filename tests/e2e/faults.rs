//! A flaky cloud: the `local` provider's injected faults (throttles, server errors,
//! lost answers) against the retry policy. Nothing may be leaked, duplicated or
//! forgotten: state and the simulated cloud must agree one to one.

use crate::support::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Three clusters, three pools in each, and a Namespace with seventeen ConfigMaps in
/// the first cluster: thirty resources.
fn platform(faults: &str, retry: &str) -> String {
    format!(
        r#"
provider "local" {{
  faults {{
    {faults}
  }}
  retry {{
    {retry}
  }}
}}

provider "kubernetes" {{
  local_cluster = local_cluster.c["a"].name
}}

locals {{
  clusters = toset(["a", "b", "c"])
  pools    = {{ for pair in setproduct(["a", "b", "c"], ["cpu", "mem", "spot"]) : "${{pair[0]}}-${{pair[1]}}" => {{ cluster = pair[0], name = pair[1] }} }}
}}

resource "local_cluster" "c" {{
  for_each = local.clusters
  name     = "flaky-${{each.key}}"
}}

resource "local_node_pool" "p" {{
  for_each        = local.pools
  cluster_name    = local_cluster.c[each.value.cluster].name
  node_group_name = each.value.name
  instance_types  = ["m6i.xlarge"]
  scaling_config {{
    min_size     = 1
    max_size     = 3
    desired_size = 1
  }}
}}

resource "kubernetes_manifest" "ns" {{
  manifest = {{
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = {{ name = "flaky" }}
  }}
}}

resource "kubernetes_manifest" "config" {{
  count = 17
  manifest = {{
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = {{ name = "config-${{count.index}}", namespace = kubernetes_manifest.ns.object.metadata.name }}
    data       = {{ index = "${{count.index}}" }}
  }}
}}
"#
    )
}

/// Retries quick enough for a test and plenty for a 60% failure rate (0.6^40 per call).
const PATIENT: &str = r#"max_attempts = 40
    max_elapsed  = "2m"
    base_delay   = "1ms"
    max_delay    = "4ms""#;

/// Every file the simulated cloud holds for an object, relative to its folder. The
/// scheduler's placement records are its own bookkeeping, not objects.
fn cloud_objects(dir: &Path) -> BTreeSet<String> {
    let root = dir.join(".gantry/local");
    let mut out = BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
            if rel == "placement" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel);
            }
        }
    }
    out
}

fn expected_objects() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in ["a", "b", "c"] {
        out.insert(format!("clusters/flaky-{c}.json"));
        for p in ["cpu", "mem", "spot"] {
            out.insert(format!("node_pools/flaky-{c}/{p}.json"));
        }
    }
    out.insert("objects/flaky-a/_cluster/Namespace/flaky.json".into());
    for i in 0..17 {
        out.insert(format!("objects/flaky-a/flaky/ConfigMap/config-{i}.json"));
    }
    out
}

fn expected_addresses() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in ["a", "b", "c"] {
        out.insert(format!("local_cluster.c[\"{c}\"]"));
        for p in ["cpu", "mem", "spot"] {
            out.insert(format!("local_node_pool.p[\"{c}-{p}\"]"));
        }
    }
    out.insert("kubernetes_manifest.ns".into());
    for i in 0..17 {
        out.insert(format!("kubernetes_manifest.config[{i}]"));
    }
    out
}

#[test]
fn a_flaky_cloud_converges_with_every_object_once() {
    let faults = "throttle_rate = 0.3\n    reset_rate = 0.2\n    error_rate = 0.1\n    seed = 7";
    let (_tmp, dir) = config(&[("main.hcl", &platform(faults, PATIENT))]);
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());

    let listed = addresses(&dir);
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(listed.len(), unique.len(), "an address is in state twice: {listed:?}");
    assert_eq!(unique, expected_addresses());
    assert_eq!(cloud_objects(&dir), expected_objects(), "the cloud holds exactly one object per address");

    // Refresh goes through the same faults; nothing has changed.
    let plan = gantry(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_eq!(cloud_objects(&dir), expected_objects());
}

#[test]
fn without_retries_a_failing_cloud_fails_the_apply_naming_the_resource() {
    let text = r#"
provider "local" {
  faults {
    error_rate = 1
  }
  retry {
    max_attempts = 1
  }
}
resource "local_cluster" "a" {
  name = "down"
}
"#;
    let (_tmp, dir) = config(&[("main.hcl", text)]);
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Failed to apply local_cluster.a"), "{}", run.stderr);
    assert!(run.stderr.contains("HTTP 500"), "{}", run.stderr);
    assert!(run.stderr.contains("gave up after 1 attempt"), "{}", run.stderr);
    let recorded = if dir.join("gantry.state.json").exists() { addresses(&dir) } else { Vec::new() };
    assert!(recorded.is_empty(), "a failed create is not recorded: {recorded:?}");
    assert!(cloud_objects(&dir).is_empty(), "and nothing was created: {:?}", cloud_objects(&dir));
}

#[test]
fn a_rate_out_of_range_is_an_error_at_its_argument() {
    let text = "provider \"local\" {\n  faults {\n    reset_rate = 1.5\n  }\n}\nresource \"local_cluster\" \"a\" {\n  name = \"x\"\n}\n";
    let (_tmp, dir) = config(&[("main.hcl", text)]);
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("reset_rate is a share of calls"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:3"), "the error points at the argument: {}", run.stderr);

    let text = "provider \"local\" {\n  faults {\n    drop_rate = 0.5\n  }\n}\n";
    let (_tmp, dir) = config(&[("main.hcl", text)]);
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("drop_rate") && run.stderr.contains("main.hcl:3"), "{}", run.stderr);
}

const RETRIED: &str = r#"
provider "local" {
  faults {
    throttle_rate = 1
  }
  retry {
    max_attempts = 3
    base_delay   = "1ms"
    max_delay    = "1ms"
  }
}
resource "local_cluster" "a" {
  name = "value-7c1f"
}
"#;

#[test]
fn retries_show_in_the_debug_log_without_values() {
    let (_tmp, dir) = config(&[("main.hcl", RETRIED)]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["apply", "-auto-approve", "."])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("GANTRY_LOG", "debug")
        .env_remove("GANTRY_LOG_PATH")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let retries: Vec<&str> = stderr.lines().filter(|l| l.contains("retrying provider call")).collect();
    assert_eq!(retries.len(), 2, "three attempts are two retries:\n{stderr}");
    for (i, line) in retries.iter().enumerate() {
        assert!(line.contains("provider=\"local\"") || line.contains("provider=local"), "{line}");
        assert!(
            line.contains("resource_type=\"local_cluster\"") || line.contains("resource_type=local_cluster"),
            "{line}"
        );
        assert!(line.contains(&format!("attempt={}", i + 1)) && line.contains("delay_ms="), "{line}");
        assert!(line.contains("local_cluster.a"), "the line names the address through its span: {line}");
        assert!(line.contains("Throttled"), "{line}");
    }
    assert!(stderr.contains("configuration loaded") && stderr.contains("provider configured"), "{stderr}");
    // Every provider call that ends is one line: which, how many attempts, how long.
    let finished: Vec<&str> = stderr.lines().filter(|l| l.contains("provider call finished")).collect();
    assert!(
        finished
            .iter()
            .any(|l| l.contains("operation=\"plan\"") && l.contains("attempts=1") && l.contains("duration_ms=")),
        "the plan call:\n{stderr}"
    );
    assert!(
        finished
            .iter()
            .any(|l| l.contains("operation=\"apply\"") && l.contains("attempts=3") && l.contains("Throttled")),
        "the apply given up on after three attempts:\n{stderr}"
    );
    assert!(!stderr.contains("value-7c1f"), "no attribute value reaches the log:\n{stderr}");

    // Unset, there is no log.
    let quiet = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert!(!quiet.stderr.contains("retrying provider call"), "{}", quiet.stderr);
}

#[test]
fn gantry_log_path_writes_the_log_to_a_file_and_trace_holds_no_values() {
    let (tmp, dir) = config(&[("main.hcl", RETRIED)]);
    let log = tmp.path().join("gantry.log");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["apply", "-auto-approve", "."])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("GANTRY_LOG", "trace")
        .env("GANTRY_LOG_PATH", &log)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("retrying provider call"), "the log goes to the file, not stderr:\n{stderr}");
    let text = std::fs::read_to_string(&log).expect("the log file is written");
    assert_eq!(text.lines().filter(|l| l.contains("retrying provider call")).count(), 2, "{text}");
    assert!(!text.contains("value-7c1f"), "not even at trace does a value reach the log:\n{text}");
}
