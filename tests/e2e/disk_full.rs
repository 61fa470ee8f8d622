//! A full disk: applies run in a small tmpfs that fills up part-way, at a different point
//! each round. Whatever write fails (a journal append, the state snapshot, its backup, the
//! lock, the simulated cloud's own files), the run stops with an error naming the file, the
//! state and journal left behind parse, no temporary file is left, and once space is freed
//! the next apply converges with exactly one network per address.
//!
//! Mounting needs root and a kernel that allows it; `.ci/run` checks that it can and sets
//! GANTRY_REQUIRE_TMPFS=1, so that there the test cannot skip itself.

use super::support::gantry;
use std::path::{Path, PathBuf};
use std::process::Command;

const NETWORKS: usize = 40;

struct Tmpfs {
    _parent: tempfile::TempDir,
    mount: PathBuf,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let parent = tempfile::tempdir().unwrap();
        let mount = parent.path().join("disk");
        std::fs::create_dir(&mount).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mount)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let required = std::env::var("GANTRY_REQUIRE_TMPFS").is_ok_and(|v| v == "1");
            assert!(!required, "GANTRY_REQUIRE_TMPFS=1 but a tmpfs cannot be mounted");
            eprintln!("notice: skipping the disk-full test: mounting a tmpfs needs root (bash .ci/run checks)");
            return None;
        }
        Some(Tmpfs { _parent: parent, mount })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

fn free_bytes(dir: &Path) -> u64 {
    let out = Command::new("df").args(["-B1", "--output=avail"]).arg(dir).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().nth(1).unwrap().trim().parse().unwrap()
}

/// Fills the disk until `leave` bytes are free.
fn fill(dir: &Path, leave: u64) -> PathBuf {
    let ballast = dir.join("ballast");
    let size = free_bytes(dir).saturating_sub(leave);
    std::fs::write(&ballast, vec![0u8; size as usize]).unwrap();
    ballast
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

fn state_network_ids(dir: &Path) -> Vec<String> {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("gantry.state.json")).unwrap()).unwrap();
    let mut ids: Vec<String> =
        state["resources"].as_array().unwrap().iter().map(|r| r["attributes"]["id"].as_str().unwrap().into()).collect();
    ids.sort();
    ids
}

/// What every interrupted write must leave: parseable state and journal, no temporary file.
fn assert_intact(dir: &Path, round: usize) {
    let state = dir.join("gantry.state.json");
    if state.exists() {
        let bytes = std::fs::read(&state).unwrap();
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("round {round}: the state does not parse: {e}"));
        }
    }
    if let Ok(journal) = std::fs::read_to_string(dir.join("gantry.state.json.journal")) {
        for (n, line) in journal.lines().enumerate() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("round {round}: journal line {} does not parse: {e}", n + 1));
        }
    }
    let litter: Vec<PathBuf> = files(dir).into_iter().filter(|p| p.to_string_lossy().contains(".tmp.")).collect();
    assert!(litter.is_empty(), "round {round}: temporary files are left: {litter:?}");
    assert!(!dir.join("gantry.state.json.lock").exists(), "round {round}: the lock is released");
}

/// Applies from nothing with `leave` KiB free, for each of `leaves`; returns the error lines
/// of the runs that failed.
fn rounds(dir: &Path, leaves: &[u64]) -> Vec<String> {
    let mut failures = Vec::new();
    for (round, leave) in leaves.iter().enumerate() {
        let _ = gantry(dir, &["destroy", "-auto-approve", "."]);
        let ballast = fill(dir, leave * 1024);
        let run = gantry(dir, &["apply", "-auto-approve", "."]);
        assert!(!run.all().contains("panicked"), "round {round}: {}", run.all());
        if run.code != 0 {
            let all = run.all();
            let errors: Vec<&str> = all.lines().filter(|l| l.contains("No space left on device")).collect();
            assert!(!errors.is_empty(), "round {round}: {}", run.all());
            failures.push(errors.join("\n"));
        }
        std::fs::remove_file(&ballast).unwrap();
        assert_intact(dir, round);

        let run = gantry(dir, &["apply", "-auto-approve", "."]);
        assert_eq!(run.code, 0, "round {round}: with space again the apply completes: {}", run.all());
        let plan = gantry(dir, &["plan", "-detailed-exitcode", "."]);
        assert_eq!(plan.code, 0, "round {round}: {}", plan.all());
        let ids = state_network_ids(dir);
        assert_eq!(
            ids.len(),
            NETWORKS,
            "round {round}: {}\n{}\njournal: {:?}",
            run.all(),
            String::from_utf8_lossy(&std::fs::read(dir.join("gantry.state.json")).unwrap()),
            std::fs::read_to_string(dir.join("gantry.state.json.journal")).ok()
        );
        let mut cloud: Vec<String> = files(&dir.join(".gantry/local/networks"))
            .iter()
            .filter_map(|p| p.file_name()?.to_str()?.strip_suffix(".json").map(str::to_string))
            .collect();
        cloud.sort();
        assert_eq!(cloud, ids, "round {round}: the simulated cloud holds exactly the networks state knows");
    }
    failures
}

#[test]
fn a_full_disk_at_any_point_loses_nothing_and_leaves_no_litter() {
    let Some(disk) = Tmpfs::mount("2m") else { return };
    let dir = disk.mount.as_path();
    let config = format!(
        "provider \"local\" {{\n  latency = \"5ms\"\n}}\nresource \"local_network\" \"net\" {{\n  count      = {NETWORKS}\n  cidr_block = \"10.${{count.index}}.0.0/16\"\n}}\n"
    );
    std::fs::write(dir.join("main.hcl"), &config).unwrap();

    // The simulated cloud on the same disk: the failing write moves, with the space left,
    // from the lock through the cloud's own files to the journal.
    let shared = rounds(dir, &[0, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192]);
    assert!(shared.len() >= 6, "the disk filled up in only {} rounds", shared.len());

    // The simulated cloud elsewhere, so that only state fills the disk: the journal, the
    // snapshot and its backup each fail in turn.
    let _ = gantry(dir, &["destroy", "-auto-approve", "."]);
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::remove_dir_all(dir.join(".gantry")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.join(".gantry")).unwrap();
    let state_only = rounds(dir, &[0, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64]);
    assert!(state_only.len() >= 6, "the disk filled up in only {} rounds", state_only.len());
    for failure in shared.iter().chain(&state_only) {
        assert!(
            failure.contains("cannot write ./") || failure.contains("failed on ./gantry.state.json"),
            "every failure names the file it could not write: {failure}"
        );
    }
    assert!(state_only.iter().any(|f| f.contains("gantry.state.json.journal")), "{state_only:?}");
}
