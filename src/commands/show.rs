//! `gantry show` (the state or a saved plan) and `gantry output`, as text or JSON.

use super::{read_state, store_at, EXIT_ERROR};
use crate::views::{self, Style};
use anyhow::{anyhow, Result};
use gantry_core::plan::Plan;
use gantry_core::state::State;
use gantry_core::value::Value;
use std::path::{Path, PathBuf};

pub fn show(path: Option<PathBuf>, json: bool, raw: &[String], style: &Style) -> Result<u8> {
    let path = path.unwrap_or_else(|| PathBuf::from("."));
    if path.is_file() {
        // A saved plan is decrypted with the plan encryption of the configuration here, as
        // `gantry apply FILE` does.
        let cwd = std::env::current_dir()?;
        let encryption = super::encryption_at(&cwd, &super::cli_vars(raw)?, style)?;
        let codec = encryption.as_ref().and_then(|e| e.plan.as_ref());
        let plan: Plan = gantry_core::plan::file::from_stored_bytes(&std::fs::read(&path)?, codec)
            .map_err(|e| anyhow!("{} cannot be shown: {e}.", path.display()))?;
        if json {
            let hidden = hidden_variables(&cwd);
            // The configuration is shown when the plan's directory still holds the one it was made from.
            let tree = gantry_core::engine::tree_if_unchanged(Path::new(&plan.working_dir), &plan.config_digest);
            let registry = crate::registry();
            let schemas = gantry_core::tfjson::Schemas(Some(&registry));
            let doc = gantry_core::tfjson::plan_document(&plan, &hidden, tree.as_ref(), schemas);
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            views::print_plan(&plan, style);
        }
        return Ok(0);
    }
    let state = read_state(store_at(&path, &super::cli_vars(raw)?, style)?.as_ref())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&gantry_core::tfjson::state_document(
                &state,
                gantry_core::tfjson::Schemas(Some(&crate::registry()))
            ))?
        );
        return Ok(0);
    }
    if state.resources.is_empty() {
        println!("The state is empty.");
    }
    for r in &state.resources {
        println!("# {}:", r.address);
        println!(
            "resource \"{}\" \"{}\" {}\n",
            r.address.resource.type_name,
            r.address.resource.name,
            views::block(&r.value(), 0)
        );
    }
    print_outputs(&state);
    Ok(0)
}

/// The variables the encryption block of the configuration in `dir` reads, whose values
/// `show -json` leaves out.
fn hidden_variables(dir: &Path) -> std::collections::BTreeSet<String> {
    let mut diags = gantry_core::diag::Diagnostics::default();
    gantry_core::config::load_module(dir, &Default::default(), &mut diags)
        .map(|m| gantry_core::encryption::referenced_variables(&m))
        .unwrap_or_default()
}

/// The root outputs after an apply or in `show`, sensitive ones hidden.
/// The root outputs as `output -json` prints them: sensitive ones without their value.
pub fn outputs_json(state: &State) -> serde_json::Value {
    let out: serde_json::Map<String, serde_json::Value> = state
        .outputs
        .iter()
        .map(|(k, o)| {
            let value = if o.sensitive { serde_json::Value::Null } else { o.value.clone() };
            (k.clone(), serde_json::json!({"value": value, "sensitive": o.sensitive}))
        })
        .collect();
    serde_json::Value::Object(out)
}

pub fn print_outputs(state: &State) {
    if state.outputs.is_empty() {
        return;
    }
    println!("\nOutputs:\n");
    for (name, o) in &state.outputs {
        let v = Value::from_json(&o.value);
        let shown = if o.sensitive { "<sensitive>".to_string() } else { views::block(&v, 0) };
        println!("{name} = {shown}");
    }
}

pub fn output(dir: &Path, name: Option<String>, json: bool, raw: bool, style: &Style) -> Result<u8> {
    let state = read_state(store_at(dir, &[], style)?.as_ref())?;
    match name {
        Some(n) => {
            let Some(o) = state.outputs.get(&n) else {
                eprintln!("Error: Output \"{n}\" not found.\n\nThe state has no output named \"{n}\". Apply the configuration first, or check the name with gantry output.");
                return Ok(EXIT_ERROR);
            };
            // Asking for one output by name prints it even when sensitive, as Terraform does.
            let v = Value::from_json(&o.value);
            if json {
                println!("{}", serde_json::to_string_pretty(&o.value)?);
            } else if raw {
                // For scripts: the value alone, with no quotes and no newline.
                let text = match &v {
                    Value::String(s) => s.clone(),
                    Value::Number(_) | Value::Bool(_) => views::block(&v, 0),
                    other => {
                        eprintln!("{} Unsupported value for raw output\n\nThe -raw option prints only strings, numbers and bools, but output \"{n}\" is {}. Use -json for it instead.", style.bold("Error:"), other.type_name());
                        return Ok(EXIT_ERROR);
                    }
                };
                print!("{text}");
                std::io::Write::flush(&mut std::io::stdout())?;
            } else {
                println!("{}", views::block(&v, 0));
            }
        }
        None => {
            if json {
                let out: serde_json::Map<String, serde_json::Value> = state
                    .outputs
                    .iter()
                    .map(|(k, o)| (k.clone(), serde_json::json!({"value": if o.sensitive { serde_json::Value::Null } else { o.value.clone() }, "sensitive": o.sensitive})))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (k, o) in &state.outputs {
                    let v = Value::from_json(&o.value);
                    println!("{k} = {}", if o.sensitive { "<sensitive>".into() } else { views::block(&v, 0) });
                }
            }
        }
    }
    Ok(0)
}
