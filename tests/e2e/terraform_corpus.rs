//! The differential corpus: hundreds of expressions whose values the real Terraform gave
//! (recorded in `tests/terraform/expressions.txt` by `tests/terraform/regen.py`), evaluated by
//! `gantry console` and compared as the JSON text `jsonencode` makes of them, so that every
//! type conversion and digit shows. An error on Terraform's side must be an error here too.
//!
//! Where Gantry still differs, the expression is listed in `tests/terraform/known_differences.txt`
//! with the reason. The test fails on any other difference, and also when a listed case starts
//! to agree, so that the list only ever shrinks and always says what is true.

use crate::support::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

enum Expected {
    Value(String),
    Error(String),
}

struct Case {
    expr: String,
    expected: Expected,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/terraform")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus_dir().join("expressions.txt")).unwrap();
    let mut out: Vec<Case> = Vec::new();
    let mut pending: Option<String> = None;
    for line in text.lines() {
        if let Some(answer) = line.strip_prefix("  ") {
            let expr = pending.take().unwrap_or_else(|| panic!("an answer without an expression: {line}"));
            let expected = if let Some(v) = answer.strip_prefix("=> ") {
                Expected::Value(v.to_string())
            } else if let Some(e) = answer.strip_prefix("!! ") {
                Expected::Error(e.to_string())
            } else {
                panic!("an answer must start with => or !!: {line}")
            };
            out.push(Case { expr, expected });
        } else if !line.trim().is_empty() && !line.starts_with('#') {
            assert!(pending.is_none(), "no recorded answer for {pending:?}: run tests/terraform/regen.py");
            pending = Some(line.to_string());
        }
    }
    assert!(pending.is_none(), "no recorded answer for {pending:?}: run tests/terraform/regen.py");
    out
}

/// Expressions where Gantry is known to differ, each with the reason given beside it.
fn known_differences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(corpus_dir().join("known_differences.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once("  # ") {
            Some((expr, why)) => (expr.trim_end().to_string(), why.to_string()),
            None => (l.trim_end().to_string(), String::new()),
        })
        .collect()
}

