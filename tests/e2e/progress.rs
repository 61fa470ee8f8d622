//! What an apply shows while it works: Terraform's periodic lines on a pipe, a live
//! view on a terminal, and Terraform's machine-readable events with `-json`.

use crate::support::*;
use std::process::Command;

/// Creates that take 2.5 s each on the simulator, reported every second.
const SLOW: &str = r#"provider "local" {
  latency = "2500ms"
}
resource "local_cluster" "c" {
  name = "demo"
}
resource "local_network" "n" {
  count      = 2
  cidr_block = "10.${count.index}.0.0/16"
}
output "name" {
  value = local_cluster.c.name
}
"#;

const EVERY_SECOND: (&str, &str) = ("GANTRY_PROGRESS_INTERVAL", "1s");

#[test]
fn a_slow_change_on_a_pipe_is_reported_each_interval_until_it_completes() {
    let (_tmp, dir) = config(&[("main.hcl", SLOW)]);
    let run = gantry_with_env(&dir, &["apply", "-auto-approve", "."], &[EVERY_SECOND]);
    assert_eq!(run.code, 0, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = |l: &str| lines.iter().position(|x| *x == l).unwrap_or_else(|| panic!("no line {l:?} in\n{}", run.stdout));
    let started = at("local_cluster.c: Creating...");
    let still = at("local_cluster.c: Still creating... [1s elapsed]");
    let done = lines
        .iter()
        .position(|l| l.starts_with("local_cluster.c: Creation complete after ") && l.ends_with("s [id=demo]"))
        .unwrap_or_else(|| panic!("no completion line in\n{}", run.stdout));
    assert!(started < still && still < done, "{}", run.stdout);
    assert!(run.stdout.contains("local_network.n[1]: Still creating... [1s elapsed]"), "{}", run.stdout);
    assert!(!run.stdout.contains('\x1b'), "a pipe gets no terminal escapes: {:?}", run.stdout);
}

#[test]
fn apply_json_streams_terraforms_machine_readable_events() {
    let (_tmp, dir) = config(&[("main.hcl", SLOW)]);
    let run = gantry_with_env(&dir, &["apply", "-auto-approve", "-json", "."], &[EVERY_SECOND]);
    assert_eq!(run.code, 0, "{}", run.all());
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {l}")))
        .collect();
    let of = |kind: &str| events.iter().filter(|e| e["type"] == kind).collect::<Vec<_>>();
    assert_eq!(events[0]["type"], "version");
    assert_eq!(of("planned_change").len(), 3);
    let start = of("apply_start");
    assert_eq!(start.len(), 3);
    let cluster = |e: &&&serde_json::Value| e["hook"]["resource"]["addr"] == "local_cluster.c";
    let progress = of("apply_progress");
    let first = progress.iter().find(cluster).expect("a progress event for the cluster");
    assert_eq!(first["hook"]["elapsed_seconds"], 1);
    assert_eq!(first["hook"]["action"], "create");
    assert_eq!(first["@message"], "local_cluster.c: Still creating... [1s elapsed]");
    let complete = of("apply_complete");
    let done = complete.iter().find(cluster).expect("a completion event for the cluster");
    assert_eq!(done["hook"]["id_value"], "demo");
    let network = complete.iter().find(|e| e["hook"]["resource"]["addr"] == "local_network.n[1]").unwrap();
    assert_eq!(network["hook"]["resource"]["resource_key"], 1);
    assert_eq!(network["hook"]["resource"]["resource_type"], "local_network");
    let summaries = of("change_summary");
    assert_eq!(summaries.len(), 2, "one for the plan, one for the apply");
    assert_eq!(summaries[1]["changes"]["add"], 3);
    assert_eq!(summaries[1]["changes"]["operation"], "apply");
    assert_eq!(of("outputs")[0]["outputs"]["name"]["value"], "demo");
    assert!(state(&dir)["resources"].as_array().unwrap().len() == 3);
}

#[test]
fn apply_json_needs_a_saved_plan_or_auto_approve_and_reports_errors_as_events() {
    let (_tmp, dir) = config(&[("main.hcl", SLOW)]);
    let run = gantry(&dir, &["apply", "-json", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Plan file or auto-approve required"), "{}", run.stderr);
    assert!(!dir.join("gantry.state.json").exists());

    let (_tmp, dir) = config(&[("main.hcl", "resource \"local_network\" \"n\" {\n  cidr_block = var.missing\n}\n")]);
    let run = gantry(&dir, &["apply", "-auto-approve", "-json", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    let diagnostics: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["type"] == "diagnostic")
        .collect();
    assert!(!diagnostics.is_empty(), "{}", run.all());
    assert_eq!(diagnostics[0]["@level"], "error");
    assert_eq!(diagnostics[0]["diagnostic"]["range"]["filename"], "main.hcl");
}

/// Runs the apply under a pseudo-terminal (util-linux `script`), as a user's terminal would.
#[test]
fn a_terminal_gets_a_live_view_of_the_changes_in_flight() {
    let (_tmp, dir) = config(&[("main.hcl", SLOW)]);
    let command = format!("{} apply -auto-approve .", env!("CARGO_BIN_EXE_gantry"));
    let out = Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .current_dir(&dir)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env(EVERY_SECOND.0, EVERY_SECOND.1)
        .output()
        .expect("script(1) runs the apply under a pseudo-terminal");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("\x1b[2K"), "the live view redraws its lines: {screen:?}");
    let counted = ["[1s elapsed]", "[2s elapsed]"].iter().any(|t| screen.contains(&format!("Creating... {t}")));
    assert!(counted, "elapsed time counts up: {screen:?}");
    assert!(screen.contains("3/3 changes applied") || screen.contains("2/3 changes applied"), "{screen:?}");
    assert!(
        screen.contains("\x1b[1mlocal_cluster.c: Creation complete after "),
        "completions stay, in bold: {screen:?}"
    );
    assert!(!screen.contains("Still creating"), "the live view replaces the periodic lines: {screen:?}");
    assert!(screen.contains("Apply complete!"), "{screen:?}");
}
