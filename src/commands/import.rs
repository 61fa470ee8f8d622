//! `gantry import ADDR ID`: reads an existing object through its provider and
//! records it in state at ADDR.

use super::{cli_vars, env_vars, load_checked, lock, print_diags, read_state, settings, store_of, EXIT_ERROR};
use crate::views::Style;
use anyhow::{anyhow, Result};
use gantry_core::addr::ResourceInstanceAddr;
use gantry_core::engine;
use std::path::Path;

pub async fn run(dir: &Path, address: &str, id: &str, raw: &[String], style: &Style) -> Result<u8> {
    let addr: ResourceInstanceAddr = address.parse()?;
    let vars = cli_vars(raw)?;
    let registry = crate::registry();
    let Some((config, mut diags)) = load_checked(dir, &registry, style) else { return Ok(EXIT_ERROR) };
    let encryption = super::encryption_of(&config, &vars, style)?;
    let store = store_of(&config, encryption.as_ref(), style)?;
    let lock = lock(store.as_ref(), "import", std::time::Duration::ZERO).await?;
    let inputs = engine::collect_inputs(&config, &env_vars(), &vars, &mut diags);
    let state = read_state(store.as_ref())?;
    let s = settings(&registry, dir, inputs, 1, &engine::NoHook);
    let (imported, import_diags) = engine::import(&config, &s, &state, &addr, id).await;
    diags.extend(import_diags);
    print_diags(&diags, &config.sources, style);
    let Some(instance) = imported.filter(|_| !diags.has_errors()) else { return Ok(EXIT_ERROR) };
    gantry_core::state::ops::record_import(&lock, instance).map_err(|e| anyhow!(e))?;
    println!("{addr}: Import complete.\n\n{} The resource is now managed by Gantry; run gantry plan to compare it with the configuration.", style.bold("Import successful!"));
    Ok(0)
}
