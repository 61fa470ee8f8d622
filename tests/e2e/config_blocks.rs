//! `check`, `removed` and `import` blocks, end to end on the embedded simulator: what the plan
//! says, what state holds afterwards, and what the simulator still has.

use crate::support::*;
use std::path::Path;

const CLUSTERS: &str = r#"
resource "local_cluster" "main" {
  name = "c1"
}

resource "local_cluster" "other" {
  name = "c2"
}
"#;

fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join("main.hcl"), text).unwrap();
}

fn cluster_exists(dir: &Path, name: &str) -> bool {
    dir.join(format!(".gantry/local/clusters/{name}.json")).exists()
}

fn applied(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = config(files);
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    (tmp, dir)
}

#[test]
fn a_failing_check_is_a_warning_and_apply_goes_ahead() {
    let text = format!(
        r#"{CLUSTERS}
variable "min_clusters" {{
  default = 3
}}

locals {{
  clusters = ["c1", "c2"]
}}

check "enough_clusters" {{
  assert {{
    condition     = length(local.clusters) >= var.min_clusters
    error_message = "fewer clusters than ${{var.min_clusters}}"
  }}
}}

check "main_is_active" {{
  assert {{
    condition     = local_cluster.main.status == "ACTIVE"
    error_message = "main is not active"
  }}
}}
"#
    );
    let (_tmp, dir) = config(&[("main.hcl", &text)]);
    let run = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 2, "a failing check does not fail the plan: {}", run.all());
    assert!(run.stderr.contains("Warning: Check block assertion failed"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:20:21"), "the warning points at the condition: {}", run.stderr);
    assert!(run.stderr.contains("fewer clusters than 3"), "{}", run.stderr);
    assert!(run.stderr.contains("Warning: Check block assertion known after apply"), "{}", run.stderr);

    let run = gantry(&dir, &["plan", "-json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        plan["checks"],
        serde_json::json!([
            {"address": "check.enough_clusters", "status": "fail", "problems": ["fewer clusters than 3"]},
            {"address": "check.main_is_active", "status": "unknown"},
        ])
    );

    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "a failing check does not block apply: {}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.main", "local_cluster.other"]);
    // After apply, each check is reported once, with what apply made.
    assert_eq!(run.stderr.matches("fewer clusters than 3").count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("main is not active"), "the cluster is active after apply: {}", run.stderr);
    assert!(!run.stderr.contains("known after apply"), "{}", run.stderr);

    let run = gantry(&dir, &["plan", "-json", "-var", "min_clusters=2"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["checks"][0]["status"], "pass", "{}", run.all());
    assert_eq!(plan["checks"][1]["status"], "pass", "{}", run.all());
}

#[test]
fn a_check_condition_that_is_not_a_bool_is_an_error_at_its_position() {
    let text = format!(
        r#"{CLUSTERS}
check "broken" {{
  assert {{
    condition     = local_cluster.main.name
    error_message = "never shown"
  }}
}}
"#
    );
    let (_tmp, dir) = applied(&[("main.hcl", CLUSTERS)]);
    write(&dir, &text);
    let run = gantry(&dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Error: Invalid condition result"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:12:21"), "{}", run.stderr);
}

