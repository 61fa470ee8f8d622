//! `show -json` in Terraform's JSON output format: compared with what Terraform 1.11
//! prints for the same shapes of configuration (the fixtures in `tests/fixtures/terraform`
//! are `terraform show -json` of `terraform_data` resources with count, for_each, a child
//! module, a sensitive variable and values known only after apply).

use crate::support::*;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::path::Path;

const SECRET: &str = "tfjson-secret-4817";

pub const MAIN: &str = r#"
variable "secret" {
  type      = string
  sensitive = true
  default   = "tfjson-secret-4817"
}
variable "n" {
  type    = number
  default = 2
}
variable "keys" {
  type    = list(string)
  default = ["k1", "k2"]
}
resource "local_cluster" "one" {
  name = "one"
}
resource "local_cluster" "counted" {
  count = var.n
  name  = "c${count.index}"
}
resource "local_cluster" "each" {
  for_each   = toset(var.keys)
  name       = each.key
  depends_on = [local_cluster.one]
}
resource "local_node_pool" "p" {
  cluster_name    = local_cluster.one.name
  node_group_name = "p"
  instance_types  = ["m6i.xlarge"]
  labels = {
    token = var.secret
    team  = "ml"
  }
  scaling_config {
    min_size     = 1
    max_size     = 1
    desired_size = 1
  }
}
module "child" {
  source = "./mod"
  x      = local_cluster.one.id
}
output "id" {
  value = local_cluster.one.id
}
output "pw" {
  value     = var.secret
  sensitive = true
}
"#;

pub const CHILD: &str = r#"
variable "x" {
  type = string
}
resource "local_cluster" "inner" {
  name = "inner-${var.x}"
}
output "o" {
  value = local_cluster.inner.id
}
"#;

fn fixture(name: &str) -> Json {
    read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terraform").join(name))
}

fn keys(v: &Json) -> BTreeSet<String> {
    v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

fn find<'a>(list: &'a Json, address: &str) -> &'a Json {
    list.as_array()
        .and_then(|l| l.iter().find(|r| r["address"] == address))
        .unwrap_or_else(|| panic!("{address} not in {list}"))
}

