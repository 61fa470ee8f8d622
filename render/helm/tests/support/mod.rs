//! Shared test helpers: locating the third-party charts next to the workspace.

#![allow(dead_code)]

pub mod jsonpath;
pub mod unittest;

use std::path::PathBuf;

/// `<workspace>/../shared/thirdparty`, or `None` when GANTRY_SKIP_THIRDPARTY=1 and
/// it is absent. Panics (failing the test loudly) when it is missing otherwise.
pub fn thirdparty() -> Option<PathBuf> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // GANTRY_THIRDPARTY names the folder where a checkout does not sit beside it.
    let dir = std::env::var_os("GANTRY_THIRDPARTY")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("../shared/thirdparty"));
    if dir.join("charts").is_dir() {
        return Some(dir);
    }
    if std::env::var("GANTRY_SKIP_THIRDPARTY").as_deref() == Ok("1") {
        eprintln!("skipping: {} is absent and GANTRY_SKIP_THIRDPARTY=1", dir.display());
        return None;
    }
    panic!(
        "third-party test inputs are missing: expected the charts in {} (the shared/thirdparty \
         folder next to the workspace); set GANTRY_SKIP_THIRDPARTY=1 to skip these tests",
        dir.join("charts").display()
    );
}

pub fn chart_dir(name: &str) -> Option<PathBuf> {
    thirdparty().map(|t| t.join("charts").join(name))
}
