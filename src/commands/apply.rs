//! `gantry apply` and `gantry destroy`: plan (or read a saved plan), confirm, and
//! carry the plan out, printing progress as each change starts and completes.

use super::{load_checked, lock_for, print_diags, settings, store_of, EXIT_ERROR};
use crate::args::PlanArgs;
use crate::progress::{self, JsonEvents, Progress};
use crate::views::{self, Style};
use anyhow::{anyhow, Context as _, Result};
use gantry_core::encryption::Codec;
use gantry_core::engine;
use gantry_core::plan::{Action, Plan};
use std::io::{BufRead, Write};
use std::path::Path;

pub async fn run(
    p: PlanArgs,
    auto_approve: bool,
    parallelism: usize,
    destroy: bool,
    json: bool,
    raw: &[String],
    style: &Style,
) -> Result<u8> {
    let saved_plan = p.dir.is_file();
    if json && !saved_plan && !auto_approve {
        return Err(anyhow!(
            "Plan file or auto-approve required\n\nGantry cannot ask for interactive approval when -json is set. Apply a saved plan file, or add -auto-approve"
        ));
    }
    let events = json.then_some(JsonEvents);
    if let Some(events) = &events {
        events.version();
        super::JSON_DIAGNOSTICS.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    // A saved plan was approved when it was made; anything else needs a yes that -input=false cannot ask for.
    if !saved_plan && !auto_approve && !p.input {
        return Err(anyhow!(
            "{} requires approval, and -input=false was given, so Gantry cannot ask for it. Add -auto-approve, or save a plan with gantry plan{} -out FILE and apply that file",
            if destroy { "Destroy" } else { "Apply" },
            if destroy { " -destroy" } else { "" }
        ));
    }
    let dir = if saved_plan { std::env::current_dir()? } else { p.dir.clone() };
    // A saved plan carries its variables and targets; these options only count when planning here.
    let cli_vars = super::cli_vars(raw)?;
    let planning = if saved_plan { None } else { Some((cli_vars.clone(), super::plan::plan_options(&p, destroy)?)) };
    let registry = crate::registry();
    let Some((config, mut diags)) = load_checked(&dir, &registry, style) else { return Ok(EXIT_ERROR) };
    let encryption = super::encryption_of(&config, &cli_vars, style)?;
    let store = store_of(&config, encryption.as_ref(), style)?;
    if let Some(codec) = encryption.as_ref().and_then(|e| e.state.as_ref()) {
        // A key provider that cannot give a key (KMS unreachable) is found before anything changes.
        codec.prepare().map_err(|e| anyhow!("{}: {e}", store.describe()))?;
    }
    let _lock = lock_for(store.as_ref(), if destroy { "destroy" } else { "apply" }, &p).await?;
    let plan = if let Some((vars, options)) = planning {
        let (planned, mut diags) =
            super::plan::plan_unprinted(&config, diags, store.as_ref(), options, &vars, &registry).await?;
        // Checks are evaluated again after the changes; their plan-time results would only repeat.
        if planned.as_ref().is_some_and(|p| p.has_changes()) {
            diags.0.retain(|d| !d.summary.starts_with("Check block"));
        }
        print_diags(&diags, &config.sources, style);
        let Some(plan) = planned else { return Ok(EXIT_ERROR) };
        match &events {
            Some(events) => events.planned(&plan),
            None => views::print_plan(&plan, style),
        }
        if !plan.has_changes() {
            finish_migration(store.as_ref(), encryption.as_ref(), style)?;
            return Ok(0);
        }
        if !auto_approve && !confirm(destroy, style).await? {
            println!("\n{} cancelled.", if destroy { "Destroy" } else { "Apply" });
            return Ok(EXIT_ERROR);
        }
        plan
    } else {
        let plan = read_saved_plan(&p.dir, encryption.as_ref().and_then(|e| e.plan.as_ref()))?;
        let state = store.read().map_err(|e| anyhow!(e))?;
        if let Err(refusal) = engine::check_saved_plan(&config, &plan, state.as_ref(), &cli_vars, &mut diags) {
            diags.sort();
            print_diags(&diags, &config.sources, style);
            return Err(anyhow!("{refusal}"));
        }
        diags.sort();
        print_diags(&diags, &config.sources, style);
        plan
    };
    let inputs = plan
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), (gantry_core::value::Value::from_marked_json(v), None)))
        .collect();
    let mode = if json { progress::Mode::Json } else { progress::mode_for_stdout() };
    let total = plan.changes.iter().filter(|c| c.action != Action::NoOp).count();
    let display = Progress::new(mode, style, total, progress::interval_from_env());
    let s = settings(&registry, &dir, inputs, parallelism, &display);
    crate::applying(true);
    let (state, diags) = engine::apply(&config, &s, &plan, store.clone()).await;
    crate::applying(false);
    drop(s);
    // The live view leaves the screen before anything else is printed under it.
    drop(display);
    print_diags(&diags, &config.sources, style);
    if diags.has_errors() {
        return Ok(EXIT_ERROR);
    }
    if let Some(events) = &events {
        events.summary(&plan, "apply");
        events.outputs(super::show::outputs_json(&state));
        return Ok(0);
    }
    let done = if plan.destroy { "Destroy complete!" } else { "Apply complete!" };
    println!("\n{} {}", style.bold(done), views::applied_counts(&plan));
    if !plan.destroy {
        super::show::print_outputs(&state);
    }
    Ok(0)
}

/// Asks before changing anything; only "yes" goes ahead. The answer is read off the
/// runtime's threads so that an interrupt during the prompt is seen at once.
async fn confirm(destroy: bool, style: &Style) -> Result<bool> {
    let question =
        if destroy { "Do you really want to destroy all resources?" } else { "Do you want to perform these actions?" };
    println!(
        "\n{}\n  Gantry will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n",
        style.bold(question)
    );
    print!("  Enter a value: ");
    std::io::stdout().flush()?;
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).map(|_| answer)
    })
    .await??;
    Ok(answer.trim() == "yes")
}

/// Reads a plan saved by `gantry plan -out`, refusing a file that is not one, is of
/// another format, was changed after it was written, or cannot be decrypted.
fn read_saved_plan(path: &Path, codec: Option<&Codec>) -> Result<Plan> {
    let bytes = std::fs::read(path).with_context(|| format!("reading the plan {}", path.display()))?;
    gantry_core::plan::file::from_stored_bytes(&bytes, codec)
        .map_err(|e| anyhow!("Saved plan cannot be applied\n\n{} cannot be applied: {e}.", path.display()))
}

/// An apply with nothing to change still writes a state that was read only through an
/// encryption fallback, so that one run finishes a key rotation or an encryption of plain
/// state, as OpenTofu's apply does.
fn finish_migration(
    store: &dyn gantry_core::state::StateStore,
    encryption: Option<&gantry_core::encryption::Encryption>,
    style: &Style,
) -> Result<()> {
    if !encryption.and_then(|e| e.state.as_ref()).is_some_and(|c| c.read_by_fallback()) {
        return Ok(());
    }
    let Some(journaled) = store.read_journaled().map_err(|e| anyhow!(e))? else { return Ok(()) };
    store.commit(&journaled.state, &journaled.pending).map_err(|e| anyhow!(e))?;
    println!("\n{}", style.bold("The state was written again with the configured encryption."));
    Ok(())
}
