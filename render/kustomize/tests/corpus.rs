//! The conformance corpus: each `cases/NAME` is a kustomization tree whose
//! `expected.yaml` was recorded from `kubectl kustomize` by `regen.sh`; our
//! build must print the same bytes. Cases with `expected_error.txt` must fail
//! with a message containing that fragment.

use std::path::{Path, PathBuf};

use gantry_kustomize::{build, Options, Reorder};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/cases exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn options(case: &Path) -> Options {
    let reorder = match std::fs::read_to_string(case.join("reorder")).ok().as_deref().map(str::trim) {
        Some("none") => Reorder::None,
        Some("legacy") => Reorder::Legacy,
        _ => Reorder::Default,
    };
    Options { reorder }
}

#[test]
fn corpus_matches_kubectl_kustomize() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 30, "corpus unexpectedly small: {}", all.len());
    for case in &all {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let result = build(case, &options(case));
        if let Ok(fragment) = std::fs::read_to_string(case.join("expected_error.txt")) {
            let fragment = fragment.trim();
            match result {
                Ok(_) => failures.push(format!("{name}: built, but an error containing {fragment:?} was expected")),
                Err(e) if !e.to_string().contains(fragment) => {
                    failures.push(format!("{name}: error {:?} lacks {fragment:?}", e.to_string()))
                }
                Err(_) => {}
            }
            continue;
        }
        let expected = std::fs::read_to_string(case.join("expected.yaml"))
            .unwrap_or_else(|_| panic!("{name}: no expected.yaml; run tests/regen.sh"));
        match result {
            Err(e) => failures.push(format!("{name}: build failed: {e}")),
            Ok(b) if b.to_yaml() != expected => {
                let got = b.to_yaml();
                let line = got.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(0);
                failures.push(format!(
                    "{name}: output differs at line {}:\n  got:      {:?}\n  expected: {:?}",
                    line + 1,
                    got.lines().nth(line).unwrap_or(""),
                    expected.lines().nth(line).unwrap_or("")
                ));
            }
            Ok(_) => {}
        }
    }
    let passed = all.len() - failures.len();
    eprintln!("corpus: {passed}/{} cases pass", all.len());
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), all.len(), failures.join("\n"));
}
