//! The commands, one file per command or family, and what they share: loading a
//! configuration, opening its state backend, taking the lock, printing diagnostics.
//! Commands hold no state logic: they turn arguments into `core` calls and render the results.

pub mod apply;
pub mod console;
pub mod docs;
pub mod fmt;
pub mod generate;
pub mod graph;
pub mod import;
pub mod init;
pub mod plan;
pub mod show;
pub mod state;
pub mod validate;
pub mod version;
pub mod workspace;

use crate::views::Style;
use anyhow::{anyhow, Result};
use gantry_core::config::BackendConfig;
use gantry_core::diag::{Diagnostics, SourceMap};
use gantry_core::encryption::Encryption;
use gantry_core::engine::{self, CliVar, Config, WalkSettings};
use gantry_core::provider::Registry;
use gantry_core::state::{BackendError, EncryptedStore, LockGuard, State, StateStore, WorkspaceError};
use std::path::Path;
use std::sync::Arc;

/// Exit codes, as Terraform uses them.
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_CHANGES: u8 = 2;
pub const EXIT_FMT_CHANGES: u8 = 3;

/// An error whose diagnostics were already printed; the command only has to exit 1.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the problems above")
    }
}

impl std::error::Error for Reported {}

/// Set by `-compact-warnings`: warnings are then listed by summary, after the errors.
pub static COMPACT_WARNINGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Set by `apply -json`: diagnostics become `diagnostic` events on stdout.
pub static JSON_DIAGNOSTICS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn print_diags(diags: &Diagnostics, sources: &SourceMap, style: &Style) {
    if JSON_DIAGNOSTICS.load(std::sync::atomic::Ordering::Relaxed) {
        for d in diags.iter() {
            let error = d.severity == gantry_core::diag::Severity::Error;
            crate::progress::JsonEvents.diagnostic(error, &d.summary, gantry_core::diag::to_json(d, sources));
        }
        return;
    }
    let compact = COMPACT_WARNINGS.load(std::sync::atomic::Ordering::Relaxed);
    let mut warnings = Vec::new();
    for d in diags.iter() {
        if compact && d.severity == gantry_core::diag::Severity::Warning {
            warnings.push(d.summary.as_str());
            continue;
        }
        eprintln!("{}", gantry_core::diag::render(d, sources, style.color));
    }
    if !warnings.is_empty() {
        let list: String = warnings.iter().map(|w| format!("  - {w}\n")).collect();
        eprintln!(
            "{}\n{list}\nTo see the full warning notes, run Gantry without -compact-warnings.",
            style.bold("Warnings:")
        );
    }
}

/// Loads and checks a configuration, in the selected workspace; prints nothing.
pub fn load(dir: &Path, registry: &Registry) -> (Option<Config>, Diagnostics, SourceMap) {
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let mut config = engine::load(dir, registry, &sources, &mut diags);
    if let Some(config) = &mut config {
        match selected_workspace(dir) {
            Ok(name) => config.workspace = name,
            Err(e) => diags.push(gantry_core::diag::Diagnostic::error("Invalid workspace", e.to_string())),
        }
    }
    (config, diags, sources)
}

/// The workspace this run uses: `GANTRY_WORKSPACE`, else the one `workspace select` remembered.
pub fn selected_workspace(dir: &Path) -> Result<String, WorkspaceError> {
    let from_env = std::env::var(gantry_core::state::workspace::WORKSPACE_ENV).ok();
    gantry_core::state::workspace::selected(dir, from_env.as_deref())
}

/// Loads a configuration for a command that goes on to plan or change something: with
/// errors they are printed and the result is `None`; otherwise the warnings come back
/// unprinted, to be reported with what the command finds later.
pub fn load_checked(dir: &Path, registry: &Registry, style: &Style) -> Option<(Config, Diagnostics)> {
    let (config, mut diags, sources) = load(dir, registry);
    match config.filter(|_| !diags.has_errors()) {
        Some(config) => Some((config, diags)),
        None => {
            diags.sort();
            print_diags(&diags, &sources, style);
            None
        }
    }
}

pub fn settings<'a>(
    registry: &'a Registry,
    dir: &Path,
    inputs: engine::InputValues,
    parallelism: usize,
    hook: &'a dyn engine::Hook,
) -> WalkSettings<'a> {
    WalkSettings { registry, working_dir: dir.to_path_buf(), inputs, parallelism, hook, interrupt: crate::interrupt() }
}

pub fn env_vars() -> Vec<(String, String)> {
    std::env::vars().filter(|(k, _)| k.starts_with("GANTRY_VAR_")).collect()
}

/// The `-var` and `-var-file` options, in order.
pub fn cli_vars(raw: &[String]) -> Result<Vec<CliVar>> {
    crate::args::ordered_vars(raw).map_err(|e| anyhow!(e))
}

/// The encryption a loaded configuration's root module asks for, evaluated with this run's
/// inputs. Problems and warnings are printed here; `Err(Reported)` when there are errors.
pub fn encryption_of(config: &Config, vars: &[CliVar], style: &Style) -> Result<Option<Encryption>> {
    let mut diags = Diagnostics::default();
    let inputs = engine::collect_inputs(config, &env_vars(), vars, &mut diags);
    evaluated_encryption(&config.tree.module, &inputs, diags, &config.sources, style)
}

