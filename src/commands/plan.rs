//! `gantry plan`: refreshes, diffs and shows what apply would change; `-out` saves
//! the plan for `gantry apply FILE`. The planning itself is shared with apply and destroy.

use super::{env_vars, load_checked, lock_for, print_diags, settings, store_of, EXIT_CHANGES, EXIT_ERROR};
use crate::args::{PlanArgs, PlanOutputArgs};
use crate::views::{self, Style};
use anyhow::{Context as _, Result};
use gantry_core::addr::ResourceInstanceAddr;
use gantry_core::diag::Diagnostics;
use gantry_core::encryption::Codec;
use gantry_core::engine::{self, CliVar, Config, PlanOptions, ResourceAddrPattern};
use gantry_core::plan::Plan;
use gantry_core::provider::Registry;
use gantry_core::state::StateStore;
use std::path::Path;

pub async fn run(p: PlanArgs, output: PlanOutputArgs, raw: &[String], style: &Style) -> Result<u8> {
    let vars = super::cli_vars(raw)?;
    let options = plan_options(&p, false)?;
    let registry = crate::registry();
    let Some((config, diags)) = load_checked(&p.dir, &registry, style) else { return Ok(EXIT_ERROR) };
    // Before planning, so that a mistake in the encryption block costs no refresh.
    let encryption = super::encryption_of(&config, &vars, style)?;
    let store = store_of(&config, encryption.as_ref(), style)?;
    let _lock = lock_for(store.as_ref(), "plan", &p).await?;
    let (config, diags, generated) = match &output.generate_config_out {
        Some(file) => {
            let generated =
                super::generate::write_generated_config(&p.dir, file, config, diags, store.as_ref(), &vars, style)
                    .await?;
            let Some(loaded) = generated else { return Ok(EXIT_ERROR) };
            loaded
        }
        None => (config, diags, false),
    };
    let planned = make_plan(&config, diags, store.as_ref(), options, &vars, &registry, style).await?;
    let Some(plan) = planned else { return Ok(EXIT_ERROR) };
    if output.json {
        let hidden = gantry_core::encryption::referenced_variables(&config.tree.module);
        println!("{}", serde_json::to_string_pretty(&views::plan_json(&plan, &hidden))?);
    } else {
        views::print_plan(&plan, style);
        if let (true, Some(file)) = (generated, &output.generate_config_out) {
            super::generate::print_notice(file);
        }
    }
    if let Some(out) = &output.out {
        let codec = encryption.as_ref().and_then(|e| e.plan.as_ref());
        if !codec.is_some_and(Codec::encrypts) {
            warn_if_secrets_in_clear(&plan, &config, style);
        }
        save_plan(&plan, out, output.json, codec)?;
    }
    let code = if output.detailed_exitcode && plan.has_changes() { EXIT_CHANGES } else { 0 };
    // Freeing a large plan piece by piece only delays the exit that returns its memory whole.
    std::mem::forget(plan);
    Ok(code)
}

/// Writes the plan for a later `gantry apply FILE`, encrypted when the configuration says so.
fn save_plan(plan: &Plan, out: &Path, json: bool, codec: Option<&Codec>) -> Result<()> {
    let bytes = gantry_core::plan::file::to_encrypted_bytes(plan, codec)
        .with_context(|| format!("saving the plan to {}", out.display()))?;
    gantry_core::state::write_atomic(out, &bytes).with_context(|| format!("saving the plan to {}", out.display()))?;
    if !json {
        println!(
            "\nSaved the plan to: {}\nTo perform exactly these actions, run: gantry apply {}",
            out.display(),
            out.display()
        );
    }
    Ok(())
}

/// A plan holds the root input values, so an unencrypted plan file holds the values the
/// encryption block reads (a state passphrase) in clear.
fn warn_if_secrets_in_clear(plan: &Plan, config: &Config, style: &Style) {
    let secrets: Vec<String> = gantry_core::encryption::referenced_variables(&config.tree.module)
        .into_iter()
        .filter(|v| plan.variables.contains_key(v))
        .collect();
    if secrets.is_empty() {
        return;
    }
    let d = gantry_core::diag::Diagnostic::warning(
        "Saved plan is not encrypted",
        format!(
            "The plan file holds the value of {} in clear, which the encryption block uses as a key. Encrypt saved plans too: plan {{ method = method.TYPE.NAME }} in gantry {{ encryption }}.",
            secrets.iter().map(|v| format!("var.{v}")).collect::<Vec<_>>().join(", ")
        ),
    );
    print_diags(&d.into(), &config.sources, style);
}

pub fn plan_options(p: &PlanArgs, destroy: bool) -> Result<PlanOptions> {
    if p.refresh_only && !p.refresh {
        anyhow::bail!("-refresh-only records what refresh finds, so it cannot be combined with -refresh=false");
    }
    if p.refresh_only && (destroy || p.destroy) {
        anyhow::bail!("-refresh-only changes no object, so it cannot be combined with destroy");
    }
    Ok(PlanOptions {
        refresh_only: p.refresh_only,
        destroy: destroy || p.destroy,
        refresh: p.refresh,
        targets: p.target.iter().map(|t| ResourceAddrPattern::parse(t)).collect::<Result<_, _>>()?,
        replace: p.replace.iter().map(|r| r.parse::<ResourceInstanceAddr>()).collect::<Result<_, _>>()?,
        // Found in the journal when planning against stored state.
        deposed: Vec::new(),
    })
}

/// Plans a loaded configuration against the current state, with the caller holding
/// the lock. Prints the diagnostics (the load's warnings among them); `None` on errors.
pub async fn make_plan(
    config: &Config,
    diags: Diagnostics,
    store: &dyn StateStore,
    options: PlanOptions,
    vars: &[CliVar],
    registry: &Registry,
    style: &Style,
) -> Result<Option<Plan>> {
    let (plan, diags) = plan_unprinted(config, diags, store, options, vars, registry).await?;
    print_diags(&diags, &config.sources, style);
    Ok(plan)
}

/// [`make_plan`] without the printing, for a caller that picks what to show.
pub async fn plan_unprinted(
    config: &Config,
    mut diags: Diagnostics,
    store: &dyn StateStore,
    options: PlanOptions,
    vars: &[CliVar],
    registry: &Registry,
) -> Result<(Option<Plan>, Diagnostics)> {
    let inputs = engine::collect_inputs(config, &env_vars(), vars, &mut diags);
    if diags.has_errors() {
        return Ok((None, diags));
    }
    let s = settings(registry, &config.root_dir, inputs, 10, &engine::NoHook);
    let (plan, plan_diags) = engine::plan_stored(config, &s, store, options).await.map_err(|e| anyhow::anyhow!(e))?;
    diags.extend(plan_diags);
    diags.sort();
    Ok((plan, diags))
}