/// `show -json` of a fresh plan of [`MAIN`], saved as `p.plan`.
pub fn shown_plan(dir: &Path, extra: &[&str]) -> Json {
    let mut args = vec!["plan", "-out", "p.plan"];
    args.extend_from_slice(extra);
    let plan = gantry(dir, &args);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let shown = gantry(dir, &["show", "-json", "p.plan"]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    assert!(!shown.all().contains(SECRET), "show -json printed the secret:\n{}", shown.stdout);
    serde_json::from_str(&shown.stdout).expect("show -json is JSON")
}

#[test]
fn a_plan_has_the_shape_terraform_gives_it() {
    let (_tmp, dir) = config(&[("main.hcl", MAIN), ("mod/main.hcl", CHILD)]);
    // The plan records the inputs given a value; Terraform's lists defaults too.
    let secret = format!("secret={SECRET}");
    let ours = shown_plan(&dir, &["-var", "n=2", "-var", &secret]);
    let theirs = fixture("plan.json");

    assert_eq!(ours["format_version"], "1.2");
    let missing: Vec<String> = keys(&theirs)
        .difference(&keys(&ours))
        .filter(|k| !["timestamp", "relevant_attributes"].contains(&k.as_str()))
        .cloned()
        .collect();
    assert!(missing.is_empty(), "top-level keys Terraform has and Gantry lacks: {missing:?}");

    let pairs = [
        ("local_cluster.one", "terraform_data.one"),
        ("local_cluster.counted[1]", "terraform_data.counted[1]"),
        ("local_cluster.each[\"k2\"]", "terraform_data.each[\"k2\"]"),
        ("module.child.local_cluster.inner", "module.child.terraform_data.inner"),
    ];
    for (gantry_addr, terraform_addr) in pairs {
        let (g, t) = (find(&ours["resource_changes"], gantry_addr), find(&theirs["resource_changes"], terraform_addr));
        assert_eq!(keys(g), keys(t), "{gantry_addr}: {g}");
        assert_eq!(keys(&g["change"]), keys(&t["change"]), "{gantry_addr}: {g}");
        for field in ["index", "module_address", "mode"] {
            assert_eq!(g[field], t[field], "{gantry_addr}.{field}");
        }
        for field in ["actions", "before", "before_sensitive"] {
            assert_eq!(g["change"][field], t["change"][field], "{gantry_addr}.change.{field}");
        }
        // Values known only after apply are left out of `after` and marked in `after_unknown`.
        assert_eq!(g["change"]["after_unknown"]["id"], true, "{gantry_addr}: {g}");
        assert!(g["change"]["after"].get("id").is_none(), "{gantry_addr}: {g}");

        let (ours_planned, theirs_planned) = (planned(&ours, gantry_addr), planned(&theirs, terraform_addr));
        let (g, t) = (find(&ours_planned, gantry_addr), find(&theirs_planned, terraform_addr));
        assert_eq!(keys(g), keys(t), "planned_values {gantry_addr}: {g}");
    }
    let inner = find(&ours["resource_changes"], "module.child.local_cluster.inner");
    assert_eq!(inner["change"]["after_unknown"]["name"], true, "a name made from an unknown is unknown");
    assert_eq!(ours["planned_values"]["root_module"]["child_modules"][0]["address"], "module.child");

    // A sensitive value keeps its place, as null, and is marked where Terraform marks it.
    let pool = find(&ours["resource_changes"], "local_node_pool.p");
    assert_eq!(pool["change"]["after"]["labels"], json!({"team": "ml", "token": null}));
    assert_eq!(pool["change"]["after_sensitive"]["labels"], json!({"token": true}));
    assert_eq!(ours["variables"]["secret"], json!({"value": null}));
    assert_eq!(ours["variables"]["n"], theirs["variables"]["n"]);
    for output in ["id", "pw"] {
        assert_eq!(keys(&ours["output_changes"][output]), keys(&theirs["output_changes"][output]), "{output}");
    }
    assert_eq!(ours["output_changes"]["id"]["after_unknown"], true);
    assert_eq!(ours["output_changes"]["pw"]["after"], Json::Null);
    assert_eq!(ours["output_changes"]["pw"]["after_sensitive"], true);
    assert_eq!(ours["planned_values"]["outputs"]["pw"], json!({"sensitive": true, "value": null}));

    assert_eq!(ours["prior_state"]["format_version"], "1.0");
    let config = &ours["configuration"]["root_module"];
    let counted = find(&config["resources"], "local_cluster.counted");
    let tf_counted = find(&theirs["configuration"]["root_module"]["resources"], "terraform_data.counted");
    assert_eq!(counted["count_expression"], tf_counted["count_expression"]);
    assert_eq!(counted["expressions"]["name"], tf_counted["expressions"]["input"]);
    assert_eq!(find(&config["resources"], "local_cluster.each")["depends_on"], json!(["local_cluster.one"]));
    assert_eq!(
        config["module_calls"]["child"]["expressions"]["x"]["references"],
        json!(["local_cluster.one.id", "local_cluster.one"])
    );
    assert_eq!(config["module_calls"]["child"]["source"], "./mod");
    assert_eq!(
        config["variables"]["secret"],
        json!({"sensitive": true}),
        "the default of a sensitive variable stays out"
    );
    assert_eq!(config["variables"]["n"], theirs["configuration"]["root_module"]["variables"]["n"]);
    assert!(ours["gantry_analysis"].is_object());
    assert_eq!(ours["applyable"], true);
}

fn planned(doc: &Json, address: &str) -> Json {
    let root = &doc["planned_values"]["root_module"];
    if address.starts_with("module.") {
        root["child_modules"][0]["resources"].clone()
    } else {
        root["resources"].clone()
    }
}

#[test]
fn a_state_has_the_shape_terraform_gives_it() {
    let (_tmp, dir) = config(&[("main.hcl", MAIN), ("mod/main.hcl", CHILD)]);
    let empty = gantry(&dir, &["show", "-json"]);
    assert_eq!(empty.code, 0, "{}", empty.all());
    let empty: Json = serde_json::from_str(&empty.stdout).unwrap();
    assert!(empty.get("values").is_none(), "an empty state has no values, as in Terraform: {empty}");
    let apply = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());

    let shown = gantry(&dir, &["show", "-json"]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    assert!(!shown.stdout.contains(SECRET), "{}", shown.stdout);
    let ours: Json = serde_json::from_str(&shown.stdout).unwrap();
    let theirs = fixture("state.json");
    assert_eq!(ours["format_version"], theirs["format_version"]);
    assert_eq!(keys(&ours["values"]), keys(&theirs["values"]));
    let (root, tf_root) = (&ours["values"]["root_module"], &theirs["values"]["root_module"]);
    for (g, t) in [
        ("local_cluster.counted[0]", "terraform_data.counted[0]"),
        ("local_cluster.each[\"k1\"]", "terraform_data.each[\"k1\"]"),
    ] {
        let (g, t) = (find(&root["resources"], g), find(&tf_root["resources"], t));
        assert_eq!(keys(g), keys(t), "{g}");
        assert_eq!(g["index"], t["index"]);
    }
    assert_eq!(find(&root["resources"], "local_cluster.each[\"k1\"]")["depends_on"], json!(["local_cluster.one"]));
    let child = &root["child_modules"][0];
    assert_eq!(child["address"], tf_root["child_modules"][0]["address"]);
    assert_eq!(child["resources"][0]["address"], "module.child.local_cluster.inner");
    let id = find(&root["resources"], "local_cluster.one")["values"]["id"].clone();
    assert!(id.is_string(), "{root}");
    assert_eq!(ours["values"]["outputs"]["id"], json!({"sensitive": false, "value": id}));
    assert_eq!(ours["values"]["outputs"]["pw"], json!({"sensitive": true, "value": null}));
    let pool = find(&root["resources"], "local_node_pool.p");
    assert_eq!(pool["values"]["labels"]["token"], Json::Null);
    assert_eq!(pool["sensitive_values"]["labels"], json!({"token": true}));
    assert_eq!(pool["provider_name"], "gantry/builtin/local");
}

#[test]
fn replacements_and_deletes_say_why_as_terraform_does() {
    let (_tmp, dir) = config(&[("main.hcl", MAIN), ("mod/main.hcl", CHILD)]);
    let apply = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert_eq!(gantry(&dir, &["taint", "local_cluster.counted[1]"]).code, 0);
    let ours = shown_plan(&dir, &["-var", "keys=[\"k1\"]", "-replace", "local_cluster.counted[0]"]);
    let theirs = fixture("plan-changes.json");
    let changes = &ours["resource_changes"];
    let tainted = find(changes, "local_cluster.counted[1]");
    let tf_tainted = find(&theirs["resource_changes"], "terraform_data.counted[1]");
    assert_eq!(tainted["change"]["actions"], tf_tainted["change"]["actions"]);
    assert_eq!(tainted["action_reason"], tf_tainted["action_reason"]);
    let removed = find(changes, "local_cluster.each[\"k2\"]");
    let tf_removed = find(&theirs["resource_changes"], "terraform_data.each[\"k2\"]");
    assert_eq!(keys(removed), keys(tf_removed));
    for field in ["actions", "after", "after_unknown", "after_sensitive"] {
        assert_eq!(removed["change"][field], tf_removed["change"][field], "{field}");
    }
    assert_eq!(removed["action_reason"], tf_removed["action_reason"]);
    let asked = find(changes, "local_cluster.counted[0]");
    assert_eq!(asked["change"]["actions"], json!(["delete", "create"]));
    assert_eq!(asked["action_reason"], "replace_by_request");
    assert_eq!(find(changes, "local_cluster.each[\"k1\"]")["change"]["actions"], json!(["no-op"]));
    assert_eq!(ours["prior_state"]["values"]["root_module"]["resources"].as_array().map(Vec::len), Some(6));
}
