//! `gantry console` with piped input: values printed as `terraform console` prints them (the
//! expected texts below are what Terraform 1.11 prints for the same expressions), state read,
//! errors reported with their position and a non-zero exit.

use crate::support::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn console(dir: &Path, args: &[&str], input: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .arg("console")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gantry runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const CONFIG: &str = r#"
variable "n" {
  default = 3
}

variable "token" {
  default   = "hunter2"
  sensitive = true
}

locals {
  o = { a = 1, b = "x", c = [1, 2], d = { e = true } }
}

resource "local_cluster" "main" {
  name = "c1"
}
"#;

#[test]
fn values_print_as_terraform_console_prints_them() {
    let (_tmp, dir) = config(&[("main.hcl", CONFIG)]);
    let cases: &[(&str, &str)] = &[
        ("var.n + 1", "4"),
        (
            "local.o",
            "{\n  \"a\" = 1\n  \"b\" = \"x\"\n  \"c\" = [\n    1,\n    2,\n  ]\n  \"d\" = {\n    \"e\" = true\n  }\n}",
        ),
        ("[1, \"a\"]", "[\n  1,\n  \"a\",\n]"),
        ("[[1, 2], []]", "[\n  [\n    1,\n    2,\n  ],\n  [],\n]"),
        ("{}", "{}"),
        ("var.token", "(sensitive value)"),
        ("{ a = sensitive(1) }", "{\n  \"a\" = (sensitive value)\n}"),
        ("\"a\\nb\"", "<<EOT\na\nb\nEOT"),
        ("{ a = \"x\\ny\" }", "{\n  \"a\" = <<-EOT\n  x\n  y\n  EOT\n}"),
        ("upper(\"x\")", "\"X\""),
        ("null", "null"),
        ("1.5", "1.5"),
        // Not applied yet: what state does not hold is known only after apply.
        ("local_cluster.main.id", "(known after apply)"),
    ];
    let input: String = cases.iter().map(|(e, _)| format!("{e}\n")).collect();
    let run = console(&dir, &[], &input);
    assert_eq!(run.code, 0, "{}", run.all());
    let expected: String = cases.iter().map(|(_, v)| format!("{v}\n")).collect();
    assert_eq!(run.stdout, expected);
    assert!(!run.all().contains("hunter2"));
}

#[test]
fn resources_come_from_state_and_variables_from_the_command_line() {
    let (_tmp, dir) = config(&[("main.hcl", CONFIG)]);
    assert_eq!(gantry(&dir, &["apply", "-auto-approve"]).code, 0);
    let run = console(&dir, &["-var", "n=10"], "local_cluster.main.id\nlocal_cluster.main.status\nvar.n * 2\n");
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "\"c1\"\n\"ACTIVE\"\n20\n");
}

#[test]
fn an_error_stops_piped_input_with_exit_1_and_exit_ends_the_session() {
    let (_tmp, dir) = config(&[("main.hcl", CONFIG)]);
    let run = console(&dir, &[], "1\nlocal_cluster.nope.id\n2\n");
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(run.stdout, "1\n", "nothing after the error is evaluated");
    assert!(run.stderr.contains("<console-input>:1:1"), "{}", run.stderr);
    assert!(run.stderr.contains("local_cluster.nope"), "{}", run.stderr);

    let run = console(&dir, &[], "1\nexit\n2\n");
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "1\n");
}

#[test]
fn the_console_holds_no_lock_while_it_waits_for_input() {
    let (_tmp, dir) = config(&[("main.hcl", CONFIG)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .arg("console")
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"var.n\n").unwrap();
    stdin.flush().unwrap();
    // The console answers the first line only after reading state, so once it has answered
    // it waits for input with the lock released, and an apply goes ahead.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 2];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"3\n");
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
