//! A corpus of broken configurations with their exact diagnostics.
//!
//! Every folder under `tests/corpus/` holds a configuration that Gantry must
//! reject, and an `expected.txt` listing the diagnostics it must report, one a
//! line, as `<summary> @ <file-name>:<line>:<column>`. By default the folder is
//! checked with `gantry validate -json`; a `command.txt` holding `plan` runs
//! `gantry plan -no-color` instead (for errors only a plan detects). Each case
//! runs on a copy of its folder in a temporary directory, so nothing a command
//! writes (state, lock, `.gantry/`) lands in the source tree.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One diagnostic as the corpus compares it, plus its detail text.
struct Diag {
    line: String,
    detail: String,
}

/// What one case produced.
struct Outcome {
    code: Option<i32>,
    diags: Vec<Diag>,
    raw: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("corpus")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn file_name(path: &str) -> String {
    Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string())
}

fn parse_validate_json(stdout: &str) -> Result<Vec<Diag>, String> {
    let json: serde_json::Value = serde_json::from_str(stdout).map_err(|e| format!("output is not JSON: {e}"))?;
    let list = json["diagnostics"].as_array().ok_or("no \"diagnostics\" array in the JSON output")?;
    let mut diags = Vec::new();
    for d in list {
        let summary = d["summary"].as_str().unwrap_or("<no summary>");
        let location = match d.get("range") {
            Some(r) if !r.is_null() => format!(
                "{}:{}:{}",
                file_name(r["filename"].as_str().unwrap_or("?")),
                r["start"]["line"],
                r["start"]["column"]
            ),
            _ => "<none>".to_string(),
        };
        let prefix = match d["severity"].as_str() {
            Some("error") | None => "",
            Some(_) => "warning: ",
        };
        diags.push(Diag {
            line: format!("{prefix}{summary} @ {location}"),
            detail: d["detail"].as_str().unwrap_or("").trim().to_string(),
        });
    }
    Ok(diags)
}

/// Parses the human output of `plan -no-color`: each diagnostic starts with
/// `Error: summary`, may have a `--> file:line:col` line and a source snippet
/// (lines with `|`), then the detail text.
fn parse_plan_text(text: &str) -> Vec<Diag> {
    let mut diags: Vec<(String, Option<String>, String)> = Vec::new();
    for line in text.lines() {
        if let Some(summary) = line.strip_prefix("Error: ") {
            diags.push((summary.trim().to_string(), None, String::new()));
            continue;
        }
        let Some(current) = diags.last_mut() else {
            continue;
        };
        let trimmed = line.trim();
        if let Some(loc) = trimmed.strip_prefix("--> ") {
            if current.1.is_none() {
                // `, in variable "x"` after the position names the enclosing block; the corpus keys on the position.
                let loc = loc.split_once(", in ").map_or(loc, |(position, _)| position);
                let mut parts = loc.rsplitn(3, ':');
                let col = parts.next().unwrap_or("?");
                let l = parts.next().unwrap_or("?");
                let file = parts.next().unwrap_or("?");
                current.1 = Some(format!("{}:{l}:{col}", file_name(file)));
            }
            continue;
        }
        let is_snippet = trimmed.starts_with('|')
            || trimmed.split_once('|').is_some_and(|(n, _)| n.trim().chars().all(|c| c.is_ascii_digit()));
        if trimmed.is_empty() || is_snippet || (trimmed.starts_with("(in ") && trimmed.ends_with(')')) {
            continue;
        }
        if !current.2.is_empty() {
            current.2.push('\n');
        }
        current.2.push_str(trimmed);
    }
    diags
        .into_iter()
        .map(|(summary, loc, detail)| Diag {
            line: format!("{summary} @ {}", loc.unwrap_or_else(|| "<none>".into())),
            detail,
        })
        .collect()
}

fn run_case(case: &Path) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(case.file_name().unwrap());
    copy_dir(case, &dir);
    let command = fs::read_to_string(case.join("command.txt"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "validate".to_string());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gantry"));
    if command == "validate" {
        cmd.args(["validate", "-json"]);
    } else {
        cmd.args([command.as_str(), "-no-color"]);
    }
    let out = cmd.arg(&dir).current_dir(tmp.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let raw = format!("--- stdout\n{stdout}--- stderr\n{stderr}");
    let diags = if command == "validate" {
        match parse_validate_json(&stdout) {
            Ok(d) => d,
            Err(e) => vec![Diag { line: format!("<{e}>"), detail: String::new() }],
        }
    } else {
        parse_plan_text(&format!("{stdout}\n{stderr}"))
    };
    Outcome { code: out.status.code(), diags, raw }
}

fn check_case(case: &Path) -> Result<(), String> {
    let expected_text =
        fs::read_to_string(case.join("expected.txt")).map_err(|e| format!("cannot read expected.txt: {e}"))?;
    let expected: Vec<&str> = expected_text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if expected.is_empty() {
        return Err("expected.txt lists no diagnostic".into());
    }
    let outcome = run_case(case);
    let actual: Vec<&str> = outcome.diags.iter().map(|d| d.line.as_str()).collect();
    let mut problems = Vec::new();
    match outcome.code {
        Some(1) => {}
        Some(101) => problems.push("gantry panicked (exit code 101)".to_string()),
        other => problems.push(format!("exit code {other:?}, expected 1")),
    }
    if actual != expected {
        problems.push(format!(
            "diagnostics differ\n    expected:\n{}\n    actual:\n{}",
            indent(&expected),
            indent(&actual)
        ));
    }
    for d in &outcome.diags {
        if d.detail.is_empty() {
            problems.push(format!("no detail (hint) for `{}`", d.line));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let mut msg = problems.join("\n  ");
        msg.push_str("\n  actual output:\n");
        for l in outcome.raw.lines() {
            msg.push_str("      ");
            msg.push_str(l);
            msg.push('\n');
        }
        Err(msg)
    }
}

fn indent(lines: &[&str]) -> String {
    if lines.is_empty() {
        return "      (none)".into();
    }
    lines.iter().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
}

#[test]
fn broken_configurations_report_exact_diagnostics() {
    let mut cases: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 45, "the corpus has only {} cases", cases.len());

    // Run the cases in parallel, a few at a time: each is a separate process.
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(4).min(8);
    let chunks: Vec<&[PathBuf]> = cases.chunks(cases.len().div_ceil(workers)).collect();
    let mut failures: Vec<(String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|case| {
                            check_case(case)
                                .err()
                                .map(|e| (case.file_name().unwrap().to_string_lossy().into_owned(), e))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    failures.sort();

    if !failures.is_empty() {
        let mut msg = format!("{} of {} corpus cases failed:\n", failures.len(), cases.len());
        for (name, problem) in &failures {
            msg.push_str(&format!("\n[{name}]\n  {problem}\n"));
        }
        panic!("{msg}");
    }
}
