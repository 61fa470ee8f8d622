//! Nothing lost: an apply killed at any instant, interrupted once or twice, leaves
//! state that the next run completes without a duplicate or a leak.

use super::support::{addresses, config, gantry, spawn_gantry, state, Lcg};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

fn networks(n: usize, latency: &str) -> String {
    let mut text = format!("provider \"local\" {{\n  latency = \"{latency}\"\n}}\n");
    text.push_str(&format!(
        "resource \"local_network\" \"net\" {{\n  count      = {n}\n  cidr_block = \"10.${{count.index}}.0.0/16\"\n}}\n"
    ));
    text
}

/// Networks, clusters and node pools: ID-assigned objects and named ones.
fn platform(latency: &str) -> String {
    let mut text = networks(30, latency);
    text.push_str(
        r#"
resource "local_cluster" "c" {
  count = 10
  name  = "c${count.index}"
}
resource "local_node_pool" "p" {
  count           = 10
  cluster_name    = local_cluster.c[count.index].name
  node_group_name = "p${count.index}"
  instance_types  = ["m6i.xlarge"]
  scaling_config {
    min_size     = 1
    max_size     = 2
    desired_size = 1
  }
}
"#,
    );
    text
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill -{name} works");
}

/// The simulated cloud's files of one kind.
fn sim_files(dir: &Path, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join(".gantry/local").join(kind)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// IDs of the networks state records.
fn state_network_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = state(dir)["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["address"].as_str().unwrap().starts_with("local_network."))
        .map(|r| format!("{}.json", r["attributes"]["id"].as_str().unwrap()))
        .collect();
    ids.sort();
    ids
}

/// Releases the lock a killed run left, as a user would: with the ID the error shows.
fn release_lock(dir: &Path) {
    let lock = dir.join("gantry.state.json.lock");
    if !lock.exists() {
        return;
    }
    let plan = gantry(dir, &["plan", "."]);
    let id = plan
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("ID:").map(|s| s.trim().to_string()))
        .unwrap_or_else(|| panic!("the lock error shows its ID: {}", plan.all()));
    let run = gantry(dir, &["force-unlock", "-force", &id, "--dir", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains(&format!("Removed the lock {id}")), "{}", run.stdout);
}

fn assert_converged(dir: &Path) {
    let run = gantry(dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(run.code, 0, "after convergence there is nothing left to do: {}", run.all());
    let ids = state_network_ids(dir);
    assert_eq!(ids.len(), 30, "one network per address in state");
    assert_eq!(sim_files(dir, "networks"), ids, "the simulated cloud holds exactly the networks state knows");
    assert_eq!(sim_files(dir, "clusters").len(), 10);
    assert_eq!(sim_files(dir, "node_pools").len(), 10);
    assert_eq!(addresses(dir).len(), 50);
    assert!(!dir.join("gantry.state.json.journal").exists(), "a finished run folds its journal into the state");
}

#[test]
fn sigkill_at_random_moments_never_duplicates_or_leaks() {
    let (_tmp, dir) = config(&[("main.hcl", &platform("40ms"))]);
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    eprintln!("kill test seed {seed}");
    let mut rng = Lcg(seed);
    for round in 0..20 {
        release_lock(&dir);
        let mut child = spawn_gantry(&dir, &["apply", "-auto-approve", "."]);
        std::thread::sleep(Duration::from_millis(50 + rng.next(600)));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever the moment, the state that is there parses.
        if dir.join("gantry.state.json").exists() {
            let bytes = std::fs::read(dir.join("gantry.state.json")).unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("round {round} (seed {seed}): the state does not parse: {e}"));
        }
        // Between kills, the simulated cloud never holds a network state cannot account for
        // once a run has recovered: checked at the end, after every recovery.
    }
    release_lock(&dir);
    let mut last = gantry(&dir, &["apply", "-auto-approve", "."]);
    for _ in 0..2 {
        if last.code == 0 {
            break;
        }
        last = gantry(&dir, &["apply", "-auto-approve", "."]);
    }
    assert_eq!(last.code, 0, "seed {seed}: {}", last.all());
    assert_converged(&dir);
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files are left: {leftovers:?}");
}

/// Starts an apply of 20 slow networks, 5 at a time, and waits until 5 are in flight.
fn apply_in_flight(dir: &Path) -> (Child, Vec<String>) {
    let mut child = spawn_gantry(dir, &["apply", "-auto-approve", "-parallelism", "5", "."]);
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    while seen.iter().filter(|l: &&String| l.ends_with("Creating...")).count() < 5 {
        match lines.next() {
            Some(Ok(l)) => seen.push(l),
            _ => panic!("apply ended before five creates started: {seen:?}"),
        }
    }
    // The rest of stdout is read in the background so the child never blocks on a full pipe.
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    std::mem::forget(rest);
    (child, seen)
}

fn interrupted_once(sig: &str) {
    let (_tmp, dir) = config(&[("main.hcl", &networks(20, "1500ms"))]);
    let (mut child, _) = apply_in_flight(&dir);
    signal(&child, sig);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Interrupt received. Gantry starts no new changes"), "{stderr}");
    assert!(stderr.contains("Apply interrupted"), "{stderr}");
    assert!(stderr.contains("5 of 20 changes completed and are recorded in state; 15 were not started"), "{stderr}");
    assert!(!dir.join("gantry.state.json.lock").exists(), "the lock is released");
    assert!(!dir.join("gantry.state.json.journal").exists(), "the journal is folded into the state");
    let ids = state_network_ids(&dir);
    assert_eq!(ids.len(), 5, "the changes in flight finished and were recorded");
    assert_eq!(sim_files(&dir, "networks"), ids, "nothing was made that state does not know");
    let run = gantry(&dir, &["apply", "-auto-approve", "-parallelism", "20", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("15 added, 0 changed, 0 destroyed"), "{}", run.stdout);
    let ids = state_network_ids(&dir);
    assert_eq!(ids.len(), 20);
    assert_eq!(sim_files(&dir, "networks"), ids);
}

#[test]
fn ctrl_c_lets_running_changes_finish_records_them_and_releases_the_lock() {
    interrupted_once("INT");
}

#[test]
fn sigterm_is_handled_as_ctrl_c() {
    interrupted_once("TERM");
}

#[test]
fn a_second_interrupt_cancels_running_changes_and_the_next_run_resolves_them() {
    let (_tmp, dir) = config(&[("main.hcl", &networks(20, "3s"))]);
    let (mut child, _) = apply_in_flight(&dir);
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "INT");
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Second interrupt received: cancelling"), "{stderr}");
    assert!(stderr.contains("These were cancelled while running"), "{stderr}");
    assert!(!dir.join("gantry.state.json.lock").exists(), "the lock is released");
    let journal =
        std::fs::read_to_string(dir.join("gantry.state.json.journal")).expect("the intents stay in the journal");
    assert_eq!(journal.matches("\"op\":\"intent\"").count(), 5, "{journal}");
    let plan = gantry(&dir, &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("Recovered from an interrupted run"), "{}", plan.stdout);
    assert_eq!(plan.stdout.matches("had not been created").count(), 5, "{}", plan.stdout);
    assert!(!dir.join("gantry.state.json.journal").exists(), "recovery resolved every intent");
    let run = gantry(&dir, &["apply", "-auto-approve", "-parallelism", "20", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let ids = state_network_ids(&dir);
    assert_eq!(ids.len(), 20);
    assert_eq!(sim_files(&dir, "networks"), ids);
}

/// A journal as a killed run leaves it: one create that made its network, one that did not.
#[test]
fn plan_adopts_what_a_lost_create_made_and_drops_what_it_did_not() {
    let (_tmp, dir) = config(&[("main.hcl", &networks(2, "0ms"))]);
    let run = gantry(&dir, &["apply", "-auto-approve", "-target", "local_network.net[0]", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let lineage = state(&dir)["lineage"].as_str().unwrap().to_string();
    // The create of net[0] is replayed as lost: state forgets it, the journal keeps its intent.
    let mut st = state(&dir);
    let made = st["resources"][0]["attributes"]["id"].as_str().unwrap().to_string();
    st["resources"] = serde_json::json!([]);
    std::fs::write(dir.join("gantry.state.json"), serde_json::to_vec_pretty(&st).unwrap()).unwrap();
    let token = {
        let stored: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!(".gantry/local/networks/{made}.json"))).unwrap())
                .unwrap();
        stored["_client_token"].as_str().unwrap().to_string()
    };
    let intent = |id: &str, addr: &str, token: &str| {
        serde_json::json!({
            "op": "intent", "id": id, "address": addr, "operation": "create", "provider": "local",
            "identity": { "client_token": token, "tags": { "gantry:address": addr, "gantry:lineage": lineage } },
            "object": { "cidr_block": "10.0.0.0/16", "tags": null, "id": null, "arn": null },
        })
        .to_string()
    };
    let journal = format!(
        "{}\n{}\n",
        intent(&token, "local_network.net[0]", &token),
        intent("lost-2", "local_network.net[1]", "never-sent")
    );
    std::fs::write(dir.join("gantry.state.json.journal"), journal).unwrap();

    let plan = gantry(&dir, &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains(&format!("local_network.net[0] was created (id={made}) and is now recorded in state")),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("local_network.net[1] had not been created"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("1 to add, 0 to change, 0 to destroy"),
        "only net[1] is left to create: {}",
        plan.stdout
    );
    assert!(!dir.join("gantry.state.json.journal").exists());
    assert_eq!(state_network_ids(&dir), [format!("{made}.json")], "the adopted network is in state");

    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let ids = state_network_ids(&dir);
    assert_eq!(ids.len(), 2);
    assert_eq!(sim_files(&dir, "networks"), ids, "no duplicate of net[0]");
}

#[test]
fn a_saved_plan_is_stale_once_a_run_left_a_journal() {
    let (_tmp, dir) = config(&[("main.hcl", &networks(2, "0ms"))]);
    let run = gantry(&dir, &["apply", "-auto-approve", "-target", "local_network.net[0]", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["plan", "-out", "p.plan", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    std::fs::write(
        dir.join("gantry.state.json.journal"),
        "{\"op\":\"intent\",\"id\":\"x-1\",\"address\":\"local_network.net[0]\",\"operation\":\"update\",\"provider\":\"local\"}\n",
    )
    .unwrap();
    let run = gantry(&dir, &["apply", "p.plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(sim_files(&dir, "networks").len(), 1, "the stale plan created nothing");
}

#[test]
fn an_empty_state_file_beside_its_backup_is_an_error_not_a_fresh_start() {
    let (_tmp, dir) = config(&[("main.hcl", &networks(1, "0ms"))]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    let backup = std::fs::read(dir.join("gantry.state.json.backup")).expect("a second write keeps a backup");
    std::fs::write(dir.join("gantry.state.json"), "\n").unwrap();
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("shows that state existed"), "{}", run.stderr);
    assert_eq!(std::fs::read(dir.join("gantry.state.json.backup")).unwrap(), backup, "the backup is untouched");
    assert_eq!(sim_files(&dir, "networks").len(), 1, "nothing was created again");
    assert!(!dir.join("gantry.state.json.lock").exists());
}

#[test]
fn a_garbage_lock_file_can_be_released_with_the_id_the_error_shows() {
    let (_tmp, dir) = config(&[("main.hcl", &networks(1, "0ms"))]);
    std::fs::write(dir.join("gantry.state.json.lock"), "\u{0}\u{1}not a lock").unwrap();
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("ID:        unreadable-"), "{}", run.stderr);
    let run = gantry(&dir, &["force-unlock", "unknown", "--dir", "."]);
    assert_ne!(run.code, 0, "without -force it asks, and no answer is no");
    assert!(dir.join("gantry.state.json.lock").exists());
    release_lock(&dir);
    assert!(!dir.join("gantry.state.json.lock").exists());
    assert_eq!(gantry(&dir, &["plan", "."]).code, 0);
}

/// A lost create of a resource that was then removed from the configuration: the object is
/// still looked up, adopted, and destroyed as no longer configured, rather than leaked.
#[test]
fn a_lost_create_of_a_removed_resource_is_found_and_destroyed() {
    let (_tmp, dir) = config(&[("main.hcl", &networks(1, "0ms"))]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    let mut st = state(&dir);
    let lineage = st["lineage"].as_str().unwrap().to_string();
    let made = st["resources"][0]["attributes"]["id"].as_str().unwrap().to_string();
    st["resources"] = serde_json::json!([]);
    std::fs::write(dir.join("gantry.state.json"), serde_json::to_vec_pretty(&st).unwrap()).unwrap();
    let intent = serde_json::json!({
        "op": "intent", "id": "lost-1", "address": "local_network.net[0]", "operation": "create", "provider": "local",
        "identity": { "client_token": "lost-1", "tags": { "gantry:address": "local_network.net[0]", "gantry:lineage": lineage } },
        "object": { "cidr_block": "10.0.0.0/16", "tags": null, "id": null, "arn": null },
    });
    std::fs::write(dir.join("gantry.state.json.journal"), format!("{intent}\n")).unwrap();
    std::fs::write(dir.join("main.hcl"), "provider \"local\" {}\n").unwrap();

    let plan = gantry(&dir, &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains(&format!("local_network.net[0] was created (id={made}) and is now recorded in state")),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("0 to add, 0 to change, 1 to destroy"), "{}", plan.stdout);
    assert!(!plan.stderr.contains("Unresolved change"), "{}", plan.stderr);
    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(sim_files(&dir, "networks").is_empty(), "the removed resource's network is not leaked");
    assert!(addresses(&dir).is_empty());
}

/// The old object of a create-before-destroy replacement whose delete a kill cut short:
/// the plan shows it as a deposed object and apply deletes it, leaving the current one.
#[test]
fn an_old_object_an_interrupted_replacement_left_is_destroyed_as_deposed() {
    let (_tmp, dir) = config(&[("main.hcl", &networks(2, "0ms"))]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    // net[1]'s network plays the old object of net[0]: state forgets it, the journal keeps
    // the delete that did not happen.
    let mut st = state(&dir);
    let resources = st["resources"].as_array().unwrap().clone();
    let (current, old) = (&resources[0], &resources[1]);
    let old_id = old["attributes"]["id"].as_str().unwrap().to_string();
    st["resources"] = serde_json::json!([current]);
    std::fs::write(dir.join("gantry.state.json"), serde_json::to_vec_pretty(&st).unwrap()).unwrap();
    let intent = serde_json::json!({
        "op": "intent", "id": "run-7", "address": "local_network.net[0]", "operation": "delete_replaced",
        "provider": "local", "identity": null, "object": old["attributes"], "create_before_destroy": true,
    });
    std::fs::write(dir.join("gantry.state.json.journal"), format!("{intent}\n")).unwrap();
    std::fs::write(dir.join("main.hcl"), networks(1, "0ms")).unwrap();

    let plan = gantry(&dir, &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("# local_network.net[0] (deposed object) will be destroyed"), "{}", plan.stdout);
    assert!(plan.stdout.contains(&old_id), "the plan shows which object: {}", plan.stdout);
    assert!(plan.stdout.contains("0 to add, 0 to change, 1 to destroy"), "{}", plan.stdout);
    let json = gantry(&dir, &["plan", "-json", "."]);
    let changes: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(changes["changes"].as_array().unwrap().iter().any(|c| c["deposed"] == "run-7"), "{}", json.stdout);

    let run = gantry(&dir, &["apply", "-auto-approve", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(sim_files(&dir, "networks"), state_network_ids(&dir), "only the current network remains");
    assert_eq!(state_network_ids(&dir).len(), 1);
    assert!(!dir.join("gantry.state.json.journal").exists(), "the intent is resolved");
    let plan = gantry(&dir, &["plan", "-detailed-exitcode", "."]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}
