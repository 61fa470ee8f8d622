//! Nothing lost on a real API: applies and destroys of VPCs against the AWS emulator,
//! SIGKILLed at random moments, converge with exactly one VPC per address, counted through
//! the emulator's own API with the AWS CLI. EC2 assigns VPC IDs and CreateVpc takes no
//! idempotency token, so every create lost to a kill would be a duplicate unless recovery
//! finds it again by the tags Gantry set on it.

use super::aws::{aws, g, moto, unique, with_env, Moto};
use crate::support::{config, state, Lcg};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const VPCS: usize = 50;

fn vpcs(m: &Moto, run: &str) -> String {
    format!(
        "provider \"aws\" {{\n  region       = \"us-east-1\"\n  endpoint_url = \"{}\"\n}}\nresource \"aws_vpc\" \"v\" {{\n  count      = {VPCS}\n  cidr_block = \"10.${{count.index}}.0.0/16\"\n  tags = {{\n    run = \"{run}\"\n  }}\n}}\n",
        m.endpoint
    )
}

/// The IDs of the VPCs the emulator holds for this test, by its `run` tag.
fn cloud_vpcs(m: &Moto, run: &str) -> BTreeSet<String> {
    let out = aws(m, &["ec2", "describe-vpcs", "--filters", &format!("Name=tag:run,Values={run}")]).unwrap();
    out["Vpcs"].as_array().unwrap().iter().map(|v| v["VpcId"].as_str().unwrap().to_string()).collect()
}

fn state_vpcs(dir: &Path) -> BTreeSet<String> {
    state(dir)["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["attributes"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// Releases the lock a killed run left, with the ID its file holds.
fn release_lock(dir: &Path) {
    let Ok(text) = std::fs::read_to_string(dir.join("gantry.state.json.lock")) else { return };
    let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["ID"].as_str().unwrap().to_string();
    let run = g(dir, &["force-unlock", "-force", &id, "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn sigkill_during_aws_applies_and_destroys_never_duplicates_or_leaks_a_vpc() {
    let Some(m) = moto() else { return };
    let run = unique("kill");
    let (_tmp, dir) = config(&[("main.hcl", &vpcs(&m, &run))]);
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    eprintln!("aws kill test seed {seed}");
    let mut rng = Lcg(seed);
    let mut kills = 0;
    let mut destroying = false;
    // Rounds go on until 20 runs were killed mid-way; a run that finishes first does not count,
    // and shortens the window the kill is drawn from, so that kills land on work however fast
    // the emulator and Gantry are.
    let mut round = 0;
    let mut window_ms = 2000;
    while kills < 20 && round < 80 {
        round += 1;
        release_lock(&dir);
        let verb = if destroying { "destroy" } else { "apply" };
        let mut child = with_env(Command::new(env!("CARGO_BIN_EXE_gantry")).args([verb, "-auto-approve", "."]))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(50 + rng.next(window_ms)));
        match child.try_wait().unwrap() {
            // It finished first: the next rounds go the other way, so kills keep landing on work.
            Some(status) => {
                assert!(status.success(), "round {round} (seed {seed}): {verb} failed");
                destroying = !destroying;
                window_ms = (window_ms * 2 / 3).max(100);
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
            }
        }
        if dir.join("gantry.state.json").exists() {
            let bytes = std::fs::read(dir.join("gantry.state.json")).unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("round {round} (seed {seed}): the state does not parse: {e}"));
        }
    }
    assert!(kills >= 20, "seed {seed}: only {kills} runs were killed mid-way");

    release_lock(&dir);
    let last = g(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(last.code, 0, "seed {seed}: {}", last.all());
    let plan = g(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(plan.code, 0, "seed {seed}: converged, nothing left to do: {}", plan.all());
    let in_state = state_vpcs(&dir);
    assert_eq!(in_state.len(), VPCS, "seed {seed}");
    assert_eq!(cloud_vpcs(&m, &run), in_state, "seed {seed}: the emulator holds exactly the VPCs state knows");
    assert!(!dir.join("gantry.state.json.journal").exists());

    let run_destroy = g(&dir, &["destroy", "-auto-approve", "."]);
    assert_eq!(run_destroy.code, 0, "{}", run_destroy.all());
    assert!(cloud_vpcs(&m, &run).is_empty(), "seed {seed}: destroy leaves no VPC behind");
}
