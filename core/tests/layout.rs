//! The architecture's rules that a reader can check by looking at the files:
//! no source file in `core/src` over about 600 lines (tests apart), no arrows
//! sideways or up between the rooms, and no state logic in the CLI. A change
//! that breaks one of these fails here, not in review.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("core sits in the workspace").to_path_buf()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The lines of a file before its unit tests.
fn code_lines(text: &str) -> usize {
    text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).count()
}

#[test]
fn no_core_source_file_is_over_600_lines_of_code() {
    let mut long = Vec::new();
    for f in rust_files(&workspace().join("core/src")) {
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let lines = code_lines(&std::fs::read_to_string(&f).unwrap());
        if lines > 600 {
            long.push(format!("{} ({lines} lines)", f.display()));
        }
    }
    assert!(long.is_empty(), "split these into modules with one job each: {long:?}");
}

fn imports_in(dir: &Path, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for f in rust_files(dir) {
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            for name in forbidden {
                if line.contains(name) {
                    found.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_analysis_depends_on_no_provider_plan_state_or_engine() {
    let found = imports_in(
        &workspace().join("core/src/analysis"),
        &["crate::plan", "crate::state", "crate::engine", "crate::provider", "gantry_provider"],
    );
    assert!(found.is_empty(), "analysis works on neutral records: {found:#?}");
}

#[test]
fn the_plan_and_the_state_do_not_reach_into_the_engine() {
    let ws = workspace();
    let mut found = imports_in(&ws.join("core/src/plan"), &["crate::engine"]);
    found.extend(imports_in(&ws.join("core/src/state"), &["crate::engine"]));
    // The state and plan files use encryption, so it sits below them.
    found.extend(imports_in(
        &ws.join("core/src/encryption"),
        &["crate::engine", "crate::plan::", "crate::state::", "crate::graph"],
    ));
    found.extend(imports_in(&ws.join("core/src/catalog"), &["crate::analysis", "crate::engine", "crate::plan"]));
    assert!(found.is_empty(), "arrows point down: {found:#?}");
}

#[test]
fn providers_do_not_depend_on_each_other_and_core_on_no_cloud_sdk() {
    let ws = workspace();
    let kubernetes = std::fs::read_to_string(ws.join("providers/kubernetes/Cargo.toml")).unwrap();
    assert!(!kubernetes.contains("gantry-provider-local"), "the simulator is reached through core::cluster");
    let core = std::fs::read_to_string(ws.join("core/Cargo.toml")).unwrap();
    for sdk in ["aws-sdk", "aws-config", "kube", "k8s-openapi", "reqwest", "hyper"] {
        assert!(!core.contains(sdk), "core does no network I/O, yet depends on {sdk}");
    }
}

#[test]
fn the_cli_holds_no_state_logic() {
    let found =
        imports_in(&workspace().join("src"), &[".serial", "store.write(", "write_atomic(&store", "LocalStore::new"]);
    assert!(found.is_empty(), "state changes are core operations: {found:#?}");
}