/// Runs `gantry console` over the lines; returns the printed lines, the exit code and stderr.
fn console(dir: &Path, lines: &[String]) -> (Vec<String>, i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gantry"))
        .arg("console")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gantry runs");
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let mut stdin = child.stdin.take().unwrap();
    // A console that stops at an error closes its input early; the write error is expected then.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    (printed, out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Gantry's answer for each expression: `Ok(line)` or `Err(diagnostic)`. Expressions run in
/// batches; a piped console stops at its first error, so a batch resumes after the failing line.
fn gantry_answers(dir: &Path, exprs: &[&str]) -> Vec<Result<String, String>> {
    let mut answers = Vec::new();
    while answers.len() < exprs.len() {
        let rest: Vec<String> = exprs[answers.len()..].iter().map(|e| format!("jsonencode({e})")).collect();
        let (printed, code, stderr) = console(dir, &rest);
        let done = printed.len().min(rest.len());
        answers.extend(printed.into_iter().take(done).map(Ok));
        if answers.len() < exprs.len() {
            assert_ne!(code, 0, "console stopped early without an error:\n{stderr}");
            answers.push(Err(stderr.trim().to_string()));
        }
    }
    answers
}

#[test]
fn gantry_agrees_with_terraform_on_the_expression_corpus() {
    let cases = cases();
    assert!(cases.len() >= 400, "the corpus holds {} expressions", cases.len());
    let known = known_differences();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&corpus_dir().join("files"), tmp.path());
    assert!(tmp.path().join("main.hcl").exists(), "tests/terraform/files/main.hcl declares the corpus's locals");
    let exprs: Vec<&str> = cases.iter().map(|c| c.expr.as_str()).collect();
    let answers = gantry_answers(tmp.path(), &exprs);

    let mut unexpected = Vec::new();
    let mut agreeing_now = Vec::new();
    let mut agree = 0;
    for (case, answer) in cases.iter().zip(&answers) {
        let same = match (&case.expected, answer) {
            (Expected::Value(want), Ok(got)) => want == got,
            (Expected::Error(_), Err(_)) => true,
            _ => false,
        };
        if same {
            agree += 1;
        }
        match (same, known.contains_key(&case.expr)) {
            (true, true) => agreeing_now.push(case.expr.clone()),
            (false, false) => {
                let want = match &case.expected {
                    Expected::Value(v) => v.clone(),
                    Expected::Error(e) => format!("error: {e}"),
                };
                let got = match answer {
                    Ok(v) => v.clone(),
                    Err(e) => format!("error: {}", e.lines().find(|l| l.contains("Error")).unwrap_or(e)),
                };
                unexpected.push(format!("{}\n    terraform: {want}\n    gantry:    {got}", case.expr));
            }
            _ => {}
        }
    }
    let stale: Vec<&String> =
        known.keys().filter(|k| !k.starts_with("config:") && !exprs.contains(&k.as_str())).collect();
    eprintln!("gantry agrees with terraform on {agree} of {} expressions", cases.len());
    assert!(
        unexpected.is_empty(),
        "{} expressions differ from Terraform:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(agreeing_now.is_empty(), "these now agree; remove them from known_differences.txt: {agreeing_now:#?}");
    assert!(stale.is_empty(), "known_differences.txt names expressions not in the corpus: {stale:#?}");
}

/// What Terraform recorded for one configuration: its outputs after apply, or the error.
fn expected_config(dir: &Path) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    match json.get("error") {
        Some(e) => Err(e.as_str().unwrap_or_default().to_string()),
        None => Ok(json["outputs"].as_object().cloned().unwrap_or_default()),
    }
}

#[test]
fn gantry_agrees_with_terraform_on_the_configuration_corpus() {
    let root = corpus_dir().join("configs");
    let known = known_differences();
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 15, "the configuration corpus holds {} cases", cases.len());
    let mut unexpected = Vec::new();
    let mut agreeing_now = Vec::new();
    for case in &cases {
        let name = format!("config:{}", case.file_name().unwrap().to_string_lossy());
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(case, tmp.path());
        std::fs::remove_file(tmp.path().join("expected.json"))
            .unwrap_or_else(|_| panic!("{name} has no expected.json: run tests/terraform/regen.py"));
        let apply = gantry(tmp.path(), &["apply", "-auto-approve", "-no-color"]);
        let got: Result<serde_json::Value, String> = if apply.code == 0 {
            let out = gantry(tmp.path(), &["output", "-json"]);
            assert_eq!(out.code, 0, "{name}: output -json failed: {}", out.all());
            let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            let values: serde_json::Map<String, serde_json::Value> =
                json.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v["value"].clone())).collect();
            Ok(serde_json::Value::Object(values))
        } else {
            Err(apply.all())
        };
        let same = match (expected_config(case), &got) {
            (Ok(want), Ok(got)) => &serde_json::Value::Object(want) == got,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        match (same, known.contains_key(&name)) {
            (true, true) => agreeing_now.push(name),
            (false, false) => unexpected.push(format!(
                "{name}\n    terraform: {:?}\n    gantry:    {}",
                expected_config(case),
                match &got {
                    Ok(v) => v.to_string(),
                    Err(e) => format!("error: {}", e.lines().find(|l| l.contains("Error")).unwrap_or(e)),
                }
            )),
            _ => {}
        }
    }
    assert!(
        unexpected.is_empty(),
        "{} configurations differ from Terraform:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(agreeing_now.is_empty(), "these now agree; remove them from known_differences.txt: {agreeing_now:#?}");
}

#[test]
fn a_diagnostic_names_the_block_it_is_in_as_terraform_does() {
    let (_tmp, dir) = config(&[(
        "main.hcl",
        "variable \"replicas\" {\n  type    = number\n  default = \"three\"\n}\n\nlocals {\n  x = 1 + \"a\"\n}\n",
    )]);
    let run = gantry(&dir, &["validate", "-no-color"]);
    assert_ne!(run.code, 0);
    let text = run.all();
    assert!(text.contains("main.hcl:3:13, in variable \"replicas\""), "{text}");
    assert!(text.contains("main.hcl:7:11, in locals"), "{text}");
}
