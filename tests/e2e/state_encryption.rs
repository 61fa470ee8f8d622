//! State encrypted at rest: the snapshot, its backup and the journal hold no plaintext;
//! every command reads them with the key; a wrong key changes nothing; a plain state is
//! encrypted and a key rotated through a fallback; a killed encrypted apply recovers.

use super::support::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const OLD: &str = "state-passphrase-for-e2e-tests";
const NEW: &str = "rotated-state-passphrase-e2e";
const WRONG: &str = "not-the-state-passphrase-at-all";

/// A state block with method `aes_gcm.PROVIDER` and the given fallback lines.
fn encryption(provider: &str, fallback: &str) -> String {
    format!(
        r#"variable "old" {{
  type      = string
  sensitive = true
  default   = "unused-default-passphrase"
}}
variable "new" {{
  type      = string
  sensitive = true
  default   = "unused-default-passphrase"
}}

gantry {{
  encryption {{
    key_provider "pbkdf2" "old" {{
      passphrase = var.old
      iterations = 200000
    }}
    key_provider "pbkdf2" "new" {{
      passphrase = var.new
      iterations = 200000
    }}
    method "aes_gcm" "old" {{
      keys = key_provider.pbkdf2.old
    }}
    method "aes_gcm" "new" {{
      keys = key_provider.pbkdf2.new
    }}
    method "unencrypted" "migrate" {{}}
    state {{
      method = method.aes_gcm.{provider}
{fallback}    }}
  }}
}}
"#
    )
}

fn fallback(method: &str) -> String {
    format!("      fallback {{\n        method = {method}\n      }}\n")
}

fn envs<'a>(old: &'a str, new: &'a str) -> [(&'static str, &'a str); 2] {
    [("GANTRY_VAR_old", old), ("GANTRY_VAR_new", new)]
}

fn stored(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("gantry.state.json")).unwrap()
}

fn is_envelope(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.starts_with("{\"serial\":") && text.contains("\"encryption_version\":\"v0\"")
}

fn no_secret(run: &Run) {
    let all = run.all();
    for p in [OLD, NEW, WRONG] {
        assert!(!all.contains(p), "a passphrase was printed:\n{all}");
    }
}

#[test]
fn the_state_and_its_backup_are_encrypted_and_every_command_reads_them() {
    let (_tmp, dir) = example("quickstart");
    std::fs::write(dir.join("encryption.hcl"), encryption("old", "")).unwrap();
    let env = envs(OLD, NEW);
    let run = gantry_env(&dir, &["apply", "-auto-approve", "."], &env);
    assert_eq!(run.code, 0, "{}", run.all());
    no_secret(&run);
    for file in ["gantry.state.json", "gantry.state.json.backup"] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        assert!(is_envelope(&bytes), "{file}: {}", String::from_utf8_lossy(&bytes));
        let text = String::from_utf8_lossy(&bytes);
        for clear in ["local_node_pool", "g5.xlarge", "resources", OLD] {
            assert!(!text.contains(clear), "{clear:?} is readable in {file}");
        }
    }

    let list = gantry_env(&dir, &["state", "list", "--dir", "."], &env);
    assert_eq!(list.code, 0, "{}", list.all());
    assert!(list.stdout.lines().any(|l| l == "local_node_pool.gpu"), "{}", list.stdout);
    let shown = gantry_env(&dir, &["show", "-json", "."], &env);
    assert_eq!(shown.code, 0, "{}", shown.all());
    assert!(shown.stdout.contains("\"local_node_pool.gpu\""), "{}", shown.stdout);
    let output = gantry_env(&dir, &["output", "-raw", "--dir", ".", "gpu_instance_type"], &env);
    assert_eq!(output.code, 0, "{}", output.all());
    assert_eq!(output.stdout.trim(), "g5.xlarge");
    let plan = gantry_env(&dir, &["plan", "-detailed-exitcode", "."], &env);
    assert_eq!(plan.code, 0, "the encrypted state is exact: {}", plan.all());

    // A wrong passphrase: a clear error naming the file, and nothing written or left locked.
    let before = stored(&dir);
    let run = gantry_env(&dir, &["apply", "-auto-approve", "."], &envs(WRONG, NEW));
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("gantry.state.json: the state cannot be decrypted with the configured key"),
        "{}",
        run.stderr
    );
    no_secret(&run);
    assert_eq!(stored(&dir), before, "a state that cannot be read is never overwritten");
    assert!(!dir.join("gantry.state.json.lock").exists(), "the lock is released");

    // Without the encryption block the state is not mistaken for a damaged one.
    std::fs::remove_file(dir.join("encryption.hcl")).unwrap();
    let run = gantry(&dir, &["state", "list", "--dir", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("the state is encrypted, but the configuration has no state encryption to read it with"),
        "{}",
        run.stderr
    );
    assert_eq!(stored(&dir), before);
}

