//! A sensitive value never reaches the terminal or a JSON document: a marker set
//! as a sensitive variable, through -var, -var-file and the environment, is driven
//! through every kind of error and through a successful plan and apply, with full
//! logging on, and must appear in no output. Also: input that would recurse without
//! end is an error, and every command releases the state lock when it fails.

use crate::support::*;
use std::path::Path;

const MARK: &str = "Mk7vQ2secretZp";

/// How the marker reaches the sensitive variable `secret`.
#[derive(Clone, Copy, Debug)]
enum Source {
    Flag,
    File,
    Env,
}

const SOURCES: [Source; 3] = [Source::Flag, Source::File, Source::Env];

/// Runs `gantry ARGS... .` with `secret` set from `source` (to `value`, which holds the
/// marker), and checks that the marker is nowhere in what it printed.
fn run_with(dir: &Path, args: &[&str], source: Source, value: &str) -> Run {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let assign = format!("secret={value}");
    let mut env = vec![("GANTRY_LOG", "trace".to_string())];
    match source {
        Source::Flag => all.extend(["-var".to_string(), assign]),
        Source::File => {
            std::fs::write(dir.join("secret.vars.hcl"), format!("secret = {value:?}\n")).unwrap();
            all.extend(["-var-file".to_string(), "secret.vars.hcl".to_string()]);
        }
        Source::Env => env.push(("GANTRY_VAR_secret", value.to_string())),
    }
    all.push(".".to_string());
    let args: Vec<&str> = all.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = gantry_with_env(dir, &args, &env);
    assert!(!run.all().contains(MARK), "{args:?} from {source:?} printed the secret:\n{}", run.all());
    run
}

const SECRET_STRING: &str = "variable \"secret\" {\n  type      = string\n  sensitive = true\n}\n";

const POOL: &str = r#"
resource "local_cluster" "c" {
  name = "c"
}
"#;

/// A node pool on `local_cluster.c` with `extra` inside its body.
fn pool(extra: &str, scaling: &str) -> String {
    format!(
        r#"resource "local_node_pool" "p" {{
  cluster_name    = local_cluster.c.name
  node_group_name = "p"
  {extra}
  scaling_config {{
    {scaling}
  }}
}}
"#
    )
}

const SCALING: &str = "min_size = 1\n    max_size = 1\n    desired_size = 1";

