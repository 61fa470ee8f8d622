//! The commands and flags Terraform users type without thinking: `version`, `help`,
//! `completion`, `-chdir`, `-lock=false`, `-lock-timeout=30s`, `-input=false`,
//! `-compact-warnings`, `output -raw`, `-refresh-only`, `taint`/`untaint` and
//! `state pull`/`state push`.

use crate::support::*;

const ONE_NETWORK: &str = "resource \"local_network\" \"n\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";

#[test]
fn version_prints_the_release_and_platform_in_text_and_json() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    for flag in ["version", "-version", "--version", "-v"] {
        let run = gantry(&dir, &[flag]);
        assert_eq!(run.code, 0, "{flag}: {}", run.all());
        assert!(
            run.stdout.starts_with(&format!("Gantry v{}\non linux_", env!("CARGO_PKG_VERSION"))),
            "{flag}: {}",
            run.stdout
        );
    }
    let run = gantry(&dir, &["version", "-json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["gantry_version"], env!("CARGO_PKG_VERSION"));
    assert!(doc["platform"].as_str().unwrap().starts_with("linux_"), "{doc}");
    assert_eq!(doc["providers"], serde_json::json!(["aws", "helm", "kubernetes", "kustomization", "local"]));
}

#[test]
fn help_names_a_command_and_completion_covers_every_shell() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    let run = gantry(&dir, &["help", "plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Usage: gantry plan"), "{}", run.stdout);
    assert!(run.stdout.contains("--detailed-exitcode"), "{}", run.stdout);
    for shell in ["bash", "zsh", "fish"] {
        let run = gantry(&dir, &["completion", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.all());
        for word in ["plan", "apply", "destroy", "auto-approve"] {
            assert!(run.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let run = gantry(&dir, &["completion", "powerscript"]);
    assert_eq!(run.code, 1, "an unknown shell is an error: {}", run.all());
}

#[test]
fn chdir_runs_the_command_as_if_started_in_that_directory() {
    let (tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    let run = gantry(tmp.path(), &["-chdir=cfg", "apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(dir.join("gantry.state.json").is_file(), "the state is written in the -chdir directory");
    assert!(!tmp.path().join("gantry.state.json").exists());
    let run = gantry(tmp.path(), &["-chdir=missing", "plan"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Invalid -chdir option: cannot change to missing"), "{}", run.stderr);
}

#[test]
fn lock_false_skips_the_lock_and_lock_timeout_takes_a_duration() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    // Another run holds the lock.
    let holder = r#"{"ID":"other-run","operation":"apply","who":"someone@elsewhere","created":"2026-12-04T00:00:00Z","path":"gantry.state.json"}"#;
    std::fs::write(dir.join("gantry.state.json.lock"), holder).unwrap();
    let locked = gantry(&dir, &["plan", "-lock-timeout=1s"]);
    assert_eq!(locked.code, 1, "{}", locked.all());
    assert!(locked.all().contains("other-run"), "the error names the holder: {}", locked.all());
    let unlocked = gantry(&dir, &["plan", "-lock=false"]);
    assert_eq!(unlocked.code, 0, "{}", unlocked.all());
    assert!(unlocked.stdout.contains("1 to add"), "{}", unlocked.stdout);
    assert!(dir.join("gantry.state.json.lock").is_file(), "the other run's lock is left alone");
    let bad = gantry(&dir, &["plan", "-lock-timeout=soon"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("\"soon\" is not a duration; write it as 30s, 5m or 1m30s"), "{}", bad.stderr);
}

#[test]
fn input_false_makes_an_unapproved_apply_an_error_that_changes_nothing() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    let run = gantry(&dir, &["apply", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Apply requires approval, and -input=false was given"), "{}", run.stderr);
    assert!(run.stderr.contains("-auto-approve"), "{}", run.stderr);
    assert!(!dir.join("gantry.state.json").exists(), "nothing was applied");
    assert!(!dir.join(".gantry/local/networks").exists(), "nothing was created");
    let run = gantry(&dir, &["apply", "-input=false", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["destroy", "-input=false"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("gantry plan -destroy -out FILE"), "{}", run.stderr);
}

#[test]
fn compact_warnings_lists_only_their_summaries() {
    let files = [("main.hcl", ONE_NETWORK), ("gantry.vars.hcl", "regoin = \"eu-west-1\"\n")];
    let (_tmp, dir) = config(&files);
    let full = gantry(&dir, &["plan"]);
    assert_eq!(full.code, 0, "{}", full.all());
    assert!(full.stderr.contains("Warning: Value for undeclared variable"), "{}", full.stderr);
    assert!(full.stderr.contains("gantry.vars.hcl:1:1"), "{}", full.stderr);
    let compact = gantry(&dir, &["plan", "-compact-warnings"]);
    assert_eq!(compact.code, 0, "{}", compact.all());
    assert!(compact.stderr.contains("Warnings:\n  - Value for undeclared variable\n"), "{}", compact.stderr);
    assert!(compact.stderr.contains("run Gantry without -compact-warnings"), "{}", compact.stderr);
    assert!(!compact.stderr.contains("gantry.vars.hcl:1:1"), "{}", compact.stderr);
}

#[test]
fn output_raw_prints_scalars_plainly_and_refuses_collections() {
    let text = format!(
        "{ONE_NETWORK}output \"cidr\" {{\n  value = local_network.n.cidr_block\n}}\noutput \"count\" {{\n  value = 3\n}}\noutput \"list\" {{\n  value = [\"a\"]\n}}\n"
    );
    let (_tmp, dir) = config(&[("main.hcl", &text)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve"]).code, 0);
    assert_eq!(gantry(&dir, &["output", "-raw", "cidr"]).stdout, "10.0.0.0/16");
    assert_eq!(gantry(&dir, &["output", "-raw", "count"]).stdout, "3");
    assert_eq!(gantry(&dir, &["output", "cidr"]).stdout, "\"10.0.0.0/16\"\n");
    let list = gantry(&dir, &["output", "-raw", "list"]);
    assert_eq!(list.code, 1, "{}", list.all());
    assert!(list.stderr.contains("Unsupported value for raw output"), "{}", list.stderr);
    assert!(list.stderr.contains("Use -json for it instead"), "{}", list.stderr);
    let both = gantry(&dir, &["output", "-raw", "-json", "cidr"]);
    assert_eq!(both.code, 1, "-raw and -json exclude each other: {}", both.all());
}

fn network_id(dir: &std::path::Path) -> String {
    state(dir)["resources"][0]["attributes"]["id"].as_str().unwrap().to_string()
}

#[test]
fn a_tainted_instance_is_replaced_by_the_next_apply_and_untaint_clears_the_mark() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve"]).code, 0);
    let first = network_id(&dir);
    let run = gantry(&dir, &["taint", "local_network.n"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("local_network.n has been marked as tainted"), "{}", run.stdout);
    assert_eq!(state(&dir)["resources"][0]["tainted"], true);
    assert!(gantry(&dir, &["state", "show", "local_network.n"]).stdout.starts_with("# local_network.n: (tainted)"));
    let plan = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(plan.stdout.contains("local_network.n must be replaced\n  # (because it is tainted)"), "{}", plan.stdout);
    assert!(plan.stdout.contains("1 to add, 0 to change, 1 to destroy"), "{}", plan.stdout);

    // Untainted again, nothing is planned.
    assert_eq!(gantry(&dir, &["untaint", "local_network.n"]).code, 0);
    assert_eq!(gantry(&dir, &["plan", "-detailed-exitcode"]).code, 0);
    let twice = gantry(&dir, &["untaint", "local_network.n"]);
    assert_eq!(twice.code, 1);
    assert!(twice.stderr.contains("Resource instance local_network.n is not tainted"), "{}", twice.stderr);

    // Tainted and applied: a new object, and the mark is gone with the old one.
    assert_eq!(gantry(&dir, &["taint", "local_network.n"]).code, 0);
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let second = network_id(&dir);
    assert_ne!(first, second, "the object was replaced");
    assert!(state(&dir)["resources"][0].get("tainted").is_none(), "the new object is not tainted");
    assert!(!dir.join(format!(".gantry/local/networks/{first}.json")).exists(), "the old object was deleted");
    assert_eq!(gantry(&dir, &["plan", "-detailed-exitcode"]).code, 0);

    let missing = gantry(&dir, &["taint", "local_network.other"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("No instance found for the given address: local_network.other"),
        "{}",
        missing.stderr
    );
}

#[test]
fn state_pull_prints_the_state_and_push_refuses_older_or_foreign_states_unless_forced() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve"]).code, 0);
    let pulled = gantry(&dir, &["state", "pull"]);
    assert_eq!(pulled.code, 0, "{}", pulled.all());
    let doc: serde_json::Value = serde_json::from_str(&pulled.stdout).unwrap();
    assert_eq!(doc, state(&dir), "pull prints exactly the stored state");
    let serial = doc["serial"].as_u64().unwrap();

    // An older copy is refused, and the stored state is untouched.
    let mut older = doc.clone();
    older["serial"] = serde_json::json!(serial - 1);
    older["resources"] = serde_json::json!([]);
    std::fs::write(dir.join("older.json"), older.to_string()).unwrap();
    let run = gantry(&dir, &["state", "push", "older.json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!("serial {}, older than the stored state's {serial}", serial - 1)),
        "{}",
        run.stderr
    );
    assert_eq!(state(&dir), doc);

    // Another lineage is refused too.
    let mut foreign = doc.clone();
    foreign["lineage"] = serde_json::json!("00000000-0000-0000-0000-000000000000");
    foreign["serial"] = serde_json::json!(serial + 5);
    std::fs::write(dir.join("foreign.json"), foreign.to_string()).unwrap();
    let run = gantry(&dir, &["state", "push", "foreign.json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("it is another state"), "{}", run.stderr);

    // A newer state of the same lineage goes in; so does an older one with -force.
    let mut newer = doc.clone();
    newer["serial"] = serde_json::json!(serial + 1);
    newer["resources"] = serde_json::json!([]);
    std::fs::write(dir.join("newer.json"), newer.to_string()).unwrap();
    let run = gantry(&dir, &["state", "push", "newer.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(state(&dir)["resources"], serde_json::json!([]));
    assert!(
        state(&dir)["serial"].as_u64().unwrap() > serial + 1,
        "a push moves the serial on, so older saved plans are stale"
    );
    let run = gantry(&dir, &["state", "push", "-force", "foreign.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(state(&dir)["lineage"], "00000000-0000-0000-0000-000000000000");
    let run = gantry(&dir, &["state", "push", "missing.json"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cannot read missing.json"), "{}", run.stderr);
}

#[test]
fn refresh_only_records_what_changed_outside_and_changes_no_object() {
    let two = "resource \"local_network\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nresource \"local_network\" \"b\" {\n  cidr_block = \"10.1.0.0/16\"\n}\n";
    let (_tmp, dir) = config(&[("main.hcl", two)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve"]).code, 0);
    let before = state(&dir);
    let a = before["resources"].as_array().unwrap().iter().find(|r| r["address"] == "local_network.a").unwrap()
        ["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(dir.join(format!(".gantry/local/networks/{a}.json"))).unwrap();

    let plan = gantry(&dir, &["plan", "-refresh-only", "-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "drift is a change to record: {}", plan.all());
    assert!(plan.stdout.contains("# local_network.a has been deleted"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("This is a refresh-only plan, so Gantry will not take any actions to undo these"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("will be created"), "{}", plan.stdout);
    assert_eq!(state(&dir), before, "plan records nothing");

    let run = gantry(&dir, &["apply", "-refresh-only", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_network.b"], "the deleted object is forgotten");
    assert_eq!(std::fs::read_dir(dir.join(".gantry/local/networks")).unwrap().count(), 1, "nothing was re-created");
    assert!(state(&dir)["serial"].as_u64() > before["serial"].as_u64());
    let again = gantry(&dir, &["plan", "-refresh-only", "-detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("No changes. Your infrastructure still matches the state."), "{}", again.stdout);
    let plan = gantry(&dir, &["plan"]);
    assert!(
        plan.stdout.contains("1 to add, 0 to change, 0 to destroy"),
        "a normal plan creates it again: {}",
        plan.stdout
    );

    // A saved refresh-only plan applies the same way.
    let b = state(&dir)["resources"][0]["attributes"]["id"].as_str().unwrap().to_string();
    std::fs::remove_file(dir.join(format!(".gantry/local/networks/{b}.json"))).unwrap();
    assert_eq!(gantry(&dir, &["plan", "-refresh-only", "-out", "ro.plan"]).code, 0);
    let run = gantry(&dir, &["apply", "ro.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), Vec::<String>::new());
    assert!(!dir.join(".gantry/local/networks").read_dir().unwrap().any(|_| true), "nothing was created");

    for (flags, says) in [
        (&["plan", "-refresh-only", "-refresh=false"][..], "cannot be combined with -refresh=false"),
        (&["plan", "-refresh-only", "-destroy"][..], "cannot be combined with destroy"),
    ] {
        let run = gantry(&dir, flags);
        assert_eq!(run.code, 1, "{flags:?}: {}", run.all());
        assert!(run.stderr.contains(says), "{flags:?}: {}", run.stderr);
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_output_without_a_panic() {
    let (_tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve"]).code, 0);
    for args in [&["show"][..], &["state", "list"][..], &["plan"][..], &["version"][..], &["output", "-json"][..]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gantry"))
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader leaves before anything is written, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn every_command_takes_its_directory_as_dash_dir() {
    let (tmp, dir) = config(&[("main.hcl", ONE_NETWORK)]);
    let parent = tmp.path();
    assert_eq!(gantry(parent, &["validate", "-dir=cfg"]).code, 0);
    let run = gantry(parent, &["apply", "-auto-approve", "-dir", "cfg"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(dir.join("gantry.state.json").is_file());
    assert_eq!(gantry(parent, &["plan", "-detailed-exitcode", "-dir", "cfg"]).code, 0);
    assert_eq!(gantry(parent, &["state", "list", "-dir", "cfg"]).stdout, "local_network.n\n");
    assert_eq!(gantry(parent, &["output", "-json", "-dir", "cfg"]).code, 0);
    let both = gantry(parent, &["plan", "cfg", "-dir", "cfg"]);
    assert_eq!(both.code, 1, "a directory given twice is an error: {}", both.all());
}