#[test]
fn a_check_naming_an_undeclared_resource_is_an_error() {
    let text = r#"
check "typo" {
  assert {
    condition     = local_cluster.mian.status == "ACTIVE"
    error_message = "x"
  }
}
"#;
    let (_tmp, dir) = config(&[("main.hcl", text)]);
    let run = gantry(&dir, &["validate"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("main.hcl:4:21"), "{}", run.all());
}

#[test]
fn removed_with_destroy_false_forgets_the_object_and_leaves_it_running() {
    let (_tmp, dir) = applied(&[("main.hcl", CLUSTERS)]);
    write(
        &dir,
        r#"
resource "local_cluster" "main" {
  name = "c1"
}

removed {
  from = local_cluster.other
  lifecycle {
    destroy = false
  }
}
"#,
    );
    let run = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stdout.contains(
            "# local_cluster.other will no longer be managed by Gantry, but will not be destroyed\n  # (because destroy = false is set in the configuration)"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Plan: 0 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
    assert!(run.stderr.contains("Warning: Some objects will no longer be managed by Gantry"), "{}", run.stderr);
    let run = gantry(&dir, &["plan", "-json"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let change = plan["changes"].as_array().unwrap().iter().find(|c| c["address"] == "local_cluster.other").unwrap();
    assert_eq!(change["action"], "forget");

    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.main"]);
    assert!(cluster_exists(&dir, "c2"), "a forgotten object is not destroyed");
    let run = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "nothing left to do: {}", run.all());
}

#[test]
fn removed_with_destroy_true_destroys_the_object() {
    let (_tmp, dir) = applied(&[("main.hcl", CLUSTERS)]);
    write(
        &dir,
        "resource \"local_cluster\" \"main\" {\n  name = \"c1\"\n}\n\nremoved {\n  from = local_cluster.other\n  lifecycle {\n    destroy = true\n  }\n}\n",
    );
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# local_cluster.other will be destroyed"), "{}", run.stdout);
    assert_eq!(addresses(&dir), ["local_cluster.main"]);
    assert!(!cluster_exists(&dir, "c2"));
}

#[test]
fn removed_module_forgets_everything_in_it() {
    let child = "resource \"local_cluster\" \"inner\" {\n  name = \"inner\"\n}\n";
    let root = "module \"pool\" {\n  source = \"./pool\"\n}\n";
    let (_tmp, dir) = applied(&[("main.hcl", root), ("pool/main.hcl", child)]);
    assert_eq!(addresses(&dir), ["module.pool.local_cluster.inner"]);
    write(&dir, "removed {\n  from = module.pool\n  lifecycle {\n    destroy = false\n  }\n}\n");
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("# module.pool.local_cluster.inner will no longer be managed by Gantry"),
        "{}",
        run.stdout
    );
    assert!(addresses(&dir).is_empty());
    assert!(cluster_exists(&dir, "inner"));
}

#[test]
fn removed_block_for_a_resource_still_declared_is_an_error() {
    let text = format!(
        "{CLUSTERS}\nremoved {{\n  from = local_cluster.other\n  lifecycle {{\n    destroy = false\n  }}\n}}\n"
    );
    let (_tmp, dir) = applied(&[("main.hcl", CLUSTERS)]);
    write(&dir, &text);
    let run = gantry(&dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Error: Removed resource still exists"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:10:1"), "{}", run.stderr);
    assert_eq!(addresses(&dir), ["local_cluster.main", "local_cluster.other"], "state is untouched");
    let run = gantry(&dir, &["validate"]);
    assert_eq!(run.code, 1, "validate finds it too: {}", run.all());
    assert!(run.all().contains("Removed resource still exists"), "{}", run.all());
}

/// Applies the two clusters and removes `main` from state only, so it exists to be imported.
fn unmanaged_c1() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = applied(&[("main.hcl", CLUSTERS)]);
    let run = gantry(&dir, &["state", "rm", "local_cluster.main"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.other"]);
    (tmp, dir)
}

#[test]
fn an_import_block_adopts_an_existing_object() {
    let (_tmp, dir) = unmanaged_c1();
    write(&dir, &format!("{CLUSTERS}\nimport {{\n  to = local_cluster.main\n  id = \"c1\"\n}}\n"));
    let run = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 2, "an import is a change: {}", run.all());
    assert!(run.stdout.contains("# local_cluster.main will be imported"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
    let run = gantry(&dir, &["plan", "-json"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let change = plan["changes"].as_array().unwrap().iter().find(|c| c["address"] == "local_cluster.main").unwrap();
    assert_eq!(change["importing"], serde_json::json!({"id": "c1"}));
    assert_eq!(change["action"], "no-op");

    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert_eq!(addresses(&dir), ["local_cluster.main", "local_cluster.other"]);
    let st = state(&dir);
    let main = st["resources"].as_array().unwrap().iter().find(|r| r["address"] == "local_cluster.main").unwrap();
    assert_eq!(main["attributes"]["id"], "c1");
    // Once in state with the same ID, the block is nothing to do.
    let run = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn an_imported_object_that_differs_from_the_configuration_is_updated() {
    let (_tmp, dir) = unmanaged_c1();
    let text = "resource \"local_cluster\" \"main\" {\n  name    = \"c1\"\n  version = \"1.32\"\n}\n\nresource \"local_cluster\" \"other\" {\n  name = \"c2\"\n}\n\nimport {\n  to = local_cluster.main\n  id = \"c1\"\n}\n";
    write(&dir, text);
    let run = gantry(&dir, &["plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("# local_cluster.main will be updated in-place\n  # (imported from \"c1\")"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Plan: 1 to import, 0 to add, 1 to change, 0 to destroy."), "{}", run.stdout);
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(read_json(&dir.join(".gantry/local/clusters/c1.json"))["version"], "1.32");
}

#[test]
fn import_blocks_with_for_each_adopt_every_instance_and_a_saved_plan_does_exactly_that() {
    let (_tmp, dir) = applied(&[("main.hcl", CLUSTERS)]);
    for addr in ["local_cluster.main", "local_cluster.other"] {
        assert_eq!(gantry(&dir, &["state", "rm", addr]).code, 0);
    }
    let text = r#"
locals {
  clusters = { first = "c1", second = "c2" }
}

resource "local_cluster" "all" {
  for_each = local.clusters
  name     = each.value
}

import {
  for_each = local.clusters
  to       = local_cluster.all[each.key]
  id       = each.value
}
"#;
    write(&dir, text);
    let run = gantry(&dir, &["plan", "-out", "import.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# local_cluster.all[\"first\"] will be imported"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
    let run = gantry(&dir, &["apply", "import.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.all[\"first\"]", "local_cluster.all[\"second\"]"]);
}

#[test]
fn an_import_to_a_resource_the_configuration_lacks_is_an_error() {
    let (_tmp, dir) = unmanaged_c1();
    write(&dir, "resource \"local_cluster\" \"other\" {\n  name = \"c2\"\n}\n\nimport {\n  to = local_cluster.main\n  id = \"c1\"\n}\n");
    let run = gantry(&dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Error: Configuration for import target does not exist"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:6:8"), "{}", run.stderr);
    assert!(run.stderr.contains("-generate-config-out"), "the hint names the way out: {}", run.stderr);
}

#[test]
fn an_import_of_another_id_to_a_managed_address_is_an_error() {
    let (_tmp, dir) = applied(&[("main.hcl", CLUSTERS)]);
    write(&dir, &format!("{CLUSTERS}\nimport {{\n  to = local_cluster.main\n  id = \"c2\"\n}}\n"));
    let run = gantry(&dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("already in state with ID \"c1\""), "{}", run.stderr);
}

#[test]
fn an_import_block_in_a_child_module_is_an_error() {
    let child = "resource \"local_cluster\" \"inner\" {\n  name = \"inner\"\n}\n\nimport {\n  to = local_cluster.inner\n  id = \"inner\"\n}\n";
    let (_tmp, dir) =
        config(&[("main.hcl", "module \"pool\" {\n  source = \"./pool\"\n}\n"), ("pool/main.hcl", child)]);
    let run = gantry(&dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Import blocks are only allowed in the root module"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:5:1"), "{}", run.stderr);
}

#[test]
fn generate_config_out_writes_the_missing_resource_block_and_plans_with_it() {
    let (_tmp, dir) = unmanaged_c1();
    write(
        &dir,
        "resource \"local_cluster\" \"other\" {\n  name = \"c2\"\n}\n\nimport {\n  to = local_cluster.main\n  id = \"c1\"\n}\n",
    );
    let run = gantry(&dir, &["plan", "-generate-config-out=generated.hcl", "-out", "gen.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(dir.join("generated.hcl")).unwrap(),
        "# __generated__ by Gantry\n# Please review these resources and move them into your main configuration files.\n\n# __generated__ by Gantry from \"c1\"\nresource \"local_cluster\" \"main\" {\n  name    = \"c1\"\n  version = \"1.31\"\n}\n",
        "computed-only attributes (arn, endpoint, id, status) are left out"
    );
    assert!(run.stdout.contains("# local_cluster.main will be imported"), "{}", run.stdout);
    assert!(run.stdout.contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."), "{}", run.stdout);
    assert!(
        run.stdout.contains("Gantry has generated configuration and written it to generated.hcl."),
        "{}",
        run.stdout
    );
    let run = gantry(&dir, &["fmt", "-check"]);
    assert_eq!(run.code, 0, "the generated file is formatted as gantry fmt formats: {}", run.all());

    // The file now exists: Gantry writes only a new one.
    let run = gantry(&dir, &["plan", "-generate-config-out=generated.hcl"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Target generated file already exists"), "{}", run.stderr);

    let run = gantry(&dir, &["apply", "gen.plan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(addresses(&dir), ["local_cluster.main", "local_cluster.other"]);
    let run = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "the generated configuration matches the object: {}", run.all());
}

#[test]
fn a_check_reads_its_own_data_source_and_a_failed_read_is_a_warning() {
    let Some(m) = crate::aws::moto() else { return };
    let hcl = format!(
        r#"
provider "aws" {{
  region       = "us-east-1"
  endpoint_url = "{endpoint}"
}}

check "gpu_type_is_big" {{
  data "aws_ec2_instance_type" "gpu" {{
    instance_type = "p4d.24xlarge"
  }}

  assert {{
    condition     = data.aws_ec2_instance_type.gpu.default_vcpus >= 128
    error_message = "p4d.24xlarge has ${{data.aws_ec2_instance_type.gpu.default_vcpus}} vCPUs"
  }}
}}

check "no_such_type" {{
  data "aws_ec2_instance_type" "bogus" {{
    instance_type = "zz9.plural"
  }}

  assert {{
    condition     = data.aws_ec2_instance_type.bogus.default_vcpus > 0
    error_message = "never evaluated"
  }}
}}
"#,
        endpoint = m.endpoint
    );
    let (_tmp, dir) = config(&[("main.hcl", &hcl)]);
    let run = crate::aws::g(&dir, &["plan", "-json", "."]);
    assert_eq!(run.code, 0, "neither failure stops the plan: {}", run.all());
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["checks"][0]["address"], "check.gpu_type_is_big");
    assert_eq!(plan["checks"][0]["problems"], serde_json::json!(["p4d.24xlarge has 96 vCPUs"]));
    assert_eq!(plan["checks"][1]["status"], "fail");
    assert!(run.stderr.contains("Warning: Check block data source failed"), "{}", run.stderr);
    assert!(!run.stderr.contains("never evaluated"), "{}", run.stderr);
    assert!(
        plan.get("data").is_none_or(|d| d.get("data.aws_ec2_instance_type.gpu").is_none()),
        "a check's data source is the check's own"
    );
}

#[test]
fn an_import_block_in_the_root_adopts_an_object_into_a_module() {
    let child = "resource \"local_cluster\" \"inner\" {\n  name = \"inner\"\n}\n";
    let root = "module \"pool\" {\n  source = \"./pool\"\n}\n";
    let (_tmp, dir) = applied(&[("main.hcl", root), ("pool/main.hcl", child)]);
    assert_eq!(gantry(&dir, &["state", "rm", "module.pool.local_cluster.inner"]).code, 0);
    write(&dir, &format!("{root}\nimport {{\n  to = module.pool.local_cluster.inner\n  id = \"inner\"\n}}\n"));
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("# module.pool.local_cluster.inner will be imported"), "{}", run.stdout);
    assert_eq!(addresses(&dir), ["module.pool.local_cluster.inner"]);
}
