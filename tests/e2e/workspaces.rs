//! `gantry workspace` on the local backend: what each subcommand prints, its exit
//! code, and the refusals Terraform makes (a taken or invalid name, a missing
//! workspace, deleting `default`, the current one, or one that still tracks resources).

use crate::support::*;

const MAIN: &str = "resource \"local_cluster\" \"a\" {\n  name = \"ws-${gantry.workspace}\"\n}\noutput \"ws\" {\n  value = gantry.workspace\n}\n";

fn g(dir: &std::path::Path, args: &[&str]) -> Run {
    gantry_with_env(dir, args, &[])
}

#[test]
fn workspace_new_select_list_show_and_delete() {
    let (_tmp, dir) = config(&[("main.hcl", MAIN)]);
    let run = g(&dir, &["workspace", "show"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "default\n"));
    assert_eq!(g(&dir, &["workspace", "list"]).stdout, "* default\n\n");

    let run = g(&dir, &["workspace", "new", "staging"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(std::fs::read_to_string(dir.join(".gantry/environment")).unwrap(), "staging");
    let empty = read_json(&dir.join("gantry.state.d/staging/gantry.state.json"));
    assert_eq!(empty["resources"], serde_json::json!([]), "new writes an empty state: {empty}");
    assert!(!dir.join("gantry.state.json").exists(), "default's state is untouched");
    assert_eq!(g(&dir, &["workspace", "list"]).stdout, "  default\n* staging\n\n");

    let run = g(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let staged = read_json(&dir.join("gantry.state.d/staging/gantry.state.json"));
    assert_eq!(staged["resources"][0]["address"], "local_cluster.a");
    assert_eq!(staged["outputs"]["ws"]["value"], "staging");
    assert!(dir.join(".gantry/local/clusters/ws-staging.json").exists(), "gantry.workspace reached the resource");

    let run = g(&dir, &["workspace", "select", "default"]);
    assert_eq!((run.code, run.stdout.trim()), (0, "Switched to workspace \"default\"."), "{}", run.all());
    assert_eq!(g(&dir, &["workspace", "show"]).stdout, "default\n");
    assert_eq!(g(&dir, &["plan", "-detailed-exitcode"]).code, 2, "default has nothing yet");

    let run = g(&dir, &["workspace", "delete", "staging"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Workspace \"staging\" is currently tracking the following resource instances:"));
    assert!(run.stderr.contains("-force"), "{}", run.stderr);
    assert!(dir.join("gantry.state.d/staging/gantry.state.json").exists(), "nothing is lost on refusal");

    let run = g(&dir, &["workspace", "delete", "-force", "staging"]);
    assert_eq!((run.code, run.stdout.trim()), (0, "Deleted workspace \"staging\"!"), "{}", run.all());
    assert!(!dir.join("gantry.state.d/staging").exists());
    assert_eq!(g(&dir, &["workspace", "list"]).stdout, "* default\n\n");
}

#[test]
fn workspace_refusals_exit_1_and_say_why() {
    let (_tmp, dir) = config(&[("main.hcl", MAIN)]);
    let run = g(&dir, &["workspace", "new", "a/b"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("The workspace name \"a/b\" is not allowed"), "{}", run.stderr);
    assert!(!dir.join("gantry.state.d").exists());
    for bad in ["..", "with space", ""] {
        assert_eq!(g(&dir, &["workspace", "new", bad]).code, 1, "{bad:?}");
    }

    assert_eq!(g(&dir, &["workspace", "new", "a"]).code, 0);
    let run = g(&dir, &["workspace", "new", "a"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Workspace \"a\" already exists."), "{}", run.stderr);
    let run = g(&dir, &["workspace", "new", "default"]);
    assert!(run.code == 1 && run.stderr.contains("\"default\" already exists"), "{}", run.all());

    let run = g(&dir, &["workspace", "delete", "a"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Workspace \"a\" is your active workspace."), "{}", run.stderr);
    let run = g(&dir, &["workspace", "delete", "default"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Cannot delete the default workspace"), "{}", run.stderr);

    let run = g(&dir, &["workspace", "select", "missing"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Workspace \"missing\" doesn't exist.") && run.stderr.contains("-or-create"));
    assert_eq!(g(&dir, &["workspace", "show"]).stdout, "a\n", "a refused select keeps the selection");
    let run = g(&dir, &["workspace", "select", "-or-create", "missing"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(g(&dir, &["workspace", "list"]).stdout, "  default\n  a\n* missing\n\n");
    let run = g(&dir, &["workspace", "delete", "nothere"]);
    assert!(run.code == 1 && run.stderr.contains("Workspace \"nothere\" doesn't exist."), "{}", run.all());
}

#[test]
fn gantry_workspace_overrides_the_selection_and_is_checked() {
    let (_tmp, dir) = config(&[("main.hcl", MAIN)]);
    assert_eq!(g(&dir, &["workspace", "new", "a"]).code, 0);
    let run = gantry_with_env(&dir, &["workspace", "show"], &[("GANTRY_WORKSPACE", "b")]);
    assert_eq!(run.stdout, "b\n");
    let run = gantry_with_env(&dir, &["apply", "-auto-approve"], &[("GANTRY_WORKSPACE", "b")]);
    assert_eq!(run.code, 0, "a workspace named by the variable is used even before it has a state: {}", run.all());
    assert_eq!(read_json(&dir.join("gantry.state.d/b/gantry.state.json"))["outputs"]["ws"]["value"], "b");
    assert_eq!(g(&dir, &["workspace", "show"]).stdout, "a\n", "the remembered selection is untouched");

    let run = gantry_with_env(&dir, &["workspace", "select", "default"], &[("GANTRY_WORKSPACE", "b")]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("GANTRY_WORKSPACE"), "{}", run.stderr);
    let run = gantry_with_env(&dir, &["plan"], &[("GANTRY_WORKSPACE", "../etc")]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("\"../etc\" set in GANTRY_WORKSPACE is not allowed"), "{}", run.stderr);
}

#[test]
fn gantry_workspace_attributes_are_checked_and_terraform_workspace_points_to_it() {
    let (_tmp, dir) = config(&[("main.hcl", "output \"x\" {\n  value = gantry.wrkspace\n}\n")]);
    let run = g(&dir, &["validate"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("gantry has one attribute: workspace") && run.stderr.contains("main.hcl:2:"));
    std::fs::write(dir.join("main.hcl"), "output \"x\" {\n  value = terraform.workspace\n}\n").unwrap();
    let run = g(&dir, &["validate"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("gantry.workspace"), "{}", run.stderr);
}
