//! `gantry fmt`: rewrites configuration files in canonical form, or checks them.

use super::{EXIT_ERROR, EXIT_FMT_CHANGES};
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};

pub fn run(dir: &Path, check: bool, show_diff: bool) -> Result<u8> {
    let files: Vec<PathBuf> = if dir.is_file() {
        vec![dir.to_path_buf()]
    } else {
        let mut f: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "hcl"))
            .collect();
        f.sort();
        f
    };
    let mut changed = false;
    let mut failed = false;
    for path in files {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        match gantry_core::format::format_source(&text) {
            Ok(formatted) if formatted != text => {
                changed = true;
                println!("{}", path.display());
                if show_diff {
                    let diff = similar::TextDiff::from_lines(&text, &formatted);
                    print!("{}", diff.unified_diff().header(&path.display().to_string(), &path.display().to_string()));
                }
                if !check {
                    gantry_core::state::write_atomic(&path, formatted.as_bytes())?;
                }
            }
            Ok(_) => {}
            Err(e) => {
                failed = true;
                eprintln!(
                    "Error: Syntax error: {}\n  --> {}:{}:{}\n\nThe file was left unchanged; fix the syntax and run fmt again.",
                    e.message(),
                    path.display(),
                    e.location().line(),
                    e.location().column()
                );
            }
        }
    }
    Ok(if failed {
        EXIT_ERROR
    } else if check && changed {
        EXIT_FMT_CHANGES
    } else {
        0
    })
}
