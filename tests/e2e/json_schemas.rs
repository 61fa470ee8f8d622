//! The JSON Schemas in `docs/schemas` validate real outputs: Terraform's own `show -json`
//! (so the schemas describe Terraform's format, not only Gantry's reading of it) and
//! Gantry's `show -json`, `show -json PLANFILE`, `plan -json` and `validate -json`.

use crate::support::*;
use crate::terraform_json::{CHILD, MAIN};
use serde_json::{json, Value as Json};
use std::path::Path;

fn schemas() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas")
}

/// The errors `doc` has against `docs/schemas/NAME` (with the other schemas there as
/// references), one line each.
fn errors(name: &str, doc: &Json) -> Vec<String> {
    let mut registry = jsonschema::Registry::new();
    for entry in std::fs::read_dir(schemas()).unwrap() {
        let schema = read_json(&entry.unwrap().path());
        let id = schema["$id"].as_str().expect("every schema has an $id").to_string();
        registry = registry.add(id, schema).unwrap();
    }
    let registry = registry.prepare().unwrap();
    let schema = read_json(&schemas().join(name));
    let validator = jsonschema::options().with_registry(&registry).build(&schema).expect("the schema compiles");
    validator.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

fn assert_valid(name: &str, doc: &Json, what: &str) {
    let errors = errors(name, doc);
    assert!(errors.is_empty(), "{what} does not match {name}:\n{}", errors.join("\n"));
}

#[test]
fn the_schemas_accept_what_terraform_prints() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terraform");
    assert_valid("terraform-state.schema.json", &read_json(&fixtures.join("state.json")), "terraform show -json");
    for plan in ["plan.json", "plan-changes.json"] {
        assert_valid("terraform-plan.schema.json", &read_json(&fixtures.join(plan)), plan);
    }
}

#[test]
fn the_schemas_accept_what_gantry_prints_and_refuse_what_it_must_not() {
    let (_tmp, dir) = config(&[("main.hcl", MAIN), ("mod/main.hcl", CHILD)]);
    let parse =
        |run: &Run| -> Json { serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all())) };

    let validate = gantry(&dir, &["validate", "-json"]);
    assert_valid("gantry-validate.schema.json", &parse(&validate), "validate -json");
    let (_bad_tmp, bad) = config(&[("main.hcl", "resource \"local_cluster\" \"a\" {\n  nmae = \"x\"\n}\n")]);
    let invalid = parse(&gantry(&bad, &["validate", "-json"]));
    assert_eq!(invalid["valid"], false);
    assert_valid("gantry-validate.schema.json", &invalid, "validate -json of an invalid configuration");

    let plan = gantry(&dir, &["plan", "-json", "-out", "p.plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_valid("gantry-plan.schema.json", &parse(&plan), "plan -json");
    let shown = parse(&gantry(&dir, &["show", "-json", "p.plan"]));
    assert_valid("terraform-plan.schema.json", &shown, "show -json PLANFILE");
    let empty = parse(&gantry(&dir, &["show", "-json"]));
    assert_valid("terraform-state.schema.json", &empty, "show -json of no state");

    assert_eq!(gantry(&dir, &["apply", "-auto-approve", "p.plan"]).code, 0);
    let state = parse(&gantry(&dir, &["show", "-json"]));
    assert_valid("terraform-state.schema.json", &state, "show -json");

    // The schemas can fail: an action Terraform has no name for, a resource without a type.
    let mut wrong = shown.clone();
    wrong["resource_changes"][0]["change"]["actions"] = json!(["delete-then-create"]);
    assert!(!errors("terraform-plan.schema.json", &wrong).is_empty());
    let mut wrong = state.clone();
    wrong["values"]["root_module"]["resources"][0].as_object_mut().unwrap().remove("type");
    assert!(!errors("terraform-state.schema.json", &wrong).is_empty());
}
