//! Terraform's numbers end to end: `gantry console` prints what `terraform console` (1.11.4)
//! prints for the same expressions (the expected texts below were measured with it), errors
//! instead of crashes for numbers without a value, and state keeps every digit.

use crate::support::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn console(dir: &Path, input: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .arg("console")
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

fn third() -> String {
    format!("0.{}5", "3".repeat(154))
}

fn ones_then_zeros(zeros: usize) -> String {
    format!("1{}", "0".repeat(zeros))
}

#[test]
fn numbers_print_as_terraform_console_prints_them() {
    let (_tmp, dir) = config(&[("main.hcl", "")]);
    let q = |s: &str| format!("\"{s}\"");
    let cases: Vec<(&str, String)> = vec![
        ("0.1+0.2", "0.3".into()),
        ("tostring(12345678901234567890)", q("12345678901234567890")),
        ("100000000000000000000000 + 1", "100000000000000000000001".into()),
        ("jsonencode(1/3)", q(&third())),
        ("2/3", format!("0.{}7", "6".repeat(153))),
        ("1e300*1e300", ones_then_zeros(600)),
        ("1e309", ones_then_zeros(309)),
        ("jsonencode(1e400)", q(&ones_then_zeros(400))),
        ("-0", "-0".into()),
        ("jsonencode(-0)", q("-0")),
        ("1/0", "+Inf".into()),
        ("-1/0", "-Inf".into()),
        ("log(0,10)", "-Inf".into()),
        ("5 % 0", "5".into()),
        ("3 % -2", "1".into()),
        ("-3 % 2", "-1".into()),
        ("5.5 % 2", "1.5".into()),
        ("10 % 3.3", format!("0.1{}48", "0".repeat(152))),
        ("1.1 * 1.1", format!("1.21{}1", "0".repeat(151))),
        ("pow(2,0.5)", "1.4142135623730951".into()),
        ("pow(2,0.5)*1", "1.4142135623730951454746218587388284504413604736328125".into()),
        ("length([1])/length([1,1,1])", "0.33333333333333333334".into()),
        ("pow(2,60)", "1152921504606847000".into()),
        ("pow(2,60) + 1", "1152921504606846977".into()),
        ("format(\"%d\", pow(2,60))", q("1152921504606846976")),
        // A template of one interpolation is that value, unconverted.
        ("\"${1/3}\"", third()),
        ("tostring(1/0)", q("+Inf")),
        ("tonumber(\"1e5\")", "100000".into()),
        ("tonumber(\"1p5\")", "32".into()),
        ("tonumber(\"-0\")", "-0".into()),
        ("parseint(\"123456789012345678901234567890\", 10)", "123456789012345678901234567890".into()),
        ("parseint(\"1\", 10) / 3", third()),
        ("format(\"%.3f\", 2/3)", q("0.667")),
        ("format(\"%g\", 100000000000000000000000)", q("1e+23")),
        ("format(\"%f\", 1e30)", q("1000000000000000000000000000000.000000")),
        ("format(\"%x\", 12345678901234567890)", q("ab54a98ceb1f0ad2")),
        ("format(\"%e\", 1/3)", q("3.333333e-01")),
        ("format(\"%v\", 12345678)", q("1.2345678e+07")),
        ("format(\"%08.3f\", -3.14159)", q("-003.142")),
        ("floor(-2.5)", "-3".into()),
        ("ceil(-0.5)", "0".into()),
        ("floor(1e30+0.5)", ones_then_zeros(30)),
        ("max(-0, 0)", "-0".into()),
        ("min(1,2.5,1/3)", third()),
        ("sum([0.1,0.2])", "0.3".into()),
        ("signum(-5)", "-1".into()),
        ("abs(-1/3)", third()),
        ("jsondecode(\"12345678901234567890\")", "12345678901234567890".into()),
        ("jsondecode(\"1e400\")", ones_then_zeros(400)),
        ("jsondecode(\"-0\")", "-0".into()),
        ("jsonencode(jsondecode(\"0.1\"))", q("0.1")),
        ("yamldecode(\"12345678901234567890\")", "12345678901234567890".into()),
        ("yamldecode(\"1.5\")", "1.5".into()),
        ("1e-7", "0.0000001".into()),
        ("1.5e-10", "0.00000000015".into()),
        ("123.456e2", "12345.6".into()),
        ("-0 == 0", "true".into()),
        ("0.1 + 0.2 == 0.3", "true".into()),
        ("1/3 == 0.3333333333333333", "false".into()),
        ("0.1 == 0.10000000000000000000001", "false".into()),
        ("[1,2,3][1.0]", "2".into()),
        ("12345678901234567890 > 12345678901234567889", "true".into()),
    ];
    let input: String = cases.iter().map(|(e, _)| format!("{e}\n")).collect();
    let run = console(&dir, &input);
    assert_eq!(run.code, 0, "{}", run.all());
    let got: Vec<&str> = run.stdout.lines().collect();
    for (i, (expr, want)) in cases.iter().enumerate() {
        assert_eq!(got.get(i).copied(), Some(want.as_str()), "{expr}");
    }
}

#[test]
fn numbers_without_a_value_are_errors_not_crashes() {
    let (_tmp, dir) = config(&[("main.hcl", "")]);
    let huge_int = format!("parseint(\"{}\", 10)", "9".repeat(50_000));
    let cases: Vec<(String, &str)> = vec![
        ("signum(-0.25)".into(), "value must be a whole number, between -9223372036854775808 and 9223372036854775807"),
        ("(1/0) - (1/0)".into(), "can't subtract infinity from itself"),
        ("(1/0) + (-1/0)".into(), "can't compute sum of opposing infinities"),
        ("0/0".into(), "can't divide zero by zero or infinity by infinity"),
        ("0 * (1/0)".into(), "can't multiply zero by infinity"),
        ("2 % (1/0)".into(), "can't use modulo with zero and infinity"),
        ("jsonencode(1/0)".into(), "cannot serialize infinity as JSON"),
        ("format(\"%d\", 1.5)".into(), "an integer is required"),
        ("[1,2,3][1.5]".into(), "Invalid index"),
        ("[1,2,3][12345678901234567890]".into(), "Invalid index"),
        ("tonumber(\"1e999999999999\")".into(), "cannot convert"),
        ("1e999999999999".into(), "Invalid number literal"),
        ("pow(-8, 1/3)".into(), "NaN"),
        (huge_int, "cannot parse"),
    ];
    for (expr, want) in cases {
        let run = console(&dir, &format!("{expr}\n"));
        assert_eq!(run.code, 1, "{expr}: {}", run.all());
        assert!(run.stderr.contains(want), "{expr}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{expr}: {}", run.stderr);
    }
}

const STATE_CONFIG: &str = r#"
resource "local_cluster" "main" {
  name = "c1"
}

output "big" {
  value = 12345678901234567890
}

output "third" {
  value = 1/3
}

output "listed" {
  value = [100000000000000000000001, -0, 0.1]
}
"#;

#[test]
fn state_keeps_every_digit_through_apply_plan_and_show() {
    let (_tmp, dir) = config(&[("main.hcl", STATE_CONFIG)]);
    let run = gantry(&dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let text = std::fs::read_to_string(dir.join("gantry.state.json")).unwrap();
    assert!(text.contains("12345678901234567890"), "{text}");
    assert!(text.contains(&third()), "{text}");
    assert!(text.contains("100000000000000000000001"), "{text}");

    let run = gantry(&dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(run.code, 0, "no changes expected: {}", run.all());

    let run = gantry(&dir, &["output", "big"]);
    assert_eq!(run.stdout.trim(), "12345678901234567890", "{}", run.all());
    let run = gantry(&dir, &["output", "-json"]);
    assert!(run.stdout.contains("12345678901234567890"), "{}", run.all());
    assert!(run.stdout.contains(&third()), "{}", run.all());

    let run = gantry(&dir, &["show", "-json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("12345678901234567890"), "{}", run.stdout);
    assert!(run.stdout.contains(&third()), "{}", run.stdout);
}
