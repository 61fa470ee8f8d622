//! `plan -generate-config-out=FILE`: writes resource blocks for the import blocks that have
//! none, then loads the configuration again so the plan sees them.

use super::{env_vars, load_checked, print_diags, read_state, settings};
use crate::views::Style;
use anyhow::{Context as _, Result};
use gantry_core::diag::{Diagnostic, Diagnostics};
use gantry_core::engine::{self, CliVar, Config};
use gantry_core::state::StateStore;
use std::path::Path;

/// The configuration to plan, reloaded with the new file when one was written (the flag says
/// so). `None` when the problems were printed.
pub async fn write_generated_config(
    dir: &Path,
    file: &Path,
    config: Config,
    mut diags: Diagnostics,
    store: &dyn StateStore,
    vars: &[CliVar],
    style: &Style,
) -> Result<Option<(Config, Diagnostics, bool)>> {
    let target = if file.is_absolute() { file.to_path_buf() } else { std::env::current_dir()?.join(file) };
    if target.exists() {
        let d = Diagnostic::error(
            "Target generated file already exists",
            "Gantry can only write generated config into a new file. Either choose a different target location or move all existing configuration out of the target file, delete it and try again.",
        );
        print_diags(&d.into(), &config.sources, style);
        return Ok(None);
    }
    if engine::imports_needing_config(&config).is_empty() {
        return Ok(Some((config, diags, false)));
    }
    // The file joins the configuration only as one of its directory's *.hcl files.
    let in_dir = target.parent().and_then(|p| p.canonicalize().ok()) == dir.canonicalize().ok()
        && target.extension().is_some_and(|e| e == "hcl");
    if !in_dir {
        let d = Diagnostic::error(
            "Generated file outside the configuration",
            format!("{} must be a new .hcl file in the configuration directory, so that the plan reads the blocks written to it, e.g. -generate-config-out=generated.hcl.", file.display()),
        );
        print_diags(&d.into(), &config.sources, style);
        return Ok(None);
    }
    let registry = crate::registry();
    let inputs = engine::collect_inputs(&config, &env_vars(), vars, &mut diags);
    if diags.has_errors() {
        print_diags(&diags, &config.sources, style);
        return Ok(None);
    }
    let state = read_state(store)?;
    let s = settings(&registry, dir, inputs, 1, &engine::NoHook);
    let (text, generated_diags) = engine::generate_config(&config, &s, &state).await;
    diags.extend(generated_diags);
    let Some(text) = text.filter(|_| !diags.has_errors()) else {
        diags.sort();
        print_diags(&diags, &config.sources, style);
        return Ok(None);
    };
    gantry_core::state::write_atomic(&target, text.as_bytes())
        .with_context(|| format!("writing the generated configuration to {}", file.display()))?;
    let Some((config, reloaded)) = load_checked(dir, &registry, style) else { return Ok(None) };
    diags.extend(reloaded);
    Ok(Some((config, diags, true)))
}

/// Terraform's note after a plan that wrote configuration.
pub fn print_notice(file: &Path) {
    println!(
        "\nGantry has generated configuration and written it to {}. Please review the configuration and edit it as necessary before adding it to version control.",
        file.display()
    );
}
