//! `gantry init`: checks that a configuration loads and creates its working folder.

use super::{load, print_diags, EXIT_ERROR};
use crate::views::Style;
use anyhow::{Context as _, Result};
use std::path::Path;

pub fn run(dir: &Path, style: &Style) -> Result<u8> {
    let registry = crate::registry();
    let (config, mut diags, sources) = load(dir, &registry);
    diags.sort();
    print_diags(&diags, &sources, style);
    if diags.has_errors() || config.is_none() {
        return Ok(EXIT_ERROR);
    }
    std::fs::create_dir_all(dir.join(".gantry")).context("creating the .gantry folder")?;
    println!("Gantry has been successfully initialized in {}.", dir.display());
    println!("Providers available: {}.", registry.names().collect::<Vec<_>>().join(", "));
    Ok(0)
}