/// One configuration per error path: (what it exercises, files, the value given to `secret`,
/// the diagnostic summary expected).
fn error_cases() -> Vec<(&'static str, Vec<(&'static str, String)>, String, &'static str)> {
    let m = MARK.to_string();
    let with = |body: &str| format!("{SECRET_STRING}{body}");
    let local = |expr: &str| with(&format!("locals {{\n  x = {expr}\n}}\n"));
    vec![
        (
            "a sensitive string for a number variable",
            vec![("main.hcl", "variable \"secret\" {\n  type      = number\n  sensitive = true\n}\n".into())],
            m.clone(),
            "Invalid value for input variable",
        ),
        (
            "a number-typed argument",
            vec![("main.hcl", with(&format!("{POOL}{}", pool("instance_types = [\"m6i.xlarge\"]", "min_size = var.secret\n    max_size = 1\n    desired_size = 1"))))],
            m.clone(),
            "Incorrect attribute value type",
        ),
        ("tonumber", vec![("main.hcl", local("tonumber(var.secret)"))], m.clone(), "Invalid function argument"),
        ("tobool", vec![("main.hcl", local("tobool(var.secret)"))], m.clone(), "Invalid function argument"),
        ("file", vec![("main.hcl", local("file(var.secret)"))], m.clone(), "Invalid function argument"),
        ("cidrhost", vec![("main.hcl", local("cidrhost(var.secret, 1)"))], m.clone(), "Invalid function argument"),
        ("cidrsubnet", vec![("main.hcl", local("cidrsubnet(\"10.0.0.0/8\", var.secret, 1)"))], m.clone(), "Invalid function argument"),
        ("regex", vec![("main.hcl", local("regex(var.secret, \"x\")"))], format!("({MARK}"), "Invalid function argument"),
        ("replace with a pattern", vec![("main.hcl", local("replace(\"x\", \"/${var.secret}/\", \"y\")"))], format!("[{MARK}"), "Invalid function argument"),
        ("jsondecode", vec![("main.hcl", local("jsondecode(var.secret)"))], format!("{{\"{MARK}\": "), "Invalid function argument"),
        ("yamldecode", vec![("main.hcl", local("yamldecode(var.secret)"))], format!("{MARK}: [\n- ]"), "Invalid function argument"),
        ("base64decode", vec![("main.hcl", local("base64decode(var.secret)"))], format!("{MARK}$"), "Invalid function argument"),
        ("parseint", vec![("main.hcl", local("parseint(var.secret, 10)"))], m.clone(), "Invalid function argument"),
        ("format", vec![("main.hcl", local("format(\"%d\", var.secret)"))], m.clone(), "Invalid function argument"),
        ("lookup", vec![("main.hcl", local("lookup({ a = 1 }, var.secret)"))], m.clone(), "Invalid function argument"),
        (
            "a template that fails on the secret",
            vec![
                ("main.hcl", local("templatefile(\"${path.module}/t.tpl\", { v = var.secret })")),
                ("t.tpl", "value ${v + 1}\n".into()),
            ],
            m.clone(),
            "Invalid function argument",
        ),
        ("a missing map key", vec![("main.hcl", local("{ a = 1, b = 2 }[var.secret]"))], m.clone(), "Invalid index"),
        ("a list index", vec![("main.hcl", local("[1, 2][var.secret]"))], m.clone(), "Invalid index"),
        ("a list index out of range", vec![("main.hcl", local("[1, 2][length(var.secret)]"))], m.clone(), "Invalid index"),
        ("an operator", vec![("main.hcl", local("var.secret + 1"))], m.clone(), "Invalid operand"),
        ("a conditional", vec![("main.hcl", local("var.secret ? 1 : 2"))], m.clone(), "Incorrect condition type"),
        ("a duplicate key", vec![("main.hcl", local("{ for x in [var.secret, var.secret] : x => 1 }"))], m.clone(), "Duplicate object key"),
        ("count", vec![("main.hcl", with(&format!("{POOL}resource \"local_cluster\" \"n\" {{\n  count = var.secret\n  name  = \"n\"\n}}\n")))], m.clone(), "Invalid count argument"),
        (
            "an unknown instance type",
            vec![("main.hcl", with(&format!("{POOL}{}", pool("instance_types = [var.secret]", SCALING))))],
            format!("m6i.{MARK}"),
            "Unknown instance type",
        ),
        (
            "an invalid capacity type",
            vec![("main.hcl", with(&format!("{POOL}{}", pool("instance_types = [\"m6i.xlarge\"]\n  capacity_type = var.secret", SCALING))))],
            m.clone(),
            "Invalid capacity_type",
        ),
        (
            "an invalid GPU model",
            vec![("main.hcl", with(&format!("{POOL}{}", pool("gpu {\n    model = var.secret\n    count = 1\n  }", SCALING))))],
            m.clone(),
            "No instance type matches",
        ),
        (
            "the provider configuration",
            vec![("main.hcl", with(&format!("provider \"local\" {{\n  latency = var.secret\n}}\n{POOL}")))],
            m.clone(),
            "Failed to configure provider \"local\"",
        ),
        (
            "a validation whose message quotes the value",
            vec![(
                "main.hcl",
                "variable \"secret\" {\n  type      = string\n  sensitive = true\n  validation {\n    condition     = length(var.secret) < 3\n    error_message = \"too long: ${var.secret}\"\n  }\n}\n".into(),
            )],
            m.clone(),
            "Invalid value for variable",
        ),
        (
            "a validation condition that fails to evaluate",
            vec![(
                "main.hcl",
                "variable \"secret\" {\n  type      = string\n  sensitive = true\n  validation {\n    condition     = tonumber(var.secret) > 3\n    error_message = \"must be a number above 3\"\n  }\n}\n".into(),
            )],
            m.clone(),
            "Invalid function argument",
        ),
    ]
}

#[test]
fn no_error_shows_a_sensitive_variable_set_any_way() {
    for (what, files, value, summary) in error_cases() {
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let (_tmp, dir) = config(&files);
        for source in SOURCES {
            for command in [&["plan"][..], &["validate"][..], &["apply", "-auto-approve"][..]] {
                let run = run_with(&dir, command, source, &value);
                if command == ["validate"] {
                    // validate reads no inputs at all for some paths; it must only stay quiet about the secret.
                    continue;
                }
                assert_eq!(run.code, 1, "{what}, {command:?} from {source:?}:\n{}", run.all());
                assert!(
                    run.stderr.contains(&format!("Error: {summary}")),
                    "{what}, {command:?} from {source:?}: expected {summary:?} in:\n{}",
                    run.stderr
                );
                assert!(!dir.join("gantry.state.json.lock").exists(), "{what}: the lock was left behind");
            }
        }
    }
}

