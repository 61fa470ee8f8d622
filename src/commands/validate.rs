//! `gantry validate`: every static and evaluation check, as text or JSON.

use super::{cli_vars, env_vars, load, print_diags, settings, EXIT_ERROR};
use crate::views::Style;
use anyhow::Result;
use gantry_core::engine;
use std::path::Path;

pub async fn run(dir: &Path, json: bool, raw: &[String], style: &Style) -> Result<u8> {
    let vars = cli_vars(raw)?;
    let registry = crate::registry();
    let (config, mut diags, sources) = load(dir, &registry);
    if let Some(config) = &config {
        // The walk runs even after static errors, so that one run reports every problem it can find.
        let inputs = engine::collect_inputs(config, &env_vars(), &vars, &mut diags);
        let s = settings(&registry, dir, inputs, 10, &engine::NoHook);
        diags.extend(engine::validate(config, &s).await);
        diags.extend(gantry_core::encryption::check(&config.tree.module, &crate::key_providers()));
    }
    diags.sort();
    let ok = !diags.has_errors();
    if json {
        let out = serde_json::json!({
            "valid": ok,
            "error_count": diags.iter().filter(|d| d.is_error()).count(),
            "warning_count": diags.iter().filter(|d| !d.is_error()).count(),
            "diagnostics": diags.iter().map(|d| gantry_core::diag::to_json(d, &sources)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_diags(&diags, &sources, style);
        if ok {
            println!("{} The configuration is valid.", style.bold("Success!"));
        }
    }
    Ok(if ok { 0 } else { EXIT_ERROR })
}
