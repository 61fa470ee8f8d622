//! A saved plan is applied exactly as it was reviewed, or not at all.

use crate::support::*;
use std::path::Path;

/// Everything a refused apply must leave alone: the state file and the simulated cloud.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.extension().is_some_and(|e| e == "plan") {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn refused(dir: &Path, args: &[&str], message: &str) {
    let before = snapshot(dir);
    let run = gantry(dir, args);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains(message), "expected {message:?} in: {}", run.stderr);
    assert!(!run.stdout.contains("Creating...") && !run.stdout.contains("Modifying..."), "{}", run.stdout);
    assert!(snapshot(dir) == before, "a refused plan changes nothing: {args:?}");
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_saved_plan_that_does_not_match_is_refused_and_nothing_changes() {
    let (_tmp, dir) = example("quickstart");
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    let run = gantry(&dir, &["plan", "-out", "p.plan", "-var", "gpu_nodes=2", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let plan_file = dir.join("p.plan");
    let original = std::fs::read(&plan_file).unwrap();

    // The configuration was edited after the plan.
    let main = dir.join("main.hcl");
    let config_text = std::fs::read(&main).unwrap();
    edit(&main, "desired_size = 2", "desired_size = 3");
    refused(&dir, &["apply", "p.plan"], "Saved plan does not match the configuration");
    std::fs::write(dir.join("extra.hcl"), "locals {\n  extra = 1\n}\n").unwrap();
    std::fs::write(&main, &config_text).unwrap();
    refused(&dir, &["apply", "p.plan"], "Saved plan does not match the configuration");
    std::fs::remove_file(dir.join("extra.hcl")).unwrap();

    // Applied from another directory with the same files.
    let (_other_tmp, other) = example("quickstart");
    refused(&other, &["apply", plan_file.to_str().unwrap()], "Saved plan is for another directory");

    // The plan file was changed: its variables, one byte, its format.
    edit(&plan_file, "\"gpu_nodes\": 2", "\"gpu_nodes\": 5");
    refused(&dir, &["apply", "p.plan"], "was changed after gantry plan wrote it");
    std::fs::write(&plan_file, &original).unwrap();
    edit(&plan_file, "quickstart", "quickstarT");
    refused(&dir, &["apply", "p.plan"], "was changed after gantry plan wrote it");
    std::fs::write(&plan_file, &original).unwrap();
    edit(&plan_file, "\"format_version\": 2", "\"format_version\": 99");
    refused(&dir, &["apply", "p.plan"], "plan format version 99");
    std::fs::write(&plan_file, b"\x00garbage").unwrap();
    refused(&dir, &["apply", "p.plan"], "is not a Gantry plan file");
    std::fs::write(&plan_file, &original).unwrap();

    // The state belongs to another deployment.
    let state_file = dir.join("gantry.state.json");
    let state_text = std::fs::read(&state_file).unwrap();
    let lineage = state(&dir)["lineage"].as_str().unwrap().to_string();
    edit(&state_file, &lineage, "00000000-0000-4000-8000-000000000000");
    refused(&dir, &["apply", "p.plan"], "Saved plan is for a different state");
    std::fs::write(&state_file, &state_text).unwrap();

    // A variable given again must have its planned value.
    refused(&dir, &["apply", "-var", "gpu_nodes=3", "p.plan"], "Can't change variable when applying a saved plan");
    let run = gantry(&dir, &["apply", "-var", "gpu_nodes=2", "p.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("0 added, 1 changed, 0 destroyed"), "{}", run.stdout);
    let pool = read_json(&dir.join(".gantry/local/node_pools/quickstart/gpu.json"));
    assert_eq!(pool["scaling_config"]["desired_size"], 2);
    // Applied once, the plan is stale.
    refused(&dir, &["apply", "p.plan"], "Saved plan is stale");
}

#[test]
fn a_saved_plan_applies_its_own_values_after_the_variables_file_changes() {
    let (_tmp, dir) = example("quickstart");
    std::fs::write(dir.join("gantry.vars.hcl"), "gpu_nodes = 2\n").unwrap();
    assert_eq!(gantry(&dir, &["plan", "-out", "p.plan", "."]).code, 0);
    std::fs::write(dir.join("gantry.vars.hcl"), "gpu_nodes = 4\n").unwrap();
    let run = gantry(&dir, &["apply", "p.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let pool = read_json(&dir.join(".gantry/local/node_pools/quickstart/gpu.json"));
    assert_eq!(pool["scaling_config"]["desired_size"], 2, "the planned value, not the edited file's");
    let run = gantry(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 2, "the edited file is a new change for the next plan: {}", run.all());
    assert!(run.stdout.contains("desired_size = 2 -> 4"), "{}", run.stdout);
}

const THREE_CLUSTERS: &str = r#"
resource "local_cluster" "c" {
  count   = 3
  name    = "c${count.index}"
  version = "1.30"
}
"#;

#[test]
fn a_target_selects_exactly_its_instance_and_a_target_that_matches_nothing_is_an_error() {
    let (_tmp, dir) = config(&[("main.hcl", THREE_CLUSTERS)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    edit(&dir.join("main.hcl"), "\"1.30\"", "\"1.31\"");
    let run = gantry(&dir, &["apply", "-auto-approve", "-target", "local_cluster.c[1]", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("0 added, 1 changed, 0 destroyed"), "{}", run.stdout);
    let version = |i: usize| read_json(&dir.join(format!(".gantry/local/clusters/c{i}.json")))["version"].clone();
    assert_eq!((version(0), version(1), version(2)), ("1.30".into(), "1.31".into(), "1.30".into()));

    for bad in ["local_cluster.c[7]", "local_cluster.d", "module.nothing"] {
        let run = gantry(&dir, &["plan", "-target", bad, "."]);
        assert_eq!(run.code, 1, "{bad}: {}", run.all());
        assert!(run.stderr.contains("Invalid target address"), "{}", run.stderr);
        assert!(run.stderr.contains(&format!("-target {bad} matches no resource instance")), "{}", run.stderr);
    }
    let run = gantry(&dir, &["plan", "-replace", "local_cluster.c[9]", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Invalid replace address"), "{}", run.stderr);
}