#[test]
fn a_plain_state_is_encrypted_and_a_key_rotated_through_a_fallback() {
    let (_tmp, dir) = example("quickstart");
    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "."]).code, 0);
    let plain = stored(&dir);
    let env = envs(OLD, NEW);

    std::fs::write(dir.join("encryption.hcl"), encryption("old", "")).unwrap();
    let run = gantry_env(&dir, &["plan", "."], &env);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("the state is not encrypted"), "{}", run.stderr);
    assert!(run.stderr.contains("method \"unencrypted\" \"migrate\""), "the error says how to migrate: {}", run.stderr);
    assert_eq!(stored(&dir), plain);

    std::fs::write(dir.join("encryption.hcl"), encryption("old", &fallback("method.unencrypted.migrate"))).unwrap();
    let run = gantry_env(&dir, &["apply", "-auto-approve", "."], &env);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("The state was written again with the configured encryption."), "{}", run.stdout);
    assert!(is_envelope(&stored(&dir)));

    // Rotation: the new key writes, the old one still reads, one apply moves the state over.
    std::fs::write(dir.join("encryption.hcl"), encryption("new", &fallback("method.aes_gcm.old"))).unwrap();
    let run = gantry_env(&dir, &["apply", "-auto-approve", "."], &env);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("The state was written again"), "{}", run.stdout);
    no_secret(&run);

    std::fs::write(dir.join("encryption.hcl"), encryption("new", "")).unwrap();
    let run = gantry_env(&dir, &["plan", "-detailed-exitcode", "."], &env);
    assert_eq!(run.code, 0, "the new key alone reads the state: {}", run.all());
    let run = gantry_env(&dir, &["apply", "-auto-approve", "."], &env);
    assert!(!run.stdout.contains("written again"), "nothing left to migrate: {}", run.stdout);

    std::fs::write(dir.join("encryption.hcl"), encryption("old", "")).unwrap();
    let run = gantry_env(&dir, &["plan", "."], &env);
    assert_eq!(run.code, 1, "the old key no longer reads it: {}", run.all());
    assert!(run.stderr.contains("the state was encrypted with key_provider.pbkdf2.new"), "{}", run.stderr);
}

#[test]
fn a_killed_encrypted_apply_leaves_an_encrypted_journal_that_the_next_run_recovers() {
    let text = format!(
        "provider \"local\" {{\n  latency = \"1500ms\"\n}}\nresource \"local_network\" \"net\" {{\n  count      = 10\n  cidr_block = \"10.${{count.index}}.0.0/16\"\n}}\n{}",
        encryption("old", "")
    );
    let (_tmp, dir) = config(&[("main.hcl", &text)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .args(["apply", "-auto-approve", "-parallelism", "5", "."])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("GANTRY_VAR_old", OLD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut creating = 0;
    while creating < 5 {
        let line = lines.next().expect("the apply prints its creates").unwrap();
        creating += usize::from(line.ends_with("Creating..."));
    }
    // "Creating..." is printed as a change starts, before its intent is durable: wait for the
    // intents themselves (the creates take far longer than the wait).
    let journal_path = dir.join("gantry.state.json.journal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read(&journal_path).is_ok_and(|j| j.ends_with(b"\n")) {
        assert!(std::time::Instant::now() < deadline, "no intent was journaled");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let journal = std::fs::read_to_string(dir.join("gantry.state.json.journal")).expect("a journal is left");
    assert!(!journal.is_empty());
    for line in journal.lines() {
        assert!(line.contains("\"encryption_version\":\"v0\""), "every journal line is an envelope: {line}");
        assert!(!line.contains("local_network") && !line.contains("10.0.0.0"), "{line}");
    }

    let lock = std::fs::read_to_string(dir.join("gantry.state.json.lock")).unwrap();
    let id = serde_json::from_str::<serde_json::Value>(&lock).unwrap()["ID"].as_str().unwrap().to_string();
    assert_eq!(gantry(&dir, &["force-unlock", "-force", &id, "--dir", "."]).code, 0);
    let env = [("GANTRY_VAR_old", OLD)];
    let run = gantry_env(&dir, &["apply", "-auto-approve", "."], &env);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!dir.join("gantry.state.json.journal").exists());
    let shown = gantry_env(&dir, &["show", "-json", "."], &env);
    let state: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    let ids: std::collections::BTreeSet<String> = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}.json", r["values"]["id"].as_str().unwrap()))
        .collect();
    assert_eq!(ids.len(), 10);
    let cloud: std::collections::BTreeSet<String> = std::fs::read_dir(dir.join(".gantry/local/networks"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(cloud, ids, "exactly one network per address: the lost creates were adopted, not repeated");
}