#[test]
fn a_variables_file_that_cannot_be_read_does_not_show_its_lines() {
    let (_tmp, dir) = config(&[("main.hcl", SECRET_STRING)]);
    // An unterminated string and a bare word: the file's line is where the secret is.
    for text in [format!("secret = \"{MARK}\n"), format!("secret = {MARK}\n"), format!("secret = [\"{MARK}\"\n")] {
        std::fs::write(dir.join("bad.vars.hcl"), &text).unwrap();
        let run = gantry_with_env(&dir, &["plan", "-var-file", "bad.vars.hcl", "."], &[("GANTRY_LOG", "trace")]);
        assert_eq!(run.code, 1, "{text:?}: {}", run.all());
        assert!(!run.all().contains(MARK), "{text:?} printed the secret:\n{}", run.all());
        assert!(run.stderr.contains("--> bad.vars.hcl:1:"), "the position is still given: {}", run.stderr);
        assert!(run.stderr.contains("the line is not shown"), "{}", run.stderr);
    }
}

#[test]
fn plan_apply_and_json_never_show_a_sensitive_value() {
    let main = format!(
        r#"{SECRET_STRING}
variable "pool_size" {{
  type    = number
  default = 1
}}
{POOL}
resource "local_node_pool" "p" {{
  cluster_name    = local_cluster.c.name
  node_group_name = "p"
  instance_types  = ["m6i.xlarge"]
  labels = {{
    token = var.secret
    team  = "ml"
  }}
  scaling_config {{
    min_size     = 1
    max_size     = var.pool_size
    desired_size = 1
  }}
}}
output "token" {{
  value     = var.secret
  sensitive = true
}}
output "labels" {{
  value     = local_node_pool.p.labels
  sensitive = true
}}
"#
    );
    for source in SOURCES {
        let (_tmp, dir) = config(&[("main.hcl", &main)]);
        let plan = run_with(&dir, &["plan"], source, MARK);
        assert_eq!(plan.code, 0, "{}", plan.all());
        assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);

        let json = run_with(&dir, &["plan", "-json", "-out", "saved.plan"], source, MARK);
        assert_eq!(json.code, 0, "{}", json.all());
        let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan -json is JSON");
        let pool = doc["changes"].as_array().unwrap().iter().find(|c| c["address"] == "local_node_pool.p").unwrap();
        assert_eq!(pool["after"]["labels"]["token"], "(sensitive value)", "{}", json.stdout);
        assert_eq!(pool["after"]["labels"]["team"], "ml");
        assert_eq!(pool["after_sensitive"], serde_json::json!([["labels", "token"]]));
        assert_eq!(doc["variables"]["secret"], "(sensitive value)");
        assert_eq!(doc["sensitive_variables"], serde_json::json!(["secret"]));
        assert_eq!(doc["outputs"]["token"]["sensitive"], true);
        assert!(
            std::fs::read_to_string(dir.join("saved.plan")).unwrap().contains(MARK),
            "the saved plan itself keeps the value, as state does"
        );
        let shown = gantry_with_env(&dir, &["show", "-json", "saved.plan"], &[("GANTRY_LOG", "trace")]);
        assert_eq!(shown.code, 0, "{}", shown.all());
        assert!(!shown.all().contains(MARK), "{}", shown.all());
        // show -json prints Terraform's format: the secret is null where it stands, and marked.
        let shown: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
        let change =
            shown["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "local_node_pool.p").unwrap();
        assert_eq!(change["change"]["after"]["labels"], serde_json::json!({"team": "ml", "token": null}));
        assert_eq!(change["change"]["after_sensitive"]["labels"], serde_json::json!({"token": true}));
        assert_eq!(shown["variables"]["secret"], serde_json::json!({"value": null}));
        assert_eq!(shown["output_changes"]["token"]["after_sensitive"], true);
        let shown = gantry_with_env(&dir, &["show", "saved.plan"], &[("GANTRY_LOG", "trace")]);
        assert!(!shown.all().contains(MARK), "{}", shown.all());

        let apply = run_with(&dir, &["apply", "-auto-approve"], source, MARK);
        assert_eq!(apply.code, 0, "{}", apply.all());
        assert!(std::fs::read_to_string(dir.join("gantry.state.json")).unwrap().contains(MARK), "state holds it");
        let again = run_with(&dir, &["plan"], source, MARK);
        assert_eq!(again.code, 0, "{}", again.all());
        // A change to anything else shows the sensitive attribute as hidden, not as its value.
        let changed = run_with(&dir, &["plan", "-var", "pool_size=3"], source, MARK);
        assert_eq!(changed.code, 0, "{}", changed.all());

        for args in [&["show", "-json", "."][..], &["show", "."][..], &["output", "-json"][..], &["output"][..]] {
            let run = gantry_with_env(&dir, args, &[("GANTRY_LOG", "trace")]);
            assert_eq!(run.code, 0, "{args:?}: {}", run.all());
            assert!(!run.all().contains(MARK), "{args:?} printed the secret:\n{}", run.all());
        }
        let state: serde_json::Value =
            serde_json::from_str(&gantry(&dir, &["show", "-json", "."]).stdout).expect("show -json is JSON");
        let resources = state["values"]["root_module"]["resources"].as_array().unwrap();
        let pool = resources.iter().find(|r| r["address"] == "local_node_pool.p").unwrap();
        assert_eq!(pool["values"]["labels"]["token"], serde_json::Value::Null);
        assert_eq!(pool["values"]["labels"]["team"], "ml");
        assert_eq!(pool["sensitive_values"]["labels"]["token"], true);
        assert_eq!(state["values"]["outputs"]["token"], serde_json::json!({"sensitive": true, "value": null}));

        let destroy = run_with(&dir, &["destroy", "-auto-approve"], source, MARK);
        assert_eq!(destroy.code, 0, "{}", destroy.all());
    }
}