/// As [`encryption_of`] for commands that parse only the root module in `dir` (showing a
/// saved plan). Other problems of the module are left to validate, as in [`store_at`].
pub fn encryption_at(dir: &Path, vars: &[CliVar], style: &Style) -> Result<Option<Encryption>> {
    let sources = SourceMap::default();
    let mut load_diags = Diagnostics::default();
    let Some(module) = gantry_core::config::load_module(dir, &sources, &mut load_diags) else { return Ok(None) };
    if module.settings.as_ref().and_then(|s| s.encryption.as_ref()).is_none() {
        return Ok(None);
    }
    let mut diags = Diagnostics::default();
    let inputs = engine::module_inputs(&module, &sources, &env_vars(), vars, &mut diags);
    evaluated_encryption(&module, &inputs, diags, &sources, style)
}

fn evaluated_encryption(
    module: &gantry_core::config::Module,
    inputs: &engine::InputValues,
    mut diags: Diagnostics,
    sources: &SourceMap,
    style: &Style,
) -> Result<Option<Encryption>> {
    if diags.has_errors() {
        diags.sort();
        print_diags(&diags, sources, style);
        return Err(anyhow!(Reported));
    }
    match gantry_core::encryption::from_config(module, inputs, &crate::key_providers()) {
        Ok(encryption) => {
            if let Some(e) = &encryption {
                print_diags(&e.warnings, sources, style);
            }
            Ok(encryption)
        }
        Err(mut problems) => {
            problems.sort();
            print_diags(&problems, sources, style);
            Err(anyhow!(Reported))
        }
    }
}

/// The state store a loaded configuration's root module asks for, encrypting with its state
/// encryption when it has one.
pub fn store_of(config: &Config, encryption: Option<&Encryption>, style: &Style) -> Result<Arc<dyn StateStore>> {
    let backend = config.tree.module.settings.as_ref().and_then(|s| s.backend.as_ref());
    let store = open_store(backend, &config.root_dir, &config.workspace, &config.sources, style)?;
    Ok(encrypting(store, encryption))
}

fn encrypting(store: Box<dyn StateStore>, encryption: Option<&Encryption>) -> Arc<dyn StateStore> {
    match encryption.and_then(|e| e.state.clone()) {
        Some(codec) => Arc::new(EncryptedStore::new(store, codec)),
        None => store.into(),
    }
}

/// The state store for commands that read or edit state without the rest of the
/// configuration: only the root module is parsed, and its state encryption evaluated with
/// `vars` and the environment. Its other problems are not reported here (validate does that).
pub fn store_at(dir: &Path, vars: &[CliVar], style: &Style) -> Result<Arc<dyn StateStore>> {
    let workspace = selected_workspace(dir)?;
    workspace_store_at(dir, &workspace, vars, style)
}

/// As [`store_at`], for the state of `workspace`.
pub fn workspace_store_at(dir: &Path, workspace: &str, vars: &[CliVar], style: &Style) -> Result<Arc<dyn StateStore>> {
    let encryption = encryption_at(dir, vars, style)?;
    let (backend, sources) = backend_block_at(dir);
    Ok(encrypting(open_store(backend.as_ref(), dir, workspace, &sources, style)?, encryption.as_ref()))
}

/// The backend alone, for what never reads the state itself (the lock).
pub fn backend_at(dir: &Path, style: &Style) -> Result<Box<dyn StateStore>> {
    let workspace = selected_workspace(dir)?;
    let (backend, sources) = backend_block_at(dir);
    open_store(backend.as_ref(), dir, &workspace, &sources, style)
}

/// The root module's backend block, parsing that module alone.
pub fn backend_block_at(dir: &Path) -> (Option<BackendConfig>, SourceMap) {
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let module = gantry_core::config::load_module(dir, &sources, &mut diags);
    (module.and_then(|m| m.settings).and_then(|s| s.backend), sources)
}

fn open_store(
    backend: Option<&BackendConfig>,
    dir: &Path,
    workspace: &str,
    sources: &SourceMap,
    style: &Style,
) -> Result<Box<dyn StateStore>> {
    crate::backends().open_workspace(backend, dir, workspace).map_err(|e| backend_failed(e, sources, style))
}

/// A backend's refusal, as a diagnostic at the block when it has a position.
pub fn backend_failed(e: BackendError, sources: &SourceMap, style: &Style) -> anyhow::Error {
    match e {
        // Pointing at the block is what makes a misspelt backend name or argument quick to fix.
        e @ (BackendError::Unknown { .. } | BackendError::Invalid { span: Some(_), .. }) => {
            eprintln!("{}", gantry_core::diag::render(&e.to_diagnostic(), sources, style.color));
            anyhow!(Reported)
        }
        other => anyhow!(other),
    }
}

/// The current state, or a new empty one when none was written yet.
pub fn read_state(store: &dyn StateStore) -> Result<State> {
    Ok(store.read().map_err(|e| anyhow!(e))?.unwrap_or_default())
}

/// Takes the state lock for a run, waiting up to `timeout` for another run to finish.
pub async fn lock<'a>(
    store: &'a dyn StateStore,
    operation: &str,
    timeout: std::time::Duration,
) -> Result<LockGuard<'a>> {
    gantry_core::state::lock(store, operation, timeout).await.map_err(|e| anyhow!(e))
}

/// The lock of a plan, apply or destroy, unless `-lock=false` says no other run can write.
pub async fn lock_for<'a>(
    store: &'a dyn StateStore,
    operation: &str,
    p: &crate::args::PlanArgs,
) -> Result<Option<LockGuard<'a>>> {
    if !p.lock {
        return Ok(None);
    }
    lock(store, operation, p.lock_timeout).await.map(Some)
}
