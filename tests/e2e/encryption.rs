//! Saved plans encrypted with a passphrase: unreadable on disk, applied with the right
//! passphrase, refused with a wrong one without changing anything, and the passphrase never
//! printed.

use crate::support::*;
use std::path::Path;

const PASSPHRASE: &str = "plan-passphrase-for-e2e-tests";
const WRONG: &str = "not-the-plan-passphrase-at-all";

const ENCRYPTION: &str = r#"variable "passphrase" {
  type      = string
  sensitive = true
}

gantry {
  encryption {
    key_provider "pbkdf2" "plan" {
      passphrase = var.passphrase
      iterations = 200000
    }
    method "aes_gcm" "plan" {
      keys = key_provider.pbkdf2.plan
    }
    plan {
      method = method.aes_gcm.plan
    }
  }
}
"#;

fn with_encryption() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = example("quickstart");
    std::fs::write(dir.join("encryption.hcl"), ENCRYPTION).unwrap();
    (tmp, dir)
}

fn no_secret(run: &Run) {
    let all = run.all();
    assert!(!all.contains(PASSPHRASE) && !all.contains(WRONG), "a passphrase was printed:\n{all}");
}

/// Everything an apply could change: the state and the simulated cloud.
fn applied(dir: &Path) -> bool {
    dir.join("gantry.state.json").exists() || dir.join(".gantry/local/node_pools").exists()
}

#[test]
fn an_encrypted_saved_plan_is_applied_only_with_its_passphrase() {
    let (_tmp, dir) = with_encryption();
    let var = format!("passphrase={PASSPHRASE}");
    let run = gantry(&dir, &["plan", "-out", "p.plan", "-var", &var]);
    assert_eq!(run.code, 0, "{}", run.all());
    no_secret(&run);
    let stored = std::fs::read_to_string(dir.join("p.plan")).unwrap();
    assert!(
        stored.contains("\"encryption_version\":\"v0\"") && stored.contains("key_provider.pbkdf2.plan"),
        "{stored}"
    );
    for clear in ["local_node_pool", "g5.xlarge", "format_version", PASSPHRASE] {
        assert!(!stored.contains(clear), "{clear:?} is readable in the saved plan");
    }

    // Showing it needs the passphrase too; the JSON leaves the passphrase out.
    let shown = gantry(&dir, &["show", "-json", "-var", &var, "p.plan"]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    no_secret(&shown);
    let plan: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(plan["variables"]["passphrase"], serde_json::json!({"value": null}));
    assert!(plan["resource_changes"].as_array().unwrap().iter().any(|c| c["address"] == "local_node_pool.gpu"));

    let wrong = format!("passphrase={WRONG}");
    let run = gantry(&dir, &["apply", "-var", &wrong, "p.plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("the plan cannot be decrypted with the configured key")
            && run.stderr.contains("check the passphrase or key, or add the old key as a fallback"),
        "{}",
        run.stderr
    );
    no_secret(&run);
    assert!(!run.stdout.contains("Creating..."), "{}", run.stdout);
    assert!(!applied(&dir), "a plan that cannot be decrypted changes nothing");

    let run = gantry(&dir, &["apply", "-var", &var, "p.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Apply complete! Resources: 6 added"), "{}", run.stdout);
    no_secret(&run);
    assert!(applied(&dir));
}

#[test]
fn the_passphrase_can_come_from_the_environment_and_problems_are_reported_before_planning() {
    let (_tmp, dir) = with_encryption();
    let run = gantry_env(&dir, &["plan", "-out", "p.plan"], &[("GANTRY_VAR_passphrase", PASSPHRASE)]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = gantry(&dir, &["show", "p.plan"]);
    assert_eq!(run.code, 1, "without the passphrase: {}", run.all());
    assert!(run.stderr.contains("Error: No value for required variable"), "{}", run.stderr);
    assert!(run.stderr.contains("GANTRY_VAR_passphrase"), "{}", run.stderr);

    // A plain plan file where plans are encrypted is refused.
    std::fs::remove_file(dir.join("encryption.hcl")).unwrap();
    assert_eq!(gantry(&dir, &["plan", "-out", "plain.plan"]).code, 0);
    std::fs::write(dir.join("encryption.hcl"), ENCRYPTION).unwrap();
    let run = gantry_env(&dir, &["apply", "plain.plan"], &[("GANTRY_VAR_passphrase", PASSPHRASE)]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("the plan is not encrypted"), "{}", run.stderr);
    assert!(!applied(&dir));

    // A short passphrase is refused at the block, before any refresh.
    let run = gantry_env(&dir, &["plan"], &[("GANTRY_VAR_passphrase", "too-short")]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("Error: Invalid key provider configuration\n  --> encryption.hcl:8:5"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("the passphrase is too short: it needs at least 16 characters"), "{}", run.stderr);
    assert!(!run.all().contains("too-short"), "{}", run.all());
    assert!(!run.stdout.contains("Plan:"), "{}", run.stdout);
}

#[test]
fn validate_reports_encryption_mistakes_with_their_position() {
    let (_tmp, dir) = example("quickstart");
    let text = ENCRYPTION
        .replace("\"pbkdf2\" \"plan\"", "\"pbkdf\" \"plan\"")
        .replace("method.aes_gcm.plan", "method.aes_gcm.plna");
    std::fs::write(dir.join("encryption.hcl"), text).unwrap();
    let run = gantry(&dir, &["validate", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Error: Unsupported key provider\n  --> encryption.hcl:8:18"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Did you mean \"pbkdf2\"? Available key providers: aws_kms, pbkdf2."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Error: Reference to undeclared encryption method\n  --> encryption.hcl:16:16"),
        "{}",
        run.stderr
    );
}