const SELF_INCLUDING: &str = r#"
resource "local_cluster" "c" {
  name = templatefile("${path.module}/a.tpl", {})
}
"#;

#[test]
fn a_template_that_includes_itself_is_an_error_and_releases_the_lock() {
    for (what, files) in [
        ("directly", vec![("main.hcl", SELF_INCLUDING), ("a.tpl", "a ${templatefile(\"a.tpl\", {})}\n")]),
        (
            "through another",
            vec![
                ("main.hcl", SELF_INCLUDING),
                ("a.tpl", "a ${templatefile(\"b.tpl\", {})}\n"),
                ("b.tpl", "b\n  ${templatefile(\"a.tpl\", {})}\n"),
            ],
        ),
    ] {
        let (_tmp, dir) = config(&files);
        for command in [&["plan", "."][..], &["apply", "-auto-approve", "."][..], &["validate", "."][..]] {
            let run = gantry(&dir, command);
            assert_eq!(run.code, 1, "{what}, {command:?}: {}", run.all());
            assert!(run.stderr.contains("Error: Invalid function argument"), "{what}: {}", run.stderr);
            assert!(run.stderr.contains("--> main.hcl:3:10"), "{what}: the call is located: {}", run.stderr);
            assert!(run.stderr.contains("a.tpl:1:5: Recursive templatefile call"), "{what}: {}", run.stderr);
            assert!(run.stderr.contains("pass the result to this template as a variable"), "a hint: {}", run.stderr);
            assert!(!dir.join("gantry.state.json.lock").exists(), "{what}, {command:?} left the lock behind");
        }
    }
}

#[test]
fn deeply_nested_json_and_yaml_are_errors() {
    let json = "[".repeat(100_000);
    let yaml = json.clone();
    let (_tmp, dir) = config(&[
        ("main.hcl", "locals {\n  j = jsondecode(file(\"${path.module}/deep.json\"))\n  y = yamldecode(file(\"${path.module}/deep.yaml\"))\n}\n"),
        ("deep.json", &json),
        ("deep.yaml", &yaml),
    ]);
    let run = gantry(&dir, &["plan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("Call to jsondecode() failed: invalid JSON: recursion limit exceeded"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Call to yamldecode() failed: invalid YAML"), "{}", run.stderr);
    assert!(!dir.join("gantry.state.json.lock").exists());
}
